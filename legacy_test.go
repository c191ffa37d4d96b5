package zmq_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// handshakeRaw plays the peer side of a ZMTP handshake over conn with the
// given minor version, and returns after reading the socket's READY.
func handshakeRaw(t *testing.T, conn net.Conn, minor byte, socketType string) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write(greeting(3, minor, "NULL"))
	peer := make([]byte, 64)
	if _, err := io.ReadFull(conn, peer); err != nil {
		t.Fatal(err)
	}
	conn.Write(ready(socketType))
	hdr := make([]byte, 2)
	io.ReadFull(conn, hdr)
	io.ReadFull(conn, make([]byte, hdr[1]))
}

// A ZMTP 3.0 subscriber sends subscriptions as \x01topic messages, and a
// publisher honours them.
func TestLegacySubscriber(t *testing.T) {
	checkLeaks(t)
	pub := newSock(t, zmq.Pub)
	ep := bound(t, pub, "tcp")
	conn := dialTCP(t, ep)
	handshakeRaw(t, conn, 0, "SUB")
	conn.Write([]byte{0x00, 0x02, 0x01, 'A'})
	want := []byte{0x00, 0x03, 'A', 'h', 'i'}
	got := make([]byte, len(want))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		send(t, pub, "Bnope")
		send(t, pub, "Ahi")
		conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := io.ReadFull(conn, got); err == nil {
			if string(got) != string(want) {
				t.Fatalf("got %q, want %q", got, want)
			}
			return
		}
	}
	t.Fatal("no message for the legacy subscriber")
}

// To a ZMTP 3.0 publisher a subscriber sends its subscriptions as
// messages; to a ZMTP 3.1 one as SUBSCRIBE commands.
func TestSubscriptionDialects(t *testing.T) {
	for _, c := range []struct {
		minor byte
		want  []byte
	}{
		{0, []byte{0x00, 0x02, 0x01, 'T'}},
		{1, []byte{0x04, 0x0b, 0x09, 'S', 'U', 'B', 'S', 'C', 'R', 'I', 'B', 'E', 'T'}},
	} {
		checkLeaks(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("T")))
		sub.Connect("tcp://" + ln.Addr().String())
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			t.Fatal(err)
		}
		handshakeRaw(t, conn, c.minor, "PUB")
		got := make([]byte, len(c.want))
		if _, err := io.ReadFull(conn, got); err != nil || string(got) != string(c.want) {
			t.Fatalf("ZMTP 3.%d subscription %q (%v), want %q", c.minor, got, err, c.want)
		}
		conn.Close()
		sub.Close()
	}
}

// Reconnection waits ReconnectInterval plus jitter between attempts, and
// doubles the wait up to ReconnectIntervalMax when that is set. With -1 it
// does not reconnect.
func TestReconnectBackoff(t *testing.T) {
	checkLeaks(t)
	const base, maxIvl = 20 * time.Millisecond, 400 * time.Millisecond
	// A connection that fails a moment after it is accepted is an attempt.
	listen := func() *net.TCPListener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln.(*net.TCPListener)
	}
	accept := func(ln *net.TCPListener, within time.Duration) error {
		ln.SetDeadline(time.Now().Add(within))
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		return err
	}
	// gaps returns the times between the first n attempts of a socket
	// with opts. Each is taken before the close that fails an attempt, so
	// a gap is at least the wait before the next one.
	gaps := func(n int, opts ...zmq.Option) []time.Duration {
		ln := listen()
		defer ln.Close()
		s := newSock(t, zmq.Push, opts...)
		defer s.Close()
		s.Connect("tcp://" + ln.Addr().String())
		var last time.Time
		var out []time.Duration
		for i := 0; i < n; i++ {
			ln.SetDeadline(time.Now().Add(5 * time.Second))
			c, err := ln.Accept()
			if err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			now := time.Now()
			c.Close()
			if i > 0 {
				out = append(out, now.Sub(last))
			}
			last = now
		}
		return out
	}
	// The lower bounds are exact: a timer never fires early. The upper
	// bounds leave a loaded machine ample slack (1 s, where the jittered
	// waits are at most 40 ms and 420 ms) and still tell a wait that
	// grows without bound from one that does not: the seventh doubling
	// wait is 20 ms << 6 = 1.28 s.
	for i, g := range gaps(8, zmq.ReconnectInterval(base)) {
		if g < base || g >= time.Second {
			t.Fatalf("flat: attempt %d came %v after the one before, want [20ms, 40ms) and no backoff", i+2, g)
		}
	}
	for i, g := range gaps(8, zmq.ReconnectInterval(base), zmq.ReconnectIntervalMax(maxIvl)) {
		if want := min(base<<i, maxIvl); g < want || g >= time.Second {
			t.Fatalf("backoff: attempt %d came %v after the one before, want at least %v and the cap at %v", i+2, g, want, maxIvl)
		}
	}

	ln := listen()
	defer ln.Close()
	never := newSock(t, zmq.Push, zmq.ReconnectInterval(-1))
	never.Connect("tcp://" + ln.Addr().String())
	if err := accept(ln, 5*time.Second); err != nil {
		t.Fatalf("first attempt: %v", err)
	}
	// After its one attempt the socket gives up the peer: it has no queue
	// left to send to.
	eventually(t, "the socket to give up", func() bool {
		return errors.Is(never.TrySend(zmq.NewMsgString("x")), zmq.ErrWouldBlock)
	})
	// That no attempt follows can only be bounded: 300 ms is three times
	// the default ReconnectInterval.
	if err := accept(ln, 300*time.Millisecond); !isTimeout(err) {
		t.Fatalf("ReconnectInterval -1 made a second attempt (%v)", err)
	}
}

// A ZMTP 2.0 peer (RFC 15, as JeroMQ 0.3 speaks it) is served: greeting
// with revision 1, socket type byte and identity frame, then plain frames.
func TestZMTP20Peer(t *testing.T) {
	checkLeaks(t)
	router := newSock(t, zmq.Router)
	ep := bound(t, router, "tcp")
	conn := dialTCP(t, ep)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	greet := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, byte(zmq.Dealer), 0x00, 3, 'o', 'l', 'd'}
	conn.Write(greet)
	// The socket answers in kind: signature, its revision (3), its type
	// byte and an empty identity frame.
	got := make([]byte, 14)
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if got[0] != 0xFF || got[9] != 0x7F || got[10] != 3 || got[11] != byte(zmq.Router) || got[12] != 0 || got[13] != 0 {
		t.Fatalf("ZMTP 2.0 greeting %x", got)
	}
	conn.Write([]byte{0x01, 0x00, 0x00, 0x02, 'h', 'i'})
	expect(t, router, "old", "", "hi")
	send(t, router, "old", "", "back")
	reply := make([]byte, 8)
	if _, err := io.ReadFull(conn, reply); err != nil || string(reply) != "\x01\x00\x00\x04back" {
		t.Fatalf("reply %q %v", reply, err)
	}
}
