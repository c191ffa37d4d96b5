package zmq_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// 31/EXPAIR: PAIR talks to exactly one peer, both ways; a second peer is
// refused while the first is connected, and gets nothing through. Once the
// first has gone, a new peer is accepted.
func TestPairExclusive(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		a := newSock(t, zmq.Pair)
		ep := bound(t, a, tr)
		b := newSock(t, zmq.Pair)
		b.Connect(ep)
		send(t, b, "ping")
		expect(t, a, "ping")
		send(t, a, "pong", "2")
		expect(t, b, "pong", "2")

		// The intruder makes a single attempt: when it is refused, it has
		// no peer left (ReconnectInterval -1 terminates its pipe), which
		// makes the refusal visible from its side.
		c := newSock(t, zmq.Pair, zmq.ReconnectInterval(-1))
		if err := c.Connect(ep); err != nil {
			t.Fatal(err)
		}
		if tr == "inproc" {
			// An inproc connect is settled inside Connect: refused, c has
			// no peer at all.
			if err := c.TrySend(zmq.NewMsgString("intruder")); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("send of the refused peer: %v", err)
			}
		} else {
			// Until the refusal, c queues its messages for the peer it
			// expects; it must then drop them, not deliver them to a.
			eventually(t, "refusal", func() bool {
				return errors.Is(c.TrySend(zmq.NewMsgString("intruder")), zmq.ErrWouldBlock)
			})
		}
		// c's attempt is over: nothing of it can reach a any more.
		if m, err := a.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Fatalf("a received %q (%v) from the refused peer", m.Frames, err)
		}
		if n := zmq.PeerCount(a); n != 1 {
			t.Fatalf("a has %d peers, want 1", n)
		}
		send(t, a, "still-b")
		expect(t, b, "still-b")
		send(t, b, "b-again")
		expect(t, a, "b-again")

		// The first peer goes: once a has seen it go, it takes a new one.
		// (A connection refused meanwhile could swallow what the newcomer
		// sent, so it connects only then. Over inproc a learns of it inside
		// b's Close, and applies it at the next connect.)
		b.Close()
		if tr != "inproc" {
			eventually(t, "first peer gone", func() bool { return zmq.PeerCount(a) == 0 })
		}
		d := newSock(t, zmq.Pair)
		if err := d.Connect(ep); err != nil {
			t.Fatal(err)
		}
		send(t, d, "d")
		expect(t, a, "d")
		send(t, a, "to-d")
		expect(t, d, "to-d")
	})
}

// A socket that admits one peer at a time (PAIR), or one per routing id
// (ROUTER), takes a newcomer once the old peer has closed or disconnected,
// though it has made no call of its own since: over inproc the departure
// used to wait for the binder's next operation, and the newcomer's connect,
// refused meanwhile, was never retried.
func TestExclusivePeerReplacedWhileIdle(t *testing.T) {
	for _, leave := range []string{"close", "disconnect"} {
		t.Run("pair-"+leave, func(t *testing.T) {
			forEachTransport(t, func(t *testing.T, tr string) {
				a := newSock(t, zmq.Pair)
				ep := bound(t, a, tr)
				b := newSock(t, zmq.Pair)
				b.Connect(ep)
				send(t, b, "ping")
				expect(t, a, "ping")
				send(t, a, "pong")
				expect(t, b, "pong")
				peerLeaves(t, a, b, ep, leave, tr)

				// a does nothing until the newcomer's message.
				d := newSock(t, zmq.Pair)
				if err := d.Connect(ep); err != nil {
					t.Fatal(err)
				}
				if err := d.TrySend(zmq.NewMsgString("d")); err != nil {
					t.Fatalf("newcomer's send: %v", err)
				}
				expect(t, a, "d")
				send(t, a, "to-d")
				expect(t, d, "to-d")
			})
		})
		t.Run("router-"+leave, func(t *testing.T) {
			forEachTransport(t, func(t *testing.T, tr string) {
				r := newSock(t, zmq.Router)
				ep := bound(t, r, tr)
				b := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("A")))
				b.Connect(ep)
				send(t, b, "ping")
				expect(t, r, "A", "ping")
				peerLeaves(t, r, b, ep, leave, tr)

				d := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("A")))
				if err := d.Connect(ep); err != nil {
					t.Fatal(err)
				}
				if err := d.TrySend(zmq.NewMsgString("d")); err != nil {
					t.Fatalf("newcomer's send: %v", err)
				}
				expect(t, r, "A", "d")
				send(t, r, "A", "to-d")
				expect(t, d, "to-d")
			})
		})
	}
	// The same on the connecting side, over inproc: a PAIR whose bound
	// peer has closed connects elsewhere, having done nothing since.
	t.Run("pair-connector", func(t *testing.T) {
		checkLeaks(t)
		c := newSock(t, zmq.Pair)
		a1 := newSock(t, zmq.Pair)
		ep1 := bound(t, a1, "inproc")
		c.Connect(ep1)
		send(t, a1, "ping")
		expect(t, c, "ping")
		a1.Close()

		a2 := newSock(t, zmq.Pair)
		ep2 := bound(t, a2, "inproc")
		if err := c.Connect(ep2); err != nil {
			t.Fatal(err)
		}
		if err := a2.TrySend(zmq.NewMsgString("a2")); err != nil {
			t.Fatalf("send of the new peer: %v", err)
		}
		expect(t, c, "a2")
		send(t, c, "to-a2")
		expect(t, a2, "to-a2")
	})
}

