package zmq_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

var allTypes = []zmq.Type{zmq.Pair, zmq.Pub, zmq.Sub, zmq.Req, zmq.Rep, zmq.Dealer, zmq.Router, zmq.Pull, zmq.Push, zmq.XPub, zmq.XSub, zmq.Stream}

// badOption is an option with a value the socket must refuse.
type badOption struct {
	name string
	opt  zmq.Option
	typ  zmq.Type
}

// badOptions lists every public option with values it must refuse:
// negative, huge, of the wrong length, and for a socket type it does not
// apply to (every such type).
func badOptions() []badOption {
	var bad []badOption
	add := func(name string, opt zmq.Option, types ...zmq.Type) {
		if len(types) == 0 {
			types = []zmq.Type{zmq.Dealer}
		}
		for _, typ := range types {
			bad = append(bad, badOption{name, opt, typ})
		}
	}
	for _, n := range []int{-1, math.MinInt} {
		add(fmt.Sprintf("SendHWM(%d)", n), zmq.SendHWM(n))
		add(fmt.Sprintf("RecvHWM(%d)", n), zmq.RecvHWM(n))
		add(fmt.Sprintf("Backlog(%d)", n), zmq.Backlog(n))
	}
	for _, n := range []int{-2, 2, math.MaxInt, math.MinInt} {
		add(fmt.Sprintf("TCPKeepalive(%d)", n), zmq.TCPKeepalive(n))
	}
	for _, d := range []time.Duration{-1, math.MinInt64} {
		add(fmt.Sprintf("ReconnectIntervalMax(%d)", d), zmq.ReconnectIntervalMax(d))
		add(fmt.Sprintf("HandshakeInterval(%d)", d), zmq.HandshakeInterval(d))
		add(fmt.Sprintf("ConnectTimeout(%d)", d), zmq.ConnectTimeout(d))
		add(fmt.Sprintf("HeartbeatInterval(%d)", d), zmq.HeartbeatInterval(d))
		add(fmt.Sprintf("HeartbeatTTL(%d)", d), zmq.HeartbeatTTL(d))
	}
	for _, d := range []time.Duration{6553600 * time.Millisecond, math.MaxInt64} {
		add(fmt.Sprintf("HeartbeatTTL(%v)", d), zmq.HeartbeatTTL(d))
	}
	// The small-order points: zero, one, and an order-8 point.
	order8, _ := zmq.ParseCurvePublicKey([]byte{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00})
	for _, k := range []zmq.CurvePublicKey{{}, {1}, order8} {
		add(fmt.Sprintf("CurveServerKey(%v)", k), zmq.CurveServerKey(k))
	}
	add("CurveSecret(nil)", zmq.CurveSecret(nil))
	for _, f := range []zmq.ReconnectStopFlags{8, -1, math.MaxInt} {
		add(fmt.Sprintf("ReconnectStop(%#x)", int(f)), zmq.ReconnectStop(f))
	}
	for _, id := range [][]byte{nil, {}, make([]byte, 256), make([]byte, 1<<20)} {
		add(fmt.Sprintf("RoutingID(%d bytes)", len(id)), zmq.RoutingID(id), zmq.Dealer, zmq.Router, zmq.Req)
	}
	others := func(allowed ...zmq.Type) []zmq.Type {
		var out []zmq.Type
		for _, t := range allTypes {
			ok := false
			for _, a := range allowed {
				ok = ok || a == t
			}
			if !ok {
				out = append(out, t)
			}
		}
		return out
	}
	add("ConnectRoutingID", zmq.ConnectRoutingID([]byte("id")), others(zmq.Router, zmq.Stream)...)
	add("Conflate", zmq.Conflate(true), others(zmq.Push, zmq.Pull, zmq.Pub, zmq.Sub, zmq.Dealer)...)
	add("RouterMandatory", zmq.RouterMandatory(true), others(zmq.Router)...)
	add("RouterHandover", zmq.RouterHandover(true), others(zmq.Router)...)
	add("ProbeRouter", zmq.ProbeRouter(true), others(zmq.Router, zmq.Dealer, zmq.Req)...)
	add("ReqCorrelate", zmq.ReqCorrelate(true), others(zmq.Req)...)
	add("ReqRelaxed", zmq.ReqRelaxed(true), others(zmq.Req)...)
	add("XPubVerbose", zmq.XPubVerbose(true), others(zmq.XPub)...)
	add("XPubVerboser", zmq.XPubVerboser(true), others(zmq.XPub)...)
	add("XPubNoDrop", zmq.XPubNoDrop(true), others(zmq.XPub, zmq.Pub)...)
	add("XPubManual", zmq.XPubManual(true), others(zmq.XPub)...)
	add("XPubWelcomeMsg", zmq.XPubWelcomeMsg([]byte("hi")), others(zmq.XPub)...)
	add("InvertMatching", zmq.InvertMatching(true), others(zmq.Pub, zmq.XPub, zmq.Sub)...)
	add("StreamNotify", zmq.StreamNotify(false), others(zmq.Stream)...)
	// An XPUB takes Subscribe only with XPubManual.
	add("Subscribe", zmq.Subscribe([]byte("t")), others(zmq.Sub)...)
	return bad
}

