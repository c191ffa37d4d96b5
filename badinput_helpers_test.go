package zmq_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// Helpers of the bad-input tests (RELIABILITY.md, "Bad input (C)").

// memory is what the heap holds once the garbage collector has run twice
// (the second run also empties the sync.Pools of receive buffers, so only
// what is still referenced counts), and how much was allocated in all
// since the program started.
type memory struct{ live, total int64 }

func memNow() memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{int64(ms.HeapAlloc), int64(ms.TotalAlloc)}
}

// since returns how much the live heap grew since m, and how much was
// allocated meanwhile.
func (m memory) since() (grown, allocated int64) {
	now := memNow()
	return now.live - m.live, now.total - m.total
}

// settled is since once the live heap has come within limit of m, or
// after two seconds: a closed connection's goroutines give its buffers
// back a moment after the peer sees the close.
func (m memory) settled(limit int64) (grown, allocated int64) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		grown, allocated = m.since()
		if grown <= limit || time.Now().After(deadline) {
			return grown, allocated
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// longHeader encodes a frame header with the LONG flag, whatever the
// size.
func longHeader(flags byte, size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{flags | 0x02}, size)
}

// readUntilClosed reads what the socket sends on conn until it closes the
// connection, and returns it; closed is false if conn was still open after
// two seconds.
func readUntilClosed(conn net.Conn) (got []byte, closed bool) {
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	got, err := io.ReadAll(conn)
	return got, err == nil || !isTimeout(err)
}

// remoteOf is the Remote a bound socket's events give for the connection
// whose far end is conn.
func remoteOf(conn net.Conn) string { return "tcp://" + conn.LocalAddr().String() }

// expectConnEvents checks that m's next events about the connection whose
// far end is conn are of the given types, skipping those of other
// connections, and returns them.
func expectConnEvents(t testing.TB, m *zmq.Monitor, conn net.Conn, types ...zmq.EventType) []zmq.Event {
	t.Helper()
	remote := remoteOf(conn)
	evs := make([]zmq.Event, 0, len(types))
	for len(evs) < len(types) {
		ev := nextEvent(t, m)
		if ev.Remote != remote {
			continue
		}
		if want := types[len(evs)]; ev.Type != want {
			t.Fatalf("event %d: got %v, want %v (after %v)", len(evs), ev, want, evs)
		}
		evs = append(evs, ev)
	}
	return evs
}

// protocolCode returns the code of the *ProtocolError in err, or 0.
func protocolCode(err error) zmq.ProtocolCode {
	var pe *zmq.ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return 0
}

// goodPeer is a well-behaved peer of a socket under attack: a library PUSH
// connected to the PULL being tested.
type goodPeer struct {
	push, pull *zmq.Socket
	n          int
}

// newGoodPeer connects a PUSH to pull's endpoint ep and checks a first
// round trip.
func newGoodPeer(t testing.TB, pull *zmq.Socket, ep string) *goodPeer {
	t.Helper()
	g := &goodPeer{push: newSock(t, zmq.Push), pull: pull}
	if err := g.push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	g.check(t)
	return g
}

// check sends a message through the good peer and expects it, and nothing
// else, on the PULL: a message from a hostile peer showing up instead fails
// the test.
func (g *goodPeer) check(t testing.TB) {
	t.Helper()
	g.n++
	tag := "good " + strings.Repeat("+", g.n%7) + string(rune('0'+g.n%10))
	send(t, g.push, tag)
	expect(t, g.pull, tag)
}

// expectEmpty checks that nothing is queued on s.
func expectEmpty(t testing.TB, s *zmq.Socket) {
	t.Helper()
	if m, err := s.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
		t.Fatalf("unexpected message %q (%v)", m.Frames, err)
	}
}

// greetRaw sends greet and READY for socketType on conn, reads the
// socket's greeting and READY, and returns the greeting.
func greetRaw(t testing.TB, conn net.Conn, greet []byte, socketType string) []byte {
	t.Helper()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetDeadline(time.Time{})
	conn.Write(append(append([]byte(nil), greet...), ready(socketType)...))
	peer := make([]byte, 64)
	if _, err := io.ReadFull(conn, peer); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	readCommand(t, conn, "READY")
	return peer
}

// readCommand reads one command frame from conn and checks its name.
func readCommand(t testing.TB, conn net.Conn, name string) []byte {
	t.Helper()
	h := make([]byte, 2)
	if _, err := io.ReadFull(conn, h); err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	size := uint64(h[1])
	if h[0]&0x02 != 0 {
		rest := make([]byte, 7)
		if _, err := io.ReadFull(conn, rest); err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		size = binary.BigEndian.Uint64(append(h[1:], rest...))
	}
	if h[0]&0x04 == 0 || size > 1<<16 {
		t.Fatalf("reading %s: frame header %x", name, h)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	if len(body) == 0 || 1+int(body[0]) > len(body) || string(body[1:1+int(body[0])]) != name {
		t.Fatalf("got command %q, want %s", body, name)
	}
	return body[1+int(body[0]):]
}
