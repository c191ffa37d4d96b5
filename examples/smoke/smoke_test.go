// Package smoke runs the zguide examples as the zguide runs them: each
// one a process of its own, talking over loopback on the zguide's ports.
package smoke

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// timeout bounds each process and each wait for its output.
const timeout = 30 * time.Second

// loopback makes the servers bind to loopback only.
const loopback = "-iface=127.0.0.1"

// built is the directory holding every example, built once for all the
// tests of the package. Tests run one after the other (none is
// parallel): the examples use the zguide's fixed ports.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// build builds every example of examples/ and returns a runner for them.
func build(t *testing.T) runner {
	t.Helper()
	built.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			built.err = fmt.Errorf("no go tool: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "zguide-examples")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		out, err := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "../...").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return runner{bin: built.dir}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// The subtests run one after the other: the examples use fixed ports.
func TestExamples(t *testing.T) {
	r := build(t)

	t.Run("hello", func(t *testing.T) {
		server := r.start(t, "hwserver", "-n=10", "-work=0", loopback)
		client := r.start(t, "hwclient")
		client.exit(t)
		client.count(t, "Received World", 10)
		server.exit(t)
		server.count(t, "Received Hello", 10)
	})

	t.Run("version", func(t *testing.T) {
		p := r.start(t, "version")
		p.exit(t)
		p.match(t, `^Current 0MQ version is \d+\.\d+\.\d+\n$`)
	})

	t.Run("weather", func(t *testing.T) {
		r.start(t, "wuserver", loopback)
		client := r.start(t, "wuclient", "-n=10", "10")
		client.exit(t)
		client.match(t, `Average temperature for zipcode '10' was -?\d+F\n`)
	})

	t.Run("weather-proxy", func(t *testing.T) {
		r.start(t, "wuserver", loopback)
		r.start(t, "wuproxy", "-frontend=tcp://localhost:5556", loopback, "-for=30s")
		client := r.start(t, "wuclient", "-n=10", "-connect=tcp://localhost:8100", "10")
		client.exit(t)
		client.match(t, `Average temperature for zipcode '10' was -?\d+F\n`)
	})

	t.Run("pipeline", func(t *testing.T) {
		sink := r.start(t, "tasksink", "-tasks=20", loopback)
		worker := r.start(t, "taskwork", "-n=20", "-scale=0.01")
		vent := r.start(t, "taskvent", "-tasks=20", "-wait=false", loopback)
		vent.exit(t)
		vent.match(t, `Total expected cost: \d+ msec`)
		worker.exit(t)
		sink.exit(t)
		sink.match(t, `^:\.{9}:\.{9}Total elapsed time: \d+ msec\n$`)
	})

	t.Run("pipeline-kill", func(t *testing.T) {
		// One worker: the ventilator's PUSH waits for it, so it is
		// connected before the sink can publish KILL. A second worker
		// that started late (a loaded machine) could join after the KILL
		// and wait for ever, the zguide's slow joiner.
		sink := r.start(t, "tasksink2", "-tasks=20", loopback)
		worker := r.start(t, "taskwork2", "-scale=0.1")
		vent := r.start(t, "taskvent", "-tasks=20", "-wait=false", loopback)
		vent.exit(t)
		sink.exit(t)
		sink.match(t, `Total elapsed time: \d+ msec\n$`)
		worker.exit(t) // the KILL stops it
	})

	t.Run("rrbroker", func(t *testing.T) {
		r.start(t, "rrbroker", loopback, "-for=30s")
		worker := r.start(t, "rrworker", "-n=10", "-work=0")
		client := r.start(t, "rrclient")
		client.exit(t)
		client.count(t, "[World]\n", 10)
		client.match(t, `Received reply 9 \[World\]`)
		worker.exit(t)
		worker.count(t, "Received request: [Hello]\n", 10)
	})

	t.Run("msgqueue", func(t *testing.T) {
		r.start(t, "msgqueue", loopback, "-for=30s")
		worker := r.start(t, "rrworker", "-n=10", "-work=0")
		client := r.start(t, "rrclient")
		client.exit(t)
		client.count(t, "[World]\n", 10)
		worker.exit(t)
	})

	t.Run("mtserver", func(t *testing.T) {
		server := r.start(t, "mtserver", "-work=0", loopback, "-for=30s")
		client := r.start(t, "hwclient")
		client.exit(t)
		client.count(t, "Received World", 10)
		server.wait(t, "10 requests", func(out string) bool {
			return strings.Count(out, "Received request: [Hello]\n") == 10
		})
	})

	// Ten times what a SUB queues (RecvHWM 1000), so that the publisher
	// closes and exits while each subscriber still has most of the
	// stream ahead of it in its kernel buffers.
	t.Run("sync", func(t *testing.T) {
		pub := r.start(t, "syncpub", "-subs=2", "-n=10000", loopback)
		subs := []*proc{r.start(t, "syncsub"), r.start(t, "syncsub")}
		for _, s := range subs {
			s.exit(t)
			s.match(t, `^Received 10000 updates\n$`)
		}
		pub.exit(t)
		pub.match(t, `^Waiting for subscribers\nBroadcasting messages\n$`)
	})
}

// runner starts the built examples.
type runner struct{ bin string }

// proc is a running example and what it has written.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // from Wait, once done

	mu      sync.Mutex
	out     bytes.Buffer
	written chan struct{} // closed and replaced at each write
}

// start runs an example in a directory of its own and stops it, if it
// still runs, when the test ends.
func (r runner) start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	cmd := exec.CommandContext(ctx, filepath.Join(r.bin, name), args...)
	cmd.Dir = t.TempDir() // for wuserver's ipc://weather.ipc
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second // then it is killed
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), written: make(chan struct{})}
	cmd.Stdout = p
	cmd.Stderr = p
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
		if t.Failed() {
			t.Logf("%s %s: %v\n%s", name, strings.Join(args, " "), p.err, p.output())
		}
	})
	return p
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out.Write(b)
	close(p.written)
	p.written = make(chan struct{})
	return len(b), nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// wait waits until the output satisfies ok, failing the test if the
// process exits or the time runs out first.
func (p *proc) wait(t *testing.T, what string, ok func(string) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		out, written := p.out.String(), p.written
		p.mu.Unlock()
		if ok(out) {
			return
		}
		select {
		case <-written:
		case <-p.done:
			if !ok(p.output()) {
				t.Fatalf("%s exited (%v) before printing %s", p.name, p.err, what)
			}
			return
		case <-deadline.C:
			t.Fatalf("%s: no %s within %v", p.name, what, timeout)
		}
	}
}

// exit waits for the process to end and checks that it succeeded.
func (p *proc) exit(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still runs after %v", p.name, timeout)
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
}

// count checks that the output holds s exactly n times.
func (p *proc) count(t *testing.T, s string, n int) {
	t.Helper()
	if got := strings.Count(p.output(), s); got != n {
		t.Errorf("%s printed %q %d times, want %d", p.name, s, got, n)
	}
}

// match checks the output against a regular expression.
func (p *proc) match(t *testing.T, expr string) {
	t.Helper()
	if out := p.output(); !regexp.MustCompile(expr).MatchString(out) {
		t.Errorf("%s printed %q, want a match for %s", p.name, out, expr)
	}
}
