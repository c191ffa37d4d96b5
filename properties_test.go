package zmq_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// property returns m's property name, failing the test if it is missing.
func property(t testing.TB, m zmq.Msg, name string) string {
	t.Helper()
	v, ok := m.Property(name)
	if !ok {
		t.Fatalf("message has no %q property", name)
	}
	return v
}

// Every message carries the properties of its connection, both ways: the
// peer's socket type, routing id (under both names), the peer's address
// and its application metadata, whatever the case of the name asked for.
// No ZAP handler was asked, so there is no User-Id.
func TestMsgProperties(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		router := newSock(t, zmq.Router, zmq.Metadata("X-Role", "broker"))
		dealer := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("dealer-1")),
			zmq.Metadata("X-Hello", "world"), zmq.Metadata("x-empty", ""), zmq.Metadata("X-Hello", "again"))
		if err := dealer.Connect(bound(t, router, tr)); err != nil {
			t.Fatal(err)
		}
		send(t, dealer, "hi")
		m, err := router.Recv(tctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if tr == "inproc" {
			// No handshake, no properties, as in libzmq.
			if v, ok := m.Property(zmq.PropSocketType); ok {
				t.Fatalf("inproc message has Socket-Type %q", v)
			}
			return
		}
		for name, want := range map[string]string{
			zmq.PropSocketType:  "DEALER",
			zmq.PropRoutingID:   "dealer-1",
			"Identity":          "dealer-1",
			"routing-id":        "dealer-1",
			"X-Hello":           "again",
			"x-HELLO":           "again",
			"X-Empty":           "",
			zmq.PropPeerAddress: wantPeerAddress(tr),
		} {
			if got := property(t, m, name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{zmq.PropUserID, "X-Role", "X-Missing", ""} {
			if v, ok := m.Property(name); ok {
				t.Errorf("%q = %q on a message that should not have it", name, v)
			}
		}

		if err := router.Send(tctx(t), zmq.NewMsgString("dealer-1", "back")); err != nil {
			t.Fatal(err)
		}
		r, err := dealer.Recv(tctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if st, role := property(t, r, zmq.PropSocketType), property(t, r, "X-Role"); st != "ROUTER" || role != "broker" {
			t.Fatalf("reply's Socket-Type %q, X-Role %q", st, role)
		}
		// A ROUTER announces an empty Identity, as libzmq does.
		if id := property(t, r, zmq.PropRoutingID); id != "" {
			t.Fatalf("ROUTER's Routing-Id %q", id)
		}
	})
}

// Messages the application makes have no properties, nor do they keep
// those of a received message they were copied from once received into
// again with RecvMsg.
func TestMsgPropertiesNone(t *testing.T) {
	if _, ok := zmq.NewMsgString("x").Property(zmq.PropSocketType); ok {
		t.Fatal("NewMsg has a Socket-Type")
	}
	var zero zmq.Msg
	if _, ok := zero.Property(zmq.PropPeerAddress); ok {
		t.Fatal("the zero Msg has a Peer-Address")
	}
}

// The ZAP handler's user id and metadata reach every message of the peer
// it accepted, under PLAIN and CURVE; the handler's metadata comes before
// the peer's own under the same name.
func TestMsgPropertiesZAP(t *testing.T) {
	for _, mech := range []string{"PLAIN", "CURVE"} {
		t.Run(mech, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			startZAPMetadata(t, c, "Hello", "World", "X-Shared", "from the handler")
			sk, ck := newCurvePair(t), newCurvePair(t)
			var serverOpts, clientOpts []zmq.Option
			switch mech {
			case "PLAIN":
				serverOpts = []zmq.Option{zmq.PlainServer(true)}
				clientOpts = []zmq.Option{zmq.PlainUsername("admin"), zmq.PlainPassword("secret")}
			case "CURVE":
				serverOpts = sk.serverOpts()
				clientOpts = ck.clientOpts(sk.pub)
			}
			server := ctxSock(t, c, zmq.Pull, serverOpts...)
			client := ctxSock(t, c, zmq.Push, append(clientOpts, zmq.Metadata("X-Shared", "from the peer"))...)
			if err := client.Connect(bound(t, server, "tcp")); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				send(t, client, "x")
			}
			for i := range 3 {
				var m zmq.Msg
				if err := server.RecvMsg(tctx(t), &m); err != nil {
					t.Fatal(err)
				}
				want := map[string]string{
					zmq.PropUserID:      "user:" + mech,
					"Hello":             "World",
					"X-Shared":          "from the handler",
					zmq.PropSocketType:  "PUSH",
					zmq.PropPeerAddress: "127.0.0.1",
				}
				for name, w := range want {
					if got := property(t, m, name); got != w {
						t.Errorf("message %d: %s = %q, want %q", i, name, got, w)
					}
				}
				m.Release()
			}
		})
	}
}