// peerLeaves makes b, connected to the binder a at ep, close or
// disconnect, and waits, without an operation on a, until a has seen it
// go. Over inproc that is at once: b's side closes a's queue itself.
func peerLeaves(t *testing.T, a, b *zmq.Socket, ep, how, tr string) {
	t.Helper()
	if how == "close" {
		b.Close()
	} else if err := b.Disconnect(ep); err != nil {
		t.Fatal(err)
	}
	if tr != "inproc" {
		eventually(t, "first peer gone", func() bool { return zmq.PeerCount(a) == 0 })
	}
}

// STREAM talks raw TCP: [id][data], with empty messages for connect and
// disconnect, and an empty send to close the connection.
func TestStreamRawTCP(t *testing.T) {
	checkLeaks(t)
	st := newSock(t, zmq.Stream)
	ep := bound(t, st, "tcp")
	conn := dialTCP(t, ep)
	m, err := st.Recv(tctx(t))
	if err != nil || len(m.Frames) != 2 || len(m.Frames[1]) != 0 {
		t.Fatalf("connect notification %v %v", m, err)
	}
	id := append([]byte(nil), m.Frames[0]...)
	conn.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	var got []byte
	for len(got) < 18 {
		m, err := st.Recv(tctx(t))
		if err != nil || string(m.Frames[0]) != string(id) {
			t.Fatalf("data %v %v", m, err)
		}
		got = append(got, m.Frames[1]...)
	}
	if string(got) != "GET / HTTP/1.0\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
	if err := st.Send(tctx(t), zmq.NewMsg(id, []byte("HTTP/1.0 200 OK\r\n\r\nhi"))); err != nil {
		t.Fatal(err)
	}
	if err := st.Send(tctx(t), zmq.NewMsg(id, nil)); err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil || string(body) != "HTTP/1.0 200 OK\r\n\r\nhi" {
		t.Fatalf("reply %q %v", body, err)
	}
	m, err = st.Recv(tctx(t))
	if err != nil || string(m.Frames[0]) != string(id) || len(m.Frames[1]) != 0 {
		t.Fatalf("disconnect notification %v %v", m, err)
	}
	if err := st.TrySend(zmq.NewMsg(id, []byte("x"))); !errors.Is(err, zmq.ErrHostUnreachable) {
		t.Fatalf("send to a closed peer: %v", err)
	}
}

// A STREAM socket can connect out, too.
func TestStreamConnect(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st := newSock(t, zmq.Stream)
	if err := st.Connect("tcp://" + ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m, _ := st.Recv(tctx(t))
	id := append([]byte(nil), m.Frames[0]...)
	st.Send(tctx(t), zmq.NewMsg(id, []byte("hello")))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("%q %v", buf, err)
	}
}