// C15: every public option refuses its bad values, at creation and on an
// open socket, with an error matching ErrInvalid (libzmq's EINVAL), without
// a panic, and leaves the socket's options as they were. Values the API
// documents as meaning something (a negative Linger, ReconnectInterval,
// MaxMsgSize, HeartbeatTimeout or TCP keepalive setting; any HWM, interval
// or size however large) are accepted: see TestHugeOptionValues.
func TestBadOptionValues(t *testing.T) {
	checkLeaks(t)
	for _, c := range badOptions() {
		name := c.name + " on " + c.typ.String()
		s, err := zmq.NewSocket(c.typ, c.opt)
		if !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("NewSocket with %s: %v, want ErrInvalid", name, err)
		}
		if s != nil {
			s.Close()
		}
		s = newSock(t, c.typ)
		before := zmq.OptionsForTest(s)
		if err := s.SetOption(c.opt); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("SetOption %s: %v, want ErrInvalid", name, err)
		}
		if after := zmq.OptionsForTest(s); after != before {
			t.Errorf("SetOption %s changed the options:\n%s\n%s", name, before, after)
		}
		s.Close()
	}
}

// C15, seen through behaviour: a refused SendHWM leaves the high-water
// mark in force, and a refused RoutingID leaves the routing id a ROUTER
// sees.
func TestBadOptionKeepsOldValue(t *testing.T) {
	checkLeaks(t)
	push := newSock(t, zmq.Push, zmq.SendHWM(3), zmq.Linger(0))
	for _, n := range []int{-1, math.MinInt} {
		if err := push.SetOption(zmq.SendHWM(n)); !errors.Is(err, zmq.ErrInvalid) {
			t.Fatalf("SendHWM(%d): %v", n, err)
		}
	}
	// Nobody listens there: the connected endpoint's queue fills to the
	// high-water mark.
	push.Connect(freeTCP(t))
	for i := 0; i < 3; i++ {
		if err := push.TrySend(zmq.NewMsgString("m")); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := push.TrySend(zmq.NewMsgString("m")); !errors.Is(err, zmq.ErrWouldBlock) {
		t.Fatalf("message 4 with SendHWM 3: %v", err)
	}

	router := newSock(t, zmq.Router)
	ep := bound(t, router, "tcp")
	dealer := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("keep")))
	for _, id := range [][]byte{nil, make([]byte, 256)} {
		if err := dealer.SetOption(zmq.RoutingID(id)); !errors.Is(err, zmq.ErrInvalid) {
			t.Fatalf("RoutingID of %d bytes: %v", len(id), err)
		}
	}
	dealer.Connect(ep)
	send(t, dealer, "x")
	expect(t, router, "keep", "x")
}