// startZAPMetadata runs a ZAP handler in c that accepts every peer with
// the user id "user:" and the mechanism, and the metadata given as name,
// value pairs, encoded as ZMTP metadata in the reply's seventh frame.
func startZAPMetadata(t testing.TB, c *zmq.Context, pairs ...string) {
	t.Helper()
	var md []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		md = append(md, byte(len(pairs[i])))
		md = append(md, pairs[i]...)
		md = binary.BigEndian.AppendUint32(md, uint32(len(pairs[i+1])))
		md = append(md, pairs[i+1]...)
	}
	rep := ctxSock(t, c, zmq.Rep, zmq.Linger(0))
	if err := rep.Bind(zmq.ZAPEndpoint); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		rep.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			m, err := rep.Recv(tctx(t))
			if err != nil {
				return
			}
			reply := zmq.Msg{Frames: [][]byte{[]byte("1.0"), m.Frames[1], []byte("200"), []byte("OK"), []byte("user:" + string(m.Frames[5])), md}}
			if err := rep.Send(tctx(t), reply); err != nil {
				return
			}
		}
	}()
}

// A connecting PULL keeps one queue across reconnections: the messages the
// first connection queued, and the application took after the second
// connection was made, keep the first connection's properties; the second
// connection's messages have its own.
func TestMsgPropertiesAcrossReconnect(t *testing.T) {
	checkLeaks(t)
	ep := bindAddr(t, "tcp")
	pull := newSock(t, zmq.Pull, zmq.ReconnectInterval(10*time.Millisecond))
	m := pull.Monitor(zmq.EventHandshakeSucceeded)
	defer m.Close()
	push1 := newSock(t, zmq.Push, zmq.Metadata("X-Gen", "1"))
	if err := push1.Bind(ep); err != nil {
		t.Fatal(err)
	}
	ep = push1.LastEndpoint()
	if err := pull.Connect(ep); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, m, zmq.EventHandshakeSucceeded)
	for i := range 4 {
		send(t, push1, fmt.Sprint("first ", i))
	}
	// One taken before the peer goes, three after it came back.
	if got := property(t, recvMsg(t, pull, "first 0"), "X-Gen"); got != "1" {
		t.Fatalf("first 0: X-Gen %q", got)
	}
	if err := push1.Close(); err != nil {
		t.Fatal(err)
	}
	push2 := newSock(t, zmq.Push, zmq.Metadata("X-Gen", "2"))
	if err := push2.Bind(ep); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, m, zmq.EventHandshakeSucceeded)
	for i := range 2 {
		send(t, push2, fmt.Sprint("second ", i))
	}
	for _, want := range []struct{ body, gen string }{
		{"first 1", "1"}, {"first 2", "1"}, {"first 3", "1"}, {"second 0", "2"}, {"second 1", "2"},
	} {
		if got := property(t, recvMsg(t, pull, want.body), "X-Gen"); got != want.gen {
			t.Fatalf("%s: X-Gen %q, want %q", want.body, got, want.gen)
		}
	}
}

// recvMsg receives the next message of s and checks that its one frame is
// body.
func recvMsg(t testing.TB, s *zmq.Socket, body string) zmq.Msg {
	t.Helper()
	m, err := s.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Frames) != 1 || string(m.Frames[0]) != body {
		t.Fatalf("received %q, want %q", m.Frames, body)
	}
	return m
}

// Metadata names must begin with "X-" and be valid property names.
func TestMetadataOption(t *testing.T) {
	for _, name := range []string{"", "X-", "Socket-Type", "Hello", "X-a b", "X-é", "X-" + string(make([]byte, 254))} {
		if _, err := zmq.NewSocket(zmq.Dealer, zmq.Metadata(name, "v")); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("Metadata(%q): %v, want ErrInvalid", name, err)
		}
	}
	s, err := zmq.NewSocket(zmq.Dealer, zmq.Metadata("x-lower.case_1+2", "v"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A peer cannot say who or where it is: a "User-Id" or "Peer-Address" in
// its READY is ignored (libzmq would show its User-Id), its other
// properties are shown.
func TestMsgPropertiesNotForged(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	conn := dialTCP(t, bound(t, pull, "tcp"))
	defer conn.Close()
	conn.Write(greeting(3, 1, "NULL"))
	if _, err := io.ReadFull(conn, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	conn.Write(zmtp.AppendReady(nil, zmtp.Metadata{
		{Name: zmtp.PropSocketType, Value: []byte("PUSH")},
		{Name: "User-Id", Value: []byte("admin")},
		{Name: "peer-address", Value: []byte("192.0.2.1")},
		{Name: "X-Ok", Value: []byte("yes")},
	}))
	conn.Write([]byte{0x00, 0x02, 'h', 'i'})
	m := recvMsg(t, pull, "hi")
	if v, ok := m.Property(zmq.PropUserID); ok {
		t.Errorf("User-Id %q taken from the peer's word", v)
	}
	if got := property(t, m, zmq.PropPeerAddress); got != "127.0.0.1" {
		t.Errorf("Peer-Address %q", got)
	}
	if got := property(t, m, "X-Ok"); got != "yes" {
		t.Errorf("X-Ok %q", got)
	}
}
