package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// The tests run the zmq command as a user would, as processes with their
// standard streams, and talk to it with sockets of the library.

const (
	// waitTimeout bounds every wait for a process's output or exit.
	waitTimeout = 20 * time.Second
	// procTimeout bounds each process: it is killed after that.
	procTimeout = 60 * time.Second
)

// raceEnabled is set by race_test.go: the command is then built with the
// race detector too.
var raceEnabled bool

// zmqBin is the command, built once by TestMain.
var zmqBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zmq-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zmqBin = filepath.Join(dir, "zmq")
	args := []string{"build", "-o", zmqBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	out, err := exec.CommandContext(ctx, "go", append(args, ".")...).CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A stream collects what a process writes to stdout or stderr, and wakes
// those waiting for it.
type stream struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newStream() *stream { return &stream{changed: make(chan struct{})} }

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

// snapshot returns what was written so far and a channel closed at the
// next write.
func (s *stream) snapshot() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String(), s.changed
}

func (s *stream) String() string {
	str, _ := s.snapshot()
	return str
}

// A proc is a running zmq command.
type proc struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser // nil when stdin was given whole
	stdout, stderr *stream
	exited         chan struct{} // closed when it has exited
	err            error         // from Wait, once exited is closed
}

// start starts zmq with args. stdin, if not nil, is its whole standard
// input; otherwise p.stdin is a pipe to it. It is killed at the end of the
// test.
func start(t *testing.T, stdin *string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procTimeout)
	p := &proc{
		cmd:    exec.CommandContext(ctx, zmqBin, args...),
		stdout: newStream(),
		stderr: newStream(),
		exited: make(chan struct{}),
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	if raceEnabled {
		// The race detector waits a second at exit unless told not to.
		p.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	}
	if stdin != nil {
		p.cmd.Stdin = strings.NewReader(*stdin)
	} else {
		w, err := p.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdin = w
	}
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting zmq %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.exited
		if t.Failed() {
			t.Logf("zmq %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), p.err, p.stdout, p.stderr)
		}
	})
	return p
}

// stdinOf returns s as a stdin for start.
func stdinOf(s string) *string { return &s }

// run runs zmq with args and stdin to its end, and returns its output and
// exit code.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	p := start(t, &stdin, args...)
	code = p.exitCode(t)
	return p.stdout.String(), p.stderr.String(), code
}

// exitCode waits for the process to exit and returns its exit code.
func (p *proc) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(waitTimeout):
		t.Fatalf("zmq %v did not exit within %v", p.cmd.Args[1:], waitTimeout)
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		t.Fatalf("zmq %v: %v", p.cmd.Args[1:], p.err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// succeed waits for the process to exit 0.
func (p *proc) succeed(t *testing.T) {
	t.Helper()
	if code := p.exitCode(t); code != 0 {
		t.Fatalf("zmq %v: exit code %d, want 0; stderr:\n%s", p.cmd.Args[1:], code, p.stderr)
	}
}

// await waits until what s holds satisfies ok, and returns it. It fails
// the test if the process exits first or after waitTimeout.
func (p *proc) await(t *testing.T, s *stream, what string, ok func(string) bool) string {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	exited := p.exited
	for {
		got, changed := s.snapshot()
		if ok(got) {
			return got
		}
		select {
		case <-changed:
		case <-exited:
			exited = nil // one more look at what it wrote last
			if got, _ := s.snapshot(); ok(got) {
				return got
			}
			t.Fatalf("zmq %v exited (%v) before %s; stdout:\n%s\nstderr:\n%s", p.cmd.Args[1:], p.err, what, p.stdout, p.stderr)
		case <-timer.C:
			t.Fatalf("zmq %v: no %s within %v; stdout:\n%s\nstderr:\n%s", p.cmd.Args[1:], what, waitTimeout, p.stdout, p.stderr)
		}
	}
}

// awaitMatch waits until s holds a match of re and returns its submatches.
func (p *proc) awaitMatch(t *testing.T, s *stream, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	var m []string
	p.await(t, s, fmt.Sprintf("match of %q", re), func(s string) bool {
		m = rx.FindStringSubmatch(s)
		return m != nil
	})
	return m
}

// bound waits for the endpoint the command reports it bound (with -v, or
// a device's side) and returns it.
func (p *proc) bound(t *testing.T, side string) string {
	t.Helper()
	return p.awaitMatch(t, p.stderr, side+`bound ((?:tcp|ipc)://\S+)\n`)[1]
}

// libSocket returns a socket of the library, closed at the end of the
// test.
func libSocket(t *testing.T, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	s, err := zmq.NewSocket(typ, append([]zmq.Option{zmq.Linger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// bindSocket binds s to a fresh endpoint of transport tr and returns it.
func bindSocket(t *testing.T, s *zmq.Socket, tr string) string {
	t.Helper()
	if err := s.Bind(endpointFor(t, tr)); err != nil {
		t.Fatal(err)
	}
	return s.LastEndpoint()
}

// endpointFor returns an endpoint to bind for transport tr: an ephemeral
// port of the loopback, or a path in the test's temporary directory.
func endpointFor(t *testing.T, tr string) string {
	t.Helper()
	if tr == "ipc" {
		return "ipc://" + filepath.Join(t.TempDir(), "s.ipc")
	}
	return "tcp://127.0.0.1:*"
}

// recvFrames receives one message on s, waiting at most waitTimeout.
func recvFrames(t *testing.T, s *zmq.Socket) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	m, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("recv on %v: %v", s.Type(), err)
	}
	frames := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		frames[i] = string(f)
	}
	return frames
}

// sendFrames sends one message on s, waiting at most waitTimeout.
func sendFrames(t *testing.T, s *zmq.Socket, frames ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Send(ctx, zmq.NewMsgString(frames...)); err != nil {
		t.Fatalf("send on %v: %v", s.Type(), err)
	}
}

// closedAddr returns a loopback address nobody listens on: a port the
// system just gave and took back.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
