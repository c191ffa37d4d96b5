package zmq_test

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// The events of a connection's life come in libzmq's test_monitor order,
// on both sides, and MONITOR_STOPPED is last.
func TestMonitorEventOrder(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			server := newSock(t, zmq.Dealer, zmq.Linger(0))
			client := newSock(t, zmq.Dealer, zmq.Linger(0))
			sm := server.Monitor(zmq.EventAll)
			cm := client.Monitor(zmq.EventAll)
			ep := bound(t, server, tr)
			listening := expectEvents(t, sm, zmq.EventListening)[0]
			if listening.Endpoint != ep {
				t.Errorf("LISTENING endpoint %q, want %q", listening.Endpoint, ep)
			}
			if err := client.Connect(ep); err != nil {
				t.Fatal(err)
			}
			send(t, client, "hello")
			expect(t, server, "hello")
			send(t, server, "back")
			expect(t, client, "back")

			want := []zmq.EventType{zmq.EventConnected, zmq.EventHandshakeSucceeded}
			if tr == "tcp" {
				want = append([]zmq.EventType{zmq.EventConnectDelayed}, want...)
			}
			for _, ev := range expectEvents(t, cm, want...) {
				if ev.Endpoint != ep {
					t.Errorf("client %v: endpoint %q, want %q", ev.Type, ev.Endpoint, ep)
				}
			}
			accepted := expectEvents(t, sm, zmq.EventAccepted, zmq.EventHandshakeSucceeded)[0]
			if accepted.Endpoint != ep || accepted.Remote == "" || accepted.Remote == ep && tr == "tcp" {
				t.Errorf("ACCEPTED endpoint %q remote %q", accepted.Endpoint, accepted.Remote)
			}

			server.Close()
			expectEvents(t, sm, zmq.EventClosed, zmq.EventMonitorStopped)
			if _, ok := <-sm.Events(); ok {
				t.Error("server monitor channel not closed after MONITOR_STOPPED")
			}
			disc := expectEvents(t, cm, zmq.EventDisconnected, zmq.EventConnectRetried)
			if disc[0].Err == nil {
				t.Error("DISCONNECTED without a cause")
			}
			client.Close()
			skipEventsUntil(t, cm, zmq.EventMonitorStopped)
			if _, ok := <-cm.Events(); ok {
				t.Error("client monitor channel not closed after MONITOR_STOPPED")
			}
		})
	}
}

// A lost connection is retried and re-established with the events of
// test_reconnect_options: DISCONNECTED, CONNECT_RETRIED, then attempts that
// fail (CONNECT_DELAYED, CLOSED, CONNECT_RETRIED) until the peer is back.
func TestMonitorReconnect(t *testing.T) {
	checkLeaks(t)
	addr := freeTCP(t)
	pub := newSock(t, zmq.Pub, zmq.Linger(0))
	if err := pub.Bind(addr); err != nil {
		t.Fatal(err)
	}
	sub := newSock(t, zmq.Sub, zmq.Subscribe(nil), zmq.ReconnectInterval(20*time.Millisecond))
	m := sub.Monitor(zmq.EventAll)
	sub.Connect(addr)
	expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnected, zmq.EventHandshakeSucceeded)
	pub.Close()
	expectEvents(t, m, zmq.EventDisconnected, zmq.EventConnectRetried)
	// At least one failed attempt while nobody listens.
	expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventClosed, zmq.EventConnectRetried)

	pub2 := newSock(t, zmq.Pub, zmq.Linger(0))
	if err := pub2.Bind(addr); err != nil {
		t.Fatal(err)
	}
	skipEventsUntil(t, m, zmq.EventConnected)
	expectEvents(t, m, zmq.EventHandshakeSucceeded)
}

// ReconnectStop(StopOnConnRefused): after the peer goes, one refused
// attempt ends reconnection (DRAFT reconnect_stop_on_refused).
func TestReconnectStopOnRefused(t *testing.T) {
	checkLeaks(t)
	addr := freeTCP(t)
	pub := newSock(t, zmq.Pub, zmq.Linger(0))
	if err := pub.Bind(addr); err != nil {
		t.Fatal(err)
	}
	sub := newSock(t, zmq.Sub, zmq.ReconnectInterval(10*time.Millisecond), zmq.ReconnectStop(zmq.StopOnConnRefused))
	m := sub.Monitor(zmq.EventAll)
	sub.Connect(addr)
	expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnected, zmq.EventHandshakeSucceeded)
	pub.Close()
	evs := expectEvents(t, m, zmq.EventDisconnected, zmq.EventConnectRetried, zmq.EventConnectDelayed, zmq.EventClosed)
	if !errors.Is(evs[3].Err, syscall.ECONNREFUSED) || evs[3].Value != uint32(syscall.ECONNREFUSED) {
		t.Errorf("CLOSED: %v, value %d", evs[3].Err, evs[3].Value)
	}
	// Ten reconnect intervals without another attempt.
	expectNoEvent(t, m, 100*time.Millisecond)
}

