package zmq_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// RecvTimeout and SendTimeout end a blocking call with ErrWouldBlock as
// libzmq's RCVTIMEO and SNDTIMEO do; 0 makes it not wait; a context that
// ends sooner still wins; a message that comes in time is received.
func TestSendRecvTimeout(t *testing.T) {
	for _, tr := range []string{"tcp", "inproc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			push, pull := pushPull(t, tr)
			send(t, push, "first") // the connection is up
			expect(t, pull, "first")

			if err := pull.SetOption(zmq.RecvTimeout(50 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := pull.Recv(context.Background()); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("Recv past RecvTimeout: %v", err)
			}
			if d := time.Since(start); d < 50*time.Millisecond {
				t.Fatalf("Recv gave up after %v, before its 50 ms", d)
			}
			var m zmq.Msg
			if err := pull.RecvMsg(context.Background(), &m); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("RecvMsg past RecvTimeout: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if err := pull.SetOption(zmq.RecvTimeout(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := pull.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Recv with a sooner context deadline: %v", err)
			}
			res := startRecv(pull, context.Background())
			waitBlocked(t, pull, 1, 0)
			send(t, push, "in time")
			if r := result(t, res); r.err != nil || string(r.m.Frames[0]) != "in time" {
				t.Fatalf("a message within RecvTimeout: %q, %v", r.m.Frames, r.err)
			}
			if err := pull.SetOption(zmq.RecvTimeout(0)); err != nil {
				t.Fatal(err)
			}
			if _, err := pull.Recv(context.Background()); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("Recv with RecvTimeout 0: %v", err)
			}
		})
	}

	checkLeaks(t)
	lonely := newSock(t, zmq.Push, zmq.SendTimeout(30*time.Millisecond)) // no peer to send to
	start := time.Now()
	if err := lonely.Send(context.Background(), zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
		t.Fatalf("Send past SendTimeout: %v", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("Send gave up after %v, before its 30 ms", d)
	}
}

// SetOption applies every option or none: a bad one after good ones leaves
// the socket as it was, subscriptions included.
func TestSetOptionAllOrNothing(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	before := pull.Options()
	if err := pull.SetOption(zmq.SendHWM(5), zmq.Linger(3*time.Second), zmq.RecvHWM(-1)); !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("a list with RecvHWM(-1): %v", err)
	}
	if o := pull.Options(); !reflect.DeepEqual(o, before) {
		t.Fatalf("a refused list changed the options:\n got %+v\nwant %+v", o, before)
	}
	if err := pull.SetOption(zmq.SendHWM(5), zmq.Linger(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if o := pull.Options(); o.SendHWM != 5 || o.Linger != 3*time.Second {
		t.Fatalf("after a good list: SendHWM %d, Linger %v", o.SendHWM, o.Linger)
	}

	// A subscription in a refused list is not made: the publisher's first
	// subscription message is the one set afterwards.
	xpub := newSock(t, zmq.XPub)
	sub := newSock(t, zmq.Sub)
	if err := sub.Connect(bound(t, xpub, "inproc")); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(zmq.Subscribe([]byte("A")), zmq.RouterMandatory(true)); !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("a SUB with RouterMandatory: %v", err)
	}
	if err := sub.SetOption(zmq.Subscribe([]byte("B"))); err != nil {
		t.Fatal(err)
	}
	expect(t, xpub, "\x01B")
}

