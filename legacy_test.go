package zmq_test

import (
	"io"
	"net"
	"sync/atomic"
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
// doubles the wait up to ReconnectIntervalMax when that is set.
func TestReconnectBackoff(t *testing.T) {
	checkLeaks(t)
	attempts := func(opts ...zmq.Option) int64 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int64
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				c.Close()
			}
		}()
		s := newSock(t, zmq.Push, opts...)
		s.Connect("tcp://" + ln.Addr().String())
		time.Sleep(800 * time.Millisecond)
		s.Close()
		ln.Close()
		return n.Load()
	}
	flat := attempts(zmq.ReconnectInterval(20 * time.Millisecond))
	backoff := attempts(zmq.ReconnectInterval(20*time.Millisecond), zmq.ReconnectIntervalMax(400*time.Millisecond))
	// Flat: a try every 20-40ms, about 20-40 in 800ms. Backoff: 20, 40, 80,
	// 160, 320, 400 (plus jitter): about 5-6.
	if flat < 12 || backoff > 8 || backoff < 3 {
		t.Fatalf("attempts in 800ms: flat %d, with backoff %d", flat, backoff)
	}
	if never := attempts(zmq.ReconnectInterval(-1)); never != 1 {
		t.Fatalf("ReconnectInterval -1 made %d attempts, want 1", never)
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
