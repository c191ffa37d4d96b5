package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The zguide's examples of ../examples, run as processes, with pyzmq
// peers (testdata/zguide.py) in the roles of their zguide counterparts:
// on the zguide's endpoints, with its message formats, bound to the
// loopback. The subtests run one after the other: the endpoints are the
// zguide's fixed ports.
func TestZguideExamplesPyZMQ(t *testing.T) {
	checkLeaks(t)
	bin := buildZguideExamples(t, "hwserver", "wuserver", "taskvent", "tasksink", "rrbroker",
		"mdbroker", "mdworker", "mdclient")
	py := zguidePeer(t)
	const loopback = "-iface=127.0.0.1"

	// Our hwserver answers a pyzmq hwclient.
	t.Run("hwserver", func(t *testing.T) {
		server := startZguideExample(t, bin, "hwserver", "-n=10", "-work=0", loopback)
		py(t, "hwclient", "10").finish(t, "ok hwclient 10")
		server.exit(t)
		server.count(t, "Received Hello\n", 10)
	})

	// Our wuserver feeds a pyzmq wuclient, which checks every update's
	// format and the subscription's filtering.
	t.Run("wuserver", func(t *testing.T) {
		server := startZguideExample(t, bin, "wuserver", loopback)
		client := py(t, "wuclient", "20", "100")
		client.line(t, "Average temperature for zipcode '100' was ")
		client.finish(t, "ok wuclient 20")
		server.interrupt(t)
	})

	// Our ventilator and sink around two pyzmq workers: every task is
	// done once, and the workers saw the workloads the ventilator counted.
	t.Run("taskvent-tasksink", func(t *testing.T) {
		const tasks = 40
		sink := startZguideExample(t, bin, "tasksink", "-tasks="+strconv.Itoa(tasks), loopback)
		workers := []*peerProc{py(t, "taskwork", "0.01"), py(t, "taskwork", "0.01")}
		vent := startZguideExample(t, bin, "taskvent", "-tasks="+strconv.Itoa(tasks), "-wait=false", loopback)
		vent.exit(t)
		cost := vent.submatch(t, `Total expected cost: (\d+) msec\n`)
		sink.exit(t)
		sink.match(t, `^:\.{9}:\.{9}:\.{9}:\.{9}Total elapsed time: \d+ msec\n$`)
		done, msec := 0, 0
		for _, w := range workers {
			w.stdin.Close()
			var n, m int
			if line := w.line(t, "ok taskwork "); !scanned(line, "ok taskwork %d %d", &n, &m) {
				t.Fatalf("a worker printed %q", line)
			}
			done, msec = done+n, msec+m
			zguidePeerExit(t, w)
		}
		if done != tasks || strconv.Itoa(msec) != cost {
			t.Fatalf("the workers did %d tasks costing %d msec, want %d costing %s", done, msec, tasks, cost)
		}
	})

	// Our rrbroker between pyzmq rrclients and rrworkers.
	t.Run("rrbroker", func(t *testing.T) {
		startZguideExample(t, bin, "rrbroker", loopback, "-for=30s")
		workers := []*peerProc{py(t, "rrworker"), py(t, "rrworker")}
		clients := []*peerProc{py(t, "rrclient", "10"), py(t, "rrclient", "10")}
		for _, c := range clients {
			c.finish(t, "ok rrclient 10")
		}
		served := 0
		for _, w := range workers {
			w.stdin.Close()
			var n int
			if line := w.line(t, "ok rrworker "); !scanned(line, "ok rrworker %d", &n) {
				t.Fatalf("a worker printed %q", line)
			}
			served += n
			zguidePeerExit(t, w)
		}
		if served != 20 {
			t.Fatalf("the workers served %d requests, want 20", served)
		}
	})

	// Our mdbroker with pyzmq MDP clients and workers, each also against
	// our mdclient and mdworker: heartbeats every 100 ms both ways.
	t.Run("mdbroker", func(t *testing.T) {
		startZguideExample(t, bin, "mdbroker", "-heartbeat=100ms", loopback, "-for=30s")
		// The broker heartbeats only the workers it registered.
		worker := py(t, "mdworker", "echo", "100")
		worker.line(t, "heartbeat")
		client := startZguideExample(t, bin, "mdclient", "-n=10")
		client.exit(t)
		client.match(t, `^10 requests/replies processed\n$`)
		py(t, "mmiecho", "echo").finish(t, "Lookup echo service: 200")
		// DISCONNECT: the broker forgets the worker at once.
		worker.stdin.Close()
		worker.finish(t, "ok mdworker 10")
		py(t, "mmiecho", "echo").finish(t, "Lookup echo service: 404")

		ours := startZguideExample(t, bin, "mdworker", "-heartbeat=100ms", "-reconnect=100ms")
		py(t, "mdclient", "10", "echo").finish(t, "10 requests/replies processed")
		py(t, "mmiecho", "echo").finish(t, "Lookup echo service: 200")
		py(t, "mmiecho", "nosuch").finish(t, "Lookup nosuch service: 404")
		ours.interrupt(t)
	})
}