// Options reports every option as set, libzmq's defaults otherwise, and
// copies what it returns.
func TestOptionsSnapshot(t *testing.T) {
	checkLeaks(t)
	s, err := zmq.NewSocket(zmq.Dealer, zmq.RoutingID([]byte("me")), zmq.RecvTimeout(time.Second),
		zmq.Metadata("X-Color", "blue"), zmq.HeartbeatInterval(2*time.Second), zmq.Immediate(true))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := s.Options()
	want := zmq.SocketOptions{
		Type: zmq.Dealer, SendHWM: 1000, RecvHWM: 1000, SendTimeout: -1, RecvTimeout: time.Second,
		Linger: -1, ReconnectInterval: 100 * time.Millisecond, HandshakeInterval: 30 * time.Second,
		MaxMsgSize: -1, Backlog: 100, Immediate: true, TCPKeepalive: -1, TCPKeepaliveCount: -1,
		TCPKeepaliveIdle: -1, TCPKeepaliveInterval: -1, StreamNotify: true,
		HeartbeatInterval: 2 * time.Second, HeartbeatTimeout: -1, SendBuffer: -1, RecvBuffer: -1,
	}
	if string(o.RoutingID) != "me" || o.Metadata["X-Color"] != "blue" || len(o.Metadata) != 1 {
		t.Fatalf("RoutingID %q, Metadata %v", o.RoutingID, o.Metadata)
	}
	o.RoutingID[0] = 'X'
	if got := s.Options().RoutingID; string(got) != "me" {
		t.Fatalf("changing the snapshot changed the socket: %q", got)
	}
	o.RoutingID, o.Metadata = nil, nil
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("Options:\n got %+v\nwant %+v", o, want)
	}

	pub, _, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	c := newSock(t, zmq.Req, zmq.PlainUsername("u"), zmq.PlainPassword("p"))
	if o := c.Options(); o.Mechanism != zmq.MechanismPlain || o.PlainServer || o.PlainUsername != "u" {
		t.Fatalf("a PLAIN client: %+v", o)
	}
	if err := c.SetOption(zmq.CurveServerKey(pub)); err != nil {
		t.Fatal(err)
	}
	if o := c.Options(); o.Mechanism != zmq.MechanismCurve || o.CurveServer || o.CurveServerKey != pub {
		t.Fatalf("a CURVE client: mechanism %v, server %v", o.Mechanism, o.CurveServer)
	}
}

func TestVersionHas(t *testing.T) {
	if major, minor, _ := zmq.Version(); major != 4 || minor < 3 {
		t.Fatalf("Version %d.%d", major, minor)
	}
	for name, want := range map[string]bool{"ipc": true, "curve": true, "pgm": false, "gssapi": false, "draft": false, "bogus": false} {
		if zmq.Has(name) != want {
			t.Errorf("Has(%q) = %v", name, !want)
		}
	}
}

// LastAddr gives the bound address of "tcp://*:*" and "ipc://*" as a
// net.Addr, the same as LastEndpoint's text; nil after a Connect or an
// inproc Bind.
func TestLastAddr(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Pull)
	if a := s.LastAddr(); a != nil {
		t.Fatalf("LastAddr before any Bind: %v", a)
	}
	if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ta, ok := s.LastAddr().(*net.TCPAddr)
	if !ok || ta.Port == 0 || !ta.IP.IsLoopback() || s.LastEndpoint() != "tcp://"+ta.String() {
		t.Fatalf("after a tcp Bind: LastAddr %v, LastEndpoint %q", s.LastAddr(), s.LastEndpoint())
	}
	if err := s.Bind("ipc://*"); err != nil {
		t.Fatal(err)
	}
	ua, ok := s.LastAddr().(*net.UnixAddr)
	if !ok || ua.Name == "" || s.LastEndpoint() != "ipc://"+ua.Name {
		t.Fatalf("after an ipc Bind: LastAddr %v, LastEndpoint %q", s.LastAddr(), s.LastEndpoint())
	}
	if err := s.Connect("tcp://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if a := s.LastAddr(); a != nil {
		t.Fatalf("LastAddr after a Connect: %v", a)
	}
	if err := s.Bind("inproc://lastaddr"); err != nil {
		t.Fatal(err)
	}
	if a := s.LastAddr(); a != nil {
		t.Fatalf("LastAddr after an inproc Bind: %v", a)
	}
}