// ReconnectStop(StopOnHandshakeFailed): a peer that never greets (a STREAM
// socket) fails the handshake at HandshakeInterval, and reconnection stops
// (DRAFT reconnect_stop_on_handshake_failed).
func TestReconnectStopOnHandshakeFailed(t *testing.T) {
	checkLeaks(t)
	stream := newSock(t, zmq.Stream, zmq.Linger(0))
	ep := bound(t, stream, "tcp")
	sub := newSock(t, zmq.Sub, zmq.ReconnectInterval(10*time.Millisecond),
		zmq.HandshakeInterval(100*time.Millisecond), zmq.ReconnectStop(zmq.StopOnHandshakeFailed))
	m := sub.Monitor(zmq.EventAll)
	start := time.Now()
	sub.Connect(ep)
	evs := expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnected,
		zmq.EventHandshakeFailedNoDetail, zmq.EventDisconnected)
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("handshake failed after %v, before HandshakeInterval", took)
	}
	var te *zmq.TimeoutError
	if !errors.As(evs[2].Err, &te) || te.Op != "handshake" || evs[2].Value != uint32(syscall.ETIMEDOUT) {
		t.Errorf("HANDSHAKE_FAILED_NO_DETAIL: %v (value %d)", evs[2].Err, evs[2].Value)
	}
	expectNoEvent(t, m, 100*time.Millisecond)
}

// Protocol errors in the handshake are reported with libzmq's codes, and
// end reconnection; a peer's ERROR with a ZAP status is an auth failure.
func TestMonitorHandshakeFailures(t *testing.T) {
	mismatch := greeting(3, 1, "PLAIN")
	cases := []struct {
		name   string
		send   []byte
		event  zmq.EventType
		value  uint32
		reason string
	}{
		{"mechanism", mismatch, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolMechanismMismatch), "PLAIN"},
		{"socket type", append(greeting(3, 1, "NULL"), ready("PUB")...), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolInvalidMetadata), "PUB"},
		{"unexpected command", append(greeting(3, 1, "NULL"), command("HELLO", nil)...), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolUnexpectedCommand), "HELLO"},
		{"bad metadata", append(greeting(3, 1, "NULL"), command("READY", []byte{0})...), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolInvalidMetadata), "metadata"},
		{"ZAP refusal", append(greeting(3, 1, "NULL"), command("ERROR", []byte("\x03400"))...), zmq.EventHandshakeFailedAuth, 400, "400"},
		{"other ERROR", append(greeting(3, 1, "NULL"), command("ERROR", []byte("\x04oops"))...), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolUnspecified), "oops"},
		{"malformed ERROR", append(greeting(3, 1, "NULL"), command("ERROR", []byte("\x09x"))...), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolMalformedError), "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkLeaks(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			push := newSock(t, zmq.Push, zmq.ReconnectInterval(10*time.Millisecond), zmq.Linger(0))
			m := push.Monitor(zmq.EventAll)
			push.Connect("tcp://" + ln.Addr().String())
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(c.send)
			evs := expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnected, c.event, zmq.EventDisconnected)
			ev := evs[2]
			if ev.Value != c.value || ev.Err == nil || !strings.Contains(ev.Err.Error(), c.reason) {
				t.Errorf("%v: value %#x, want %#x; err %v", ev.Type, ev.Value, c.value, ev.Err)
			}
			var pe *zmq.ProtocolError
			var ae *zmq.AuthError
			if c.event == zmq.EventHandshakeFailedAuth && (!errors.As(ev.Err, &ae) || ae.Status != 400) {
				t.Errorf("auth failure is not an *AuthError: %#v", ev.Err)
			}
			if c.event == zmq.EventHandshakeFailedProtocol && (!errors.As(ev.Err, &pe) || uint32(pe.Code) != c.value) {
				t.Errorf("protocol failure is not a *ProtocolError with the code: %#v", ev.Err)
			}
			// No reconnection after a protocol error or a refusal.
			expectNoEvent(t, m, 100*time.Millisecond)
		})
	}
}

// A first byte that cannot start a ZMTP greeting is refused at once, not
// held until the handshake interval.
func TestNonZMTPRefusedAtOnce(t *testing.T) {
	for _, junk := range []string{"GET / HTTP/1.1\r\n\r\n", "\x01\x00\x08\x00sneaky\x00", "\x16\x03\x01\x02\x00"} {
		checkLeaks(t)
		pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(time.Minute))
		m := pull.Monitor(zmq.EventHandshakeFailedProtocol)
		ep := bound(t, pull, "tcp")
		conn := dialTCP(t, ep)
		conn.Write([]byte(junk))
		if !closedByPeer(conn) {
			t.Fatalf("%q: connection not closed", junk)
		}
		ev := nextEvent(t, m)
		if zmq.ProtocolCode(ev.Value) != zmq.ProtocolUnspecified {
			t.Errorf("%q: %v", junk, ev)
		}
		if _, err := pull.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Errorf("%q: something was delivered: %v", junk, err)
		}
	}
}

