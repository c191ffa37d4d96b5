package zmq_test

import (
	"errors"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// XPUB_MANUAL: subscriptions reach the application and are not applied
// until it applies them to the peer that sent the last one.
func TestXPubManual(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub, zmq.XPubManual(true))
		ep := bound(t, xpub, tr)
		sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("A")))
		sub.Connect(ep)
		expect(t, xpub, "\x01A")
		send(t, xpub, "A-not-yet")
		expectNothing(t, sub, 50*time.Millisecond)
		// The application maps the request for A onto topic B.
		if err := xpub.Subscribe([]byte("B")); err != nil {
			t.Fatal(err)
		}
		send(t, xpub, "A-still-not")
		send(t, xpub, "B-yes")
		// SUB filters locally too, so it passes only what matches A: the
		// publisher sent B-yes, which SUB drops; prove delivery with a
		// subscription the SUB also has.
		xpub.Subscribe([]byte("A"))
		send(t, xpub, "A-now")
		expect(t, sub, "A-now")
	})
}

// XPUB_VERBOSER passes every unsubscription up, too.
func TestXPubVerboser(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub, zmq.XPubVerboser(true))
		ep := bound(t, xpub, tr)
		a := newSock(t, zmq.XSub)
		b := newSock(t, zmq.XSub)
		a.Connect(ep)
		b.Connect(ep)
		send(t, a, "\x01T")
		expect(t, xpub, "\x01T")
		send(t, b, "\x01T")
		expect(t, xpub, "\x01T")
		send(t, a, "\x00T")
		expect(t, xpub, "\x00T")
	})
}

// STREAM_NOTIFY off: no empty messages on connect and disconnect.
func TestStreamNotifyOff(t *testing.T) {
	checkLeaks(t)
	st := newSock(t, zmq.Stream, zmq.StreamNotify(false))
	ep := bound(t, st, "tcp")
	conn := dialTCP(t, ep)
	conn.Write([]byte("data"))
	m := recvStrings(t, st)
	if len(m) != 2 || m[1] != "data" {
		t.Fatalf("first message %q, want the data", m)
	}
	conn.Close()
	expectNothing(t, st, 100*time.Millisecond)
}

// TCP keepalive settings apply to both accepted and connected sockets
// without disturbing traffic, and bad values are refused.
func TestTCPKeepaliveOptions(t *testing.T) {
	checkLeaks(t)
	opts := []zmq.Option{zmq.TCPKeepalive(1), zmq.TCPKeepaliveIdle(30), zmq.TCPKeepaliveInterval(5), zmq.TCPKeepaliveCount(3)}
	pull := newSock(t, zmq.Pull, opts...)
	ep := bound(t, pull, "tcp")
	push := newSock(t, zmq.Push, opts...)
	push.Connect(ep)
	send(t, push, "alive")
	expect(t, pull, "alive")
	if _, err := zmq.NewSocket(zmq.Push, zmq.TCPKeepalive(2)); !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("TCPKeepalive(2): %v", err)
	}
}

// Options that do not apply to a socket type are refused with ErrInvalid,
// as libzmq's setsockopt refuses them with EINVAL.
func TestOptionTypeChecks(t *testing.T) {
	cases := []struct {
		typ zmq.Type
		opt zmq.Option
	}{
		{zmq.Push, zmq.RouterMandatory(true)},
		{zmq.Sub, zmq.XPubVerbose(true)},
		{zmq.Rep, zmq.ReqCorrelate(true)},
		{zmq.Pair, zmq.Conflate(true)},
		{zmq.Dealer, zmq.StreamNotify(false)},
		{zmq.Req, zmq.RoutingID(nil)},
		{zmq.Req, zmq.RoutingID(make([]byte, 256))},
		{zmq.Push, zmq.SendHWM(-1)},
	}
	for _, c := range cases {
		if _, err := zmq.NewSocket(c.typ, c.opt); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("%v: %v, want ErrInvalid", c.typ, err)
		}
	}
	if _, err := zmq.NewSocket(zmq.Type(42)); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("socket type 42: %v", err)
	}
}
