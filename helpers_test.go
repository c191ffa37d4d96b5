package zmq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// transports is the matrix every socket-level test runs over.
var transports = []string{"inproc", "ipc", "tcp"}

var epSeq atomic.Int64

// bindAddr returns a fresh endpoint to bind for transport tr.
func bindAddr(t testing.TB, tr string) string {
	switch tr {
	case "inproc":
		return fmt.Sprintf("inproc://test-%d", epSeq.Add(1))
	case "ipc":
		return "ipc://" + filepath.Join(t.TempDir(), fmt.Sprintf("s%d.ipc", epSeq.Add(1)))
	default:
		return "tcp://127.0.0.1:*"
	}
}

// bound binds s and returns the endpoint peers should connect to.
func bound(t testing.TB, s *zmq.Socket, tr string) string {
	t.Helper()
	ep := bindAddr(t, tr)
	if err := s.Bind(ep); err != nil {
		t.Fatalf("bind %s: %v", ep, err)
	}
	return s.LastEndpoint()
}

// newSock makes a socket that the test closes at its end, with a short
// linger so a failing test cannot hang.
func newSock(t testing.TB, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	opts = append([]zmq.Option{zmq.Linger(time.Second)}, opts...)
	s, err := zmq.NewSocket(typ, opts...)
	if err != nil {
		t.Fatalf("new %v: %v", typ, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func send(t testing.TB, s *zmq.Socket, frames ...string) {
	t.Helper()
	if err := s.Send(tctx(t), zmq.NewMsgString(frames...)); err != nil {
		t.Fatalf("send %q: %v", frames, err)
	}
}

func recvStrings(t testing.TB, s *zmq.Socket) []string {
	t.Helper()
	m, err := s.Recv(tctx(t))
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	out := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = string(f)
	}
	return out
}

func expect(t testing.TB, s *zmq.Socket, frames ...string) {
	t.Helper()
	got := recvStrings(t, s)
	if strings.Join(got, "|") != strings.Join(frames, "|") || len(got) != len(frames) {
		t.Fatalf("got %q, want %q", got, frames)
	}
}

// expectNothing checks that nothing arrives within d.
func expectNothing(t testing.TB, s *zmq.Socket, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if m, err := s.Recv(ctx); err == nil {
		t.Fatalf("unexpected message %v", m)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkLeaks fails the test if goroutines started during it outlive it.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines leaked (before %d, now %d):\n%s", n-before, before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// forEachTransport runs f as a subtest per transport with a leak check.
func forEachTransport(t *testing.T, f func(t *testing.T, tr string)) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			f(t, tr)
		})
	}
}

// TestMain fails the run if any goroutine of the library outlives the
// tests, including those that do not check for leaks themselves.
func TestMain(m *testing.M) {
	code := m.Run()
	deadline := time.Now().Add(10 * time.Second)
	leaked := libraryGoroutines()
	for len(leaked) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		leaked = libraryGoroutines()
	}
	if len(leaked) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d goroutines of the library outlived the tests:\n%s\n",
			len(leaked), strings.Join(leaked, "\n\n"))
		code = 1
	}
	os.Exit(code)
}

// libraryGoroutines returns the stacks of running goroutines that were
// started by the library (not the test runner, fuzzer or os/signal).
func libraryGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "created by github.com/zmq-go/zmq.") {
			out = append(out, g)
		}
	}
	return out
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// freeTCP returns a tcp endpoint on a port that was free a moment ago.
func freeTCP(t testing.TB) string {
	t.Helper()
	s, err := zmq.NewSocket(zmq.Pull, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	return s.LastEndpoint()
}

// recvAny waits for a message on any of socks and returns which one got it.
func recvAny(t testing.TB, socks []*zmq.Socket) (int, []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, s := range socks {
			m, err := s.TryRecv()
			if err == nil {
				out := make([]string, len(m.Frames))
				for j, f := range m.Frames {
					out[j] = string(f)
				}
				return i, out
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no message on any socket")
	return -1, nil
}

// dialTCP opens a raw TCP connection to a tcp:// endpoint, closed when the
// test ends.
func dialTCP(t testing.TB, ep string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// pushPull binds a PULL socket over transport tr and connects a PUSH socket
// to it.
func pushPull(t testing.TB, tr string) (push, pull *zmq.Socket) {
	t.Helper()
	pull = newSock(t, zmq.Pull)
	ep := bound(t, pull, tr)
	push = newSock(t, zmq.Push)
	if err := push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	return push, pull
}

// waitBlocked waits until recv goroutines are blocked in a receive and
// send goroutines in a send of s: each has tried, found it cannot proceed
// and waits to be woken. Whatever wakes them from now on must reach them.
func waitBlocked(t testing.TB, s *zmq.Socket, recv, send int32) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d blocked receives and %d blocked sends", recv, send), func() bool {
		r, w := zmq.WaitersForTest(s)
		return r == recv && w == send
	})
}

// closing reports whether Close has begun on s, without side effects: an
// empty SetOption fails only on a closed socket.
func closing(s *zmq.Socket) bool {
	return errors.Is(s.SetOption(), zmq.ErrClosed)
}