// A failed bind is reported with its errno, and its error matches both the
// sentinel and the operating system's error.
func TestBindFailedEvent(t *testing.T) {
	checkLeaks(t)
	a := newSock(t, zmq.Pull)
	ep := bound(t, a, "tcp")
	b := newSock(t, zmq.Pull)
	m := b.Monitor(zmq.EventAll)
	err := b.Bind(ep)
	if !errors.Is(err, zmq.ErrAddrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("bind to a used port: %v", err)
	}
	if strings.Count(err.Error(), "address already in use") != 1 {
		t.Errorf("error repeats itself: %q", err)
	}
	ev := expectEvents(t, m, zmq.EventBindFailed)[0]
	if ev.Value != uint32(syscall.EADDRINUSE) || ev.Endpoint != ep {
		t.Errorf("BIND_FAILED: %v value %d", ev, ev.Value)
	}
}

// A consumer that does not read loses events only countably, and still
// gets MONITOR_STOPPED last.
func TestMonitorSlowConsumer(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Pull)
	m := s.Monitor(zmq.EventListening | zmq.EventClosed | zmq.EventMonitorStopped)
	const rounds = 600 // 1200 events
	for i := 0; i < rounds; i++ {
		ep := bound(t, s, "tcp")
		if err := s.Unbind(ep); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	var got int
	var last zmq.Event
	for ev := range m.Events() {
		got++
		last = ev
	}
	if last.Type != zmq.EventMonitorStopped {
		t.Errorf("last event %v", last)
	}
	if dropped := m.Dropped(); dropped == 0 || uint64(got-1)+dropped != 2*rounds {
		t.Errorf("%d events delivered and %d dropped, want %d in all", got-1, dropped, 2*rounds)
	}
}

// MonitorTo sends libzmq's two-frame events on a PAIR socket; only inproc
// endpoints are allowed, as in libzmq.
func TestMonitorTo(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Dealer, zmq.Linger(0))
	if err := s.MonitorTo("tcp://127.0.0.1:9", zmq.EventAll); !errors.Is(err, zmq.ErrProtocolNotSupported) {
		t.Errorf("monitor on tcp: %v", err)
	}
	if err := s.MonitorTo("inproc://monitor-test", zmq.EventListening|zmq.EventMonitorStopped); err != nil {
		t.Fatal(err)
	}
	pair := newSock(t, zmq.Pair)
	if err := pair.Connect("inproc://monitor-test"); err != nil {
		t.Fatal(err)
	}
	ep := bound(t, s, "tcp")
	m, err := pair.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := zmq.DecodeEvent(m)
	if err != nil || ev.Type != zmq.EventListening || ev.Endpoint != ep || ev.Value == 0 {
		t.Fatalf("decoded %v (value %d), %v", ev, ev.Value, err)
	}
	s.Close()
	m, err = pair.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := zmq.DecodeEvent(m); err != nil || ev.Type != zmq.EventMonitorStopped {
		t.Fatalf("decoded %v, %v", ev, err)
	}
	if _, err := zmq.DecodeEvent(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("decoding one frame: %v", err)
	}
}

// A frame above MaxMsgSize in the data phase is a protocol error: the
// connection is dropped with a *ProtocolError wrapping ErrMsgTooLarge, and a
// connecting socket does not reconnect (libzmq's policy, D10 and B10). A
// frame of exactly the limit is accepted.
func TestMaxMsgSizeStopsReconnect(t *testing.T) {
	checkLeaks(t)
	push := newSock(t, zmq.Push, zmq.Linger(0))
	ep := bound(t, push, "tcp")
	pull := newSock(t, zmq.Pull, zmq.MaxMsgSize(10), zmq.ReconnectInterval(10*time.Millisecond))
	m := pull.Monitor(zmq.EventAll)
	pull.Connect(ep)
	expectEvents(t, m, zmq.EventConnectDelayed, zmq.EventConnected, zmq.EventHandshakeSucceeded)
	send(t, push, "0123456789")
	expect(t, pull, "0123456789")
	send(t, push, "0123456789A")
	ev := expectEvents(t, m, zmq.EventDisconnected)[0]
	var pe *zmq.ProtocolError
	if !errors.As(ev.Err, &pe) || !errors.Is(ev.Err, zmq.ErrMsgTooLarge) {
		t.Fatalf("DISCONNECTED cause: %v", ev.Err)
	}
	// Ten reconnect intervals, and no attempt.
	expectNoEvent(t, m, 100*time.Millisecond)
}
