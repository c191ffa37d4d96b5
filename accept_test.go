package zmq

import (
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
)

// failingListener fails its first n Accepts as a process out of
// descriptors does, then hands out one connection, then waits for Close.
type failingListener struct {
	mu     sync.Mutex
	n      int
	calls  []time.Time
	conn   net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.calls = append(l.calls, time.Now())
	if len(l.calls) <= l.n {
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *failingListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *failingListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// An accept loop that keeps failing pauses between attempts, doubling the
// pause, instead of spinning; each failure is reported, and the loop
// recovers to serve the next connection (defect 2 of the engine review).
func TestAcceptBackoff(t *testing.T) {
	s, err := NewContext().NewSocket(Pull, Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mon := s.Monitor(EventAcceptFailed | EventAccepted)
	ours, peer := net.Pipe()
	defer peer.Close()
	const failures = 6
	ln := &failingListener{n: failures, conn: ours, closed: make(chan struct{})}
	ep := s.newEndpoint("tcp://127.0.0.1:1", transport.Endpoint{Scheme: "tcp", Addr: "127.0.0.1:1"}, true)
	ep.ln = ln
	ep.stream, _ = transport.StreamFor("tcp")
	s.mu.Lock()
	s.endpoints[ep.name] = []*endpoint{ep}
	s.mu.Unlock()
	s.wg.Add(1)
	go s.acceptLoop(ep)

	for i := 0; i < failures; i++ {
		ev := <-mon.Events()
		if ev.Type != EventAcceptFailed || ev.Value != uint32(syscall.EMFILE) {
			t.Fatalf("event %d: %v (value %d)", i, ev, ev.Value)
		}
	}
	if ev := <-mon.Events(); ev.Type != EventAccepted {
		t.Fatalf("after the failures: %v", ev)
	}
	ln.mu.Lock()
	calls := append([]time.Time(nil), ln.calls...)
	ln.mu.Unlock()
	// The pauses double from minAcceptPause: 5, 10, 20, 40, 80, 160ms. A
	// pause is never shorter than asked, so this bound cannot flake.
	pause := minAcceptPause
	for i := 1; i <= failures; i++ {
		if gap := calls[i].Sub(calls[i-1]); gap < pause {
			t.Errorf("attempt %d came %v after the failure before it, want at least %v", i+1, gap, pause)
		}
		pause = min(2*pause, maxAcceptPause)
	}
}
