package interop

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// cmdTimeout bounds each run of the zmq command, and each wait for its
// output.
const cmdTimeout = 30 * time.Second

// TestCmdLibzmq runs the zmq command (cmd/zmq of the parent module) as a
// user would, with its standard streams, against libzmq sockets: a REQ
// command with a libzmq REP, a REP command with a libzmq REQ, and a PULL
// command with a libzmq PUSH, over tcp and ipc.
func TestCmdLibzmq(t *testing.T) {
	bin := buildZmqCmd(t)
	for _, tr := range transports {
		t.Run("req/"+tr, func(t *testing.T) {
			rep := newTheirs(t, zmq.Rep)
			ep := bindTheirs(t, rep, tr)
			c := startCmd(t, bin, "hello\nworld\n", "send", "-type", "req", "-timeout", "10s", ep)
			for _, want := range []string{"hello", "world"} {
				got := recvTheirs(t, rep)
				if !sameFrames(got, b(want)) {
					t.Fatalf("libzmq REP received %s, want %q", show(got), want)
				}
				sendTheirs(t, rep, []byte("re:"+want), []byte("2nd frame"))
			}
			c.succeed(t)
			if got, want := c.stdout.String(), "re:hello\t2nd frame\nre:world\t2nd frame\n"; got != want {
				t.Fatalf("zmq send -type req printed %q, want %q", got, want)
			}
		})
		t.Run("rep/"+tr, func(t *testing.T) {
			c := startCmd(t, bin, "one|1\ntwo|2\n", "recv", "-type", "rep", "-sep", "|", "-v", "@"+bindAddr(t, tr))
			ep := c.bound(t)
			req := newTheirs(t, zmq.Req)
			must(t, "libzmq: connect "+ep, req.Connect(ep))
			for _, want := range []string{"one|1", "two|2"} {
				sendTheirs(t, req, []byte("ask"), []byte(want[:3]))
				if got := recvTheirs(t, req); !sameFrames(got, b(strings.Split(want, "|")...)) {
					t.Fatalf("libzmq REQ received %s, want %q split at |", show(got), want)
				}
			}
			c.succeed(t)
			if got, want := c.stdout.String(), "ask|one\nask|two\n"; got != want {
				t.Fatalf("zmq recv -type rep printed %q, want %q", got, want)
			}
		})
		t.Run("pull/"+tr, func(t *testing.T) {
			c := startCmd(t, bin, "", "recv", "-type", "pull", "-n", "3", "-sep", "|", "-v", "@"+bindAddr(t, tr))
			ep := c.bound(t)
			push := newTheirs(t, zmq.Push)
			must(t, "libzmq: connect "+ep, push.Connect(ep))
			sendTheirs(t, push, []byte("a"))
			sendTheirs(t, push, []byte("b"), []byte(""), []byte("c"))
			sendTheirs(t, push, bytes.Repeat([]byte("z"), 300)) // a long frame
			c.succeed(t)
			if got, want := c.stdout.String(), "a\nb||c\n"+strings.Repeat("z", 300)+"\n"; got != want {
				t.Fatalf("zmq recv -type pull printed %q, want %q", got, want)
			}
		})
	}
}

// buildZmqCmd builds the zmq command into the test's temporary directory.
func buildZmqCmd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zmq")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/zmq")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/zmq: %v\n%s", err, out)
	}
	return bin
}

// A cmdProc is a running zmq command.
type cmdProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer  // read once it has exited
	stderr chan string   // its lines, closed at the end
	lines  []string      // the lines of stderr read so far
	exited chan struct{} // closed when it has exited
	err    error         // from Wait, once exited is closed
}

// startCmd starts the zmq command bin with args and stdin, killed at the
// end of the test or after cmdTimeout.
func startCmd(t *testing.T, bin, stdin string, args ...string) *cmdProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	c := &cmdProc{cmd: exec.CommandContext(ctx, bin, args...), stderr: make(chan string, 64), exited: make(chan struct{})}
	c.cmd.Stdin = strings.NewReader(stdin)
	c.cmd.Stdout = &c.stdout
	c.cmd.WaitDelay = 5 * time.Second
	errPipe, err := c.cmd.StderrPipe()
	must(t, "zmq stderr", err)
	if err := c.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting zmq %v: %v", args, err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			c.stderr <- sc.Text()
		}
		close(c.stderr)
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it to the end first
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		cancel()
		for l := range c.stderr {
			c.lines = append(c.lines, l)
		}
		<-c.exited
		if t.Failed() {
			t.Logf("zmq %v: %v; stderr:\n%s", args, c.err, strings.Join(c.lines, "\n"))
		}
	})
	return c
}

// bound returns the endpoint the command reports it bound (with -v).
func (c *cmdProc) bound(t *testing.T) string {
	t.Helper()
	re := regexp.MustCompile(`: bound ((?:tcp|ipc)://\S+)$`)
	timer := time.NewTimer(cmdTimeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-c.stderr:
			if !ok {
				t.Fatalf("zmq exited without reporting the endpoint it bound; stderr:\n%s", strings.Join(c.lines, "\n"))
			}
			c.lines = append(c.lines, l)
			if m := re.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-timer.C:
			t.Fatalf("zmq reported no endpoint bound within %v", cmdTimeout)
		}
	}
}

// succeed waits for the command to exit 0.
func (c *cmdProc) succeed(t *testing.T) {
	t.Helper()
	for l := range c.stderr {
		c.lines = append(c.lines, l)
	}
	select {
	case <-c.exited:
	case <-time.After(cmdTimeout):
		t.Fatalf("zmq %v did not exit within %v", c.cmd.Args[1:], cmdTimeout)
	}
	if c.err != nil {
		t.Fatalf("zmq %v: %v; stderr:\n%s", c.cmd.Args[1:], c.err, strings.Join(c.lines, "\n"))
	}
}