// C15: huge values of the options that take them (any int or Duration)
// and the negative values the API gives a meaning to are accepted, and
// sockets carrying all of them at once still work over tcp, ipc and
// inproc.
func TestHugeOptionValues(t *testing.T) {
	huge := []zmq.Option{
		zmq.SendHWM(math.MaxInt), zmq.RecvHWM(math.MaxInt),
		zmq.Linger(math.MaxInt64), zmq.HandshakeInterval(math.MaxInt64),
		zmq.ConnectTimeout(math.MaxInt64), zmq.ReconnectIntervalMax(math.MaxInt64),
		zmq.MaxMsgSize(math.MaxInt64), zmq.Backlog(math.MaxInt),
		zmq.HeartbeatInterval(math.MaxInt64), zmq.HeartbeatTimeout(math.MaxInt64),
		zmq.HeartbeatTTL(6553599 * time.Millisecond),
		zmq.TCPKeepalive(1), zmq.TCPKeepaliveCount(math.MaxInt),
		zmq.TCPKeepaliveIdle(math.MaxInt), zmq.TCPKeepaliveInterval(math.MaxInt),
		zmq.RoutingID(make([]byte, 255)),
	}
	negative := []zmq.Option{
		zmq.Linger(math.MinInt64), zmq.MaxMsgSize(math.MinInt64),
		zmq.HeartbeatTimeout(math.MinInt64), zmq.TCPKeepaliveCount(math.MinInt),
		zmq.TCPKeepaliveIdle(math.MinInt), zmq.TCPKeepaliveInterval(math.MinInt),
		zmq.ReconnectInterval(math.MinInt64),
	}
	for _, opts := range [][]zmq.Option{huge, negative} {
		for i, o := range opts {
			s, err := zmq.NewSocket(zmq.Dealer, o)
			if err != nil {
				t.Errorf("option %d: %v", i, err)
				continue
			}
			s.Close()
		}
	}
	forEachTransport(t, func(t *testing.T, tr string) {
		server := newSock(t, zmq.Dealer, huge...)
		ep := bound(t, server, tr)
		client := newSock(t, zmq.Dealer, append(huge, zmq.ReconnectInterval(10*time.Millisecond))...)
		if err := client.Connect(ep); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			send(t, client, "ping")
			expect(t, server, "ping")
			send(t, server, "pong")
			expect(t, client, "pong")
		}
		neg := newSock(t, zmq.Dealer, negative...)
		if err := neg.Connect(ep); err != nil {
			t.Fatal(err)
		}
		send(t, neg, "negative")
		expect(t, server, "negative")
	})
}

// hostileEndpoint is an endpoint string Bind and Connect must refuse, with
// the sentinel each must match (nil: that operation is not tried; Bind
// would resolve the name, which these tests keep off the network).
type hostileEndpoint struct {
	name          string
	ep            string
	bind, connect error
}

func hostileEndpoints() []hostileEndpoint {
	inv, proto := zmq.ErrInvalid, zmq.ErrProtocolNotSupported
	kb := strings.Repeat("1LLLLLLLLL", 1024)
	return []hostileEndpoint{
		{"ws://%:9", "ws://%:9", proto, proto},
		{"udp", "udp://127.0.0.1:1", proto, proto},
		{"pgm", "pgm://eth0;239.192.1.1:5555", proto, proto},
		{"tcp://1LLL…:0, 10 KiB", "tcp://" + kb + ":0", inv, inv},
		{"10 KiB host", "tcp://" + strings.Repeat("h", 10<<10) + ":5555", inv, inv},
		{"10 KiB of [", "tcp://" + strings.Repeat("[", 10<<10) + ":1", inv, inv},
		{"10 KiB of ;", "tcp://" + strings.Repeat(";", 10<<10), inv, inv},
		{"tcp://[::1", "tcp://[::1", inv, inv},
		{"tcp://[::1]:", "tcp://[::1]:", inv, inv},
		{"tcp://[]:1", "tcp://[]:1", inv, inv},
		{"tcp://[%eth0]:1", "tcp://[%eth0]:1", inv, inv},
		{"no port", "tcp://%", inv, inv},
		{"port 65536", "tcp://127.0.0.1:65536", inv, inv},
		{"port -1", "tcp://127.0.0.1:-1", inv, inv},
		{"port +1", "tcp://127.0.0.1:+1", inv, inv},
		{"port 0x10", "tcp://127.0.0.1:0x10", inv, inv},
		{"port 10^20", "tcp://127.0.0.1:99999999999999999999", inv, inv},
		{"trailing ;", "tcp://127.0.0.1:5555;", inv, inv},
		{"DEL in host", "tcp://\x7f:1", inv, inv},
		{"NUL in host", "tcp://127.0.0.1\x00:5555", inv, inv},
		{"NUL in ipc path", "ipc:///tmp/a\x00b", inv, inv},
		{"NUL in inproc name", "inproc://a\x00", inv, inv},
		{"NUL in scheme", "tc\x00p://x", inv, inv},
		{"ipc path of 108 bytes", "ipc://" + strings.Repeat("p", 108), inv, inv},
		{"ipc path of 10 KiB", "ipc:///tmp/" + strings.Repeat("x", 10<<10), inv, inv},
		{"abstract ipc name of 200 bytes", "ipc://@" + strings.Repeat("a", 200), inv, inv},
		{"empty", "", inv, inv},
		{"://", "://", inv, inv},
		{"tcp://", "tcp://", inv, inv},
		{"tcp://:", "tcp://:", inv, inv},
		{"ipc://", "ipc://", inv, inv},
		{"inproc://", "inproc://", inv, inv},
		{"connect to *", "tcp://*:5555", nil, inv},
		{"connect to port *", "tcp://127.0.0.1:*", nil, inv},
		{"connect to port 0", "tcp://127.0.0.1:0", nil, inv},
	}
}