// scanned reports whether line is exactly format with its values.
func scanned(line, format string, values ...any) bool {
	n, err := fmt.Sscanf(line, format, values...)
	return err == nil && n == len(values)
}

// zguidePeerExit checks that a peer that printed all it should exits
// successfully.
func zguidePeerExit(t *testing.T, p *peerProc) {
	t.Helper()
	if err := p.wait(); err != nil {
		t.Fatalf("peer: %v; stderr:\n%s", err, p.stderr.String())
	}
}

// zguidePeer returns the launcher of testdata/zguide.py under pyzmq.
func zguidePeer(t *testing.T) func(t *testing.T, role string, args ...string) *peerProc {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "zguide.py"))
	must(t, "zguide.py", err)
	return func(t *testing.T, role string, args ...string) *peerProc {
		return startPeer(t, py, append([]string{script, role}, args...)...)
	}
}

// buildZguideExamples builds the named examples of the parent module
// into a temporary directory, which it returns.
func buildZguideExamples(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./examples/"+n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// zguideExample is one of our examples, running.
type zguideExample struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
	err  error         // from Wait, once done

	out lockedBuffer // standard output and error
}

// startZguideExample runs an example in a directory of its own (wuserver
// makes ipc://weather.ipc there), interrupted at the end of the test if it
// still runs, and killed after peerTimeout.
func startZguideExample(t *testing.T, bin, name string, args ...string) *zguideExample {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	cmd.Dir = t.TempDir()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	e := &zguideExample{name: name, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = &e.out
	cmd.Stderr = &e.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		e.err = cmd.Wait()
		close(e.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-e.done
		if t.Failed() {
			t.Logf("%s %s: %v\n%s", name, strings.Join(args, " "), e.err, e.output())
		}
	})
	return e
}

func (e *zguideExample) output() string { return e.out.String() }

// exit waits for the example to end and checks that it succeeded.
func (e *zguideExample) exit(t *testing.T) {
	t.Helper()
	select {
	case <-e.done:
	case <-time.After(peerTimeout):
		t.Fatalf("%s still runs after %v", e.name, peerTimeout)
	}
	if e.err != nil {
		t.Fatalf("%s: %v\n%s", e.name, e.err, e.output())
	}
}

// interrupt stops the example as Ctrl-C does and checks that it exits
// cleanly.
func (e *zguideExample) interrupt(t *testing.T) {
	t.Helper()
	if err := e.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("%s: %v", e.name, err)
	}
	e.exit(t)
}

// count checks that the output holds s exactly n times.
func (e *zguideExample) count(t *testing.T, s string, n int) {
	t.Helper()
	if got := strings.Count(e.output(), s); got != n {
		t.Errorf("%s printed %q %d times, want %d", e.name, s, got, n)
	}
}

// match checks the output against a regular expression.
func (e *zguideExample) match(t *testing.T, expr string) {
	t.Helper()
	if out := e.output(); !regexp.MustCompile(expr).MatchString(out) {
		t.Errorf("%s printed %q, want a match for %s", e.name, out, expr)
	}
}

// submatch returns the first group of expr in the output.
func (e *zguideExample) submatch(t *testing.T, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(e.output())
	if m == nil {
		t.Fatalf("%s printed %q, want a match for %s", e.name, e.output(), expr)
	}
	return m[1]
}
