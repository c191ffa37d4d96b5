package interop

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// restarts is how many times each test closes the libzmq side and binds a
// new socket in its place.
const restarts = 2

var monitorSeq atomic.Int64

// theirBound is a libzmq socket bound to a fixed endpoint, with a monitor
// that reports completed handshakes.
type theirBound struct {
	theirEnd
	mon *zmq4.Socket
}

// bindTheirsAt makes a libzmq socket of type typ and binds it to ep,
// retrying while the address is still held by the socket it replaces
// (libzmq closes asynchronously). An ep of "" picks a free tcp port.
func bindTheirsAt(t *testing.T, typ zmq.Type, ep string) (theirBound, string) {
	t.Helper()
	s := newTheirs(t, typ)
	addr := fmt.Sprintf("inproc://monitor-%d", monitorSeq.Add(1))
	must(t, "monitor", s.Monitor(addr, zmq4.EVENT_HANDSHAKE_SUCCEEDED))
	mon, err := zmq4.NewSocket(zmq4.PAIR)
	must(t, "monitor socket", err)
	t.Cleanup(func() { mon.Close() })
	must(t, "monitor linger", mon.SetLinger(0))
	must(t, "monitor rcvtimeo", mon.SetRcvtimeo(opTimeout))
	must(t, "monitor connect", mon.Connect(addr))

	deadline := time.Now().Add(opTimeout)
	for {
		try := ep
		if try == "" {
			// Below Linux's ephemeral range (32768-60999 by default), so
			// that our reconnect attempts cannot take the port as their
			// own source port while nothing listens on it.
			try = fmt.Sprintf("tcp://127.0.0.1:%d", 20000+rand.IntN(12000))
		}
		err := s.Bind(try)
		if err == nil {
			return theirBound{theirEnd{s}, mon}, try
		}
		if zmq4.AsErrno(err) != zmq4.EADDRINUSE || time.Now().After(deadline) {
			t.Fatalf("libzmq: bind %s: %v", try, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// awaitPeer waits until a peer has completed the handshake with the socket.
func (tb theirBound) awaitPeer(t *testing.T) {
	t.Helper()
	ev, addr, _, err := tb.mon.RecvEvent(0)
	if err != nil {
		t.Fatalf("libzmq: no peer completed a handshake within %v: %v", opTimeout, err)
	}
	if ev != zmq4.EVENT_HANDSHAKE_SUCCEEDED {
		t.Fatalf("libzmq: monitor event %v on %s, want a completed handshake", ev, addr)
	}
}

func (tb theirBound) close(t *testing.T) {
	t.Helper()
	must(t, "libzmq: close", tb.s.Close())
}

// TestReconnect: our PUSH, REQ and DEALER connect to a libzmq PULL, REP and
// ROUTER bound on a fixed tcp port (or ipc path). The libzmq socket is
// closed and a new one bound on the same address; our side must reconnect
// by itself, and every message sent once the new connection is up must
// arrive.
func TestReconnect(t *testing.T) {
	checkLeaks(t)
	cases := []struct {
		ours, theirs zmq.Type
		opts         sockOpts
		round        func(t *testing.T, ours, theirs end, n int)
	}{
		{zmq.Push, zmq.Pull, sockOpts{}, func(t *testing.T, ours, theirs end, n int) {
			for i := range 3 {
				ours.send(t, b(fmt.Sprintf("life %d", n), fmt.Sprintf("message %d", i))...)
			}
			for i := range 3 {
				expect(t, theirs, b(fmt.Sprintf("life %d", n), fmt.Sprintf("message %d", i))...)
			}
		}},
		{zmq.Req, zmq.Rep, sockOpts{}, func(t *testing.T, ours, theirs end, n int) {
			for i := range 3 {
				ours.send(t, b(fmt.Sprintf("request %d.%d", n, i))...)
				expect(t, theirs, b(fmt.Sprintf("request %d.%d", n, i))...)
				theirs.send(t, b(fmt.Sprintf("reply %d.%d", n, i))...)
				expect(t, ours, b(fmt.Sprintf("reply %d.%d", n, i))...)
			}
		}},
		{zmq.Dealer, zmq.Router, sockOpts{routingID: "steady-dealer"}, func(t *testing.T, ours, theirs end, n int) {
			for i := range 3 {
				ours.send(t, b(fmt.Sprintf("job %d.%d", n, i))...)
				expect(t, theirs, b("steady-dealer", fmt.Sprintf("job %d.%d", n, i))...)
				theirs.send(t, b("steady-dealer", fmt.Sprintf("done %d.%d", n, i))...)
				expect(t, ours, b(fmt.Sprintf("done %d.%d", n, i))...)
			}
		}},
	}
	for _, c := range cases {
		for _, tr := range transports {
			t.Run(fmt.Sprintf("ours-%v/libzmq-%v/%s", c.ours, c.theirs, tr), func(t *testing.T) {
				checkLeaks(t)
				ep := ""
				if tr == "ipc" {
					ep = bindAddr(t, tr)
				}
				theirs, ep := bindTheirsAt(t, c.theirs, ep)
				ours := ourSide(t, c.ours, c.opts)
				ours.connect(t, ep)
				for n := 0; ; n++ {
					theirs.awaitPeer(t)
					c.round(t, ours, theirs, n)
					if n == restarts {
						break
					}
					theirs.close(t)
					theirs, _ = bindTheirsAt(t, c.theirs, ep)
				}
			})
		}
	}
}

// TestResubscribe: our SUB connected to a libzmq PUB on a fixed tcp port
// sends its subscriptions again to each new PUB bound there after the old
// one closed: with a PUB the subscribed messages flow again, and an XPUB
// sees exactly the subscriptions still in force.
func TestResubscribe(t *testing.T) {
	checkLeaks(t)
	t.Run("libzmq-PUB", func(t *testing.T) {
		checkLeaks(t)
		pub, ep := bindTheirsAt(t, zmq.Pub, "")
		sub := ourSide(t, zmq.Sub, sockOpts{})
		sub.connect(t, ep)
		sub.subscribe(t, "A")
		for n := 0; ; n++ {
			pub.awaitPeer(t)
			// A PUB sends nothing to a subscriber it has no subscription
			// from: the sync message arriving proves the subscription did.
			awaitTopic(t, pub, sub, "A")
			pub.send(t, b("B", "not subscribed")...)
			pub.send(t, b("A", fmt.Sprintf("life %d", n))...)
			expectSkipping(t, sub, b("A", "sync"), b("A", fmt.Sprintf("life %d", n))...)
			if n == restarts {
				break
			}
			pub.close(t)
			pub, _ = bindTheirsAt(t, zmq.Pub, ep)
		}
	})
	t.Run("libzmq-XPUB", func(t *testing.T) {
		checkLeaks(t)
		xpub, ep := bindTheirsAt(t, zmq.XPub, "")
		sub := ourSide(t, zmq.Sub, sockOpts{})
		sub.connect(t, ep)
		xpub.awaitPeer(t)
		// The first subscription arriving shows that our side is done with
		// the connection's setup (which sends the subscriptions in force
		// afresh): the next ones travel in order.
		sub.subscribe(t, "A")
		expect(t, xpub, []byte("\x01A"))
		sub.subscribe(t, "C")
		long := strings.Repeat("L", 300)
		sub.subscribe(t, long)
		sub.unsubscribe(t, "C")
		expect(t, xpub, []byte("\x01C"))
		expect(t, xpub, []byte("\x01"+long))
		expect(t, xpub, []byte("\x00C"))
		for n := 1; n <= restarts; n++ {
			xpub.close(t)
			xpub, _ = bindTheirsAt(t, zmq.XPub, ep)
			xpub.awaitPeer(t)
			got := map[string]bool{}
			for range 2 {
				m := xpub.recv(t)
				if len(m) != 1 || got[string(m[0])] {
					t.Fatalf("restart %d: libzmq XPUB received %s", n, show(m))
				}
				got[string(m[0])] = true
			}
			if !got["\x01A"] || !got["\x01"+long] {
				t.Fatalf("restart %d: libzmq XPUB received %v, want the subscriptions to A and the long topic", n, got)
			}
			if m, ok := xpub.recvWithin(t, 100*time.Millisecond); ok {
				t.Fatalf("restart %d: libzmq XPUB received %s after the subscriptions in force", n, show(m))
			}
			xpub.send(t, b("C", "unsubscribed")...)
			xpub.send(t, b("A", fmt.Sprintf("life %d", n))...)
			expect(t, sub, b("A", fmt.Sprintf("life %d", n))...)
		}
	})
}