// C14: hostile endpoint strings are refused by Bind and Connect on every
// socket type with an *OpError matching the sentinel (libzmq's EINVAL or
// EPROTONOSUPPORT), never a panic; nothing is left bound or connected, and
// the socket works afterwards.
func TestHostileEndpoints(t *testing.T) {
	checkLeaks(t)
	for _, typ := range allTypes {
		s := newSock(t, typ, zmq.Linger(0))
		for _, c := range hostileEndpoints() {
			for _, op := range []struct {
				name string
				do   func(string) error
				want error
			}{{"bind", s.Bind, c.bind}, {"connect", s.Connect, c.connect}} {
				if op.want == nil {
					continue
				}
				err := op.do(c.ep)
				var oe *zmq.OpError
				if !errors.Is(err, op.want) || !errors.As(err, &oe) || oe.Op != op.name {
					t.Errorf("%v %s %s: %.200v, want %v", typ, op.name, c.name, err, op.want)
				}
				if err := s.Unbind(c.ep); !errors.Is(err, zmq.ErrNoEndpoint) && !errors.Is(err, zmq.ErrInvalid) && !errors.Is(err, zmq.ErrProtocolNotSupported) {
					t.Errorf("%v unbind %s after a failed %s: %.200v", typ, c.name, op.name, err)
				}
			}
		}
		if ep := s.LastEndpoint(); ep != "" {
			t.Errorf("%v: LastEndpoint %q after failed binds and connects", typ, ep)
		}
		s.Close()
	}
	push, pull := pushPull(t, "tcp")
	send(t, push, "after")
	expect(t, pull, "after")
}

// ConnectRoutingID takes 1 to 255 bytes, as libzmq's option does.
func TestConnectRoutingIDLength(t *testing.T) {
	for _, n := range []int{0, 256} {
		if _, err := zmq.NewSocket(zmq.Router, zmq.ConnectRoutingID(make([]byte, n))); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("ConnectRoutingID of %d bytes: %v", n, err)
		}
	}
	s, err := zmq.NewSocket(zmq.Router, zmq.ConnectRoutingID(make([]byte, 255)))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A reconnect interval of centuries waits, rather than overflowing into a
// negative wait that would reconnect as fast as it can.
func TestHugeReconnectIntervalWaits(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Dealer, zmq.Linger(0), zmq.ReconnectInterval(1<<62+1), zmq.ReconnectIntervalMax(1<<63-1))
	m := s.Monitor(zmq.EventConnectDelayed | zmq.EventConnectRetried)
	s.Connect(freeTCP(t))
	expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnectRetried)
	// A negative wait would retry at once, again and again.
	expectNoEvent(t, m, 200*time.Millisecond)
}
