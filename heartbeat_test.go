package zmq_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A peer that completes the handshake and then never answers is
// disconnected once HeartbeatTimeout passes after a PING
// (test_heartbeat_timeout).
func TestHeartbeatTimeout(t *testing.T) {
	checkLeaks(t)
	router := newSock(t, zmq.Router, zmq.HeartbeatInterval(50*time.Millisecond))
	m := router.Monitor(zmq.EventAccepted | zmq.EventDisconnected)
	ep := bound(t, router, "tcp")
	conn := dialTCP(t, ep)
	handshakeRaw(t, conn, 1, "DEALER")
	start := time.Now()
	expectEvents(t, m, zmq.EventAccepted)
	// The PING arrives; the peer does not answer it.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	ping := make([]byte, 9)
	if _, err := io.ReadFull(conn, ping); err != nil || !bytes.Equal(ping, []byte("\x04\x07\x04PING\x00\x00")) {
		t.Fatalf("PING % x, %v", ping, err)
	}
	ev := expectEvents(t, m, zmq.EventDisconnected)[0]
	took := time.Since(start)
	var te *zmq.TimeoutError
	if !errors.As(ev.Err, &te) || te.Op != "heartbeat" || !errors.Is(ev.Err, os.ErrDeadlineExceeded) {
		t.Errorf("DISCONNECTED cause: %v", ev.Err)
	}
	if took < 100*time.Millisecond || took > 3*time.Second {
		t.Errorf("disconnected after %v, want interval + timeout (100ms) to 3s", took)
	}
	if !closedByPeer(conn) {
		t.Error("connection still open")
	}
}

// A socket without heartbeats answers PINGs with their context, cut to 16
// bytes, and keeps the connection (test_heartbeat_timeout with a mock PING).
func TestHeartbeatPong(t *testing.T) {
	checkLeaks(t)
	router := newSock(t, zmq.Router)
	m := router.Monitor(zmq.EventAccepted | zmq.EventDisconnected)
	ep := bound(t, router, "tcp")
	conn := dialTCP(t, ep)
	handshakeRaw(t, conn, 1, "DEALER")
	expectEvents(t, m, zmq.EventAccepted)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("\x04\x0a\x04PING\x00\x00LOL"))
	pong := make([]byte, 10)
	if _, err := io.ReadFull(conn, pong); err != nil || string(pong) != "\x04\x08\x04PONGLOL" {
		t.Fatalf("PONG %q, %v", pong, err)
	}
	long := "LOL" + strings.Repeat("z", 55)
	conn.Write(append([]byte{0x04, byte(7 + len(long)), 4, 'P', 'I', 'N', 'G', 0, 0}, long...))
	pong = make([]byte, 2+5+16)
	if _, err := io.ReadFull(conn, pong); err != nil || string(pong) != "\x04\x15\x04PONG"+long[:16] {
		t.Fatalf("PONG %q, %v", pong, err)
	}
	// A PING with no room for its TTL is malformed: the connection closes
	// rather than answering with bytes that were never sent.
	conn.Write([]byte("\x04\x06\x04PING\x00"))
	if !closedByPeer(conn) {
		t.Fatal("short PING did not close the connection")
	}
	ev := expectEvents(t, m, zmq.EventDisconnected)[0]
	var pe *zmq.ProtocolError
	if !errors.As(ev.Err, &pe) || pe.Code != zmq.ProtocolMalformedCommand {
		t.Errorf("short PING: %v", ev.Err)
	}
}

// The TTL a peer announces in its PINGs is enforced by a socket that has no
// heartbeats of its own (test_heartbeat_ttl), for every pattern pair.
func TestHeartbeatTTL(t *testing.T) {
	pairs := []struct{ client, server zmq.Type }{
		{zmq.Dealer, zmq.Router}, {zmq.Req, zmq.Rep}, {zmq.Pull, zmq.Push},
		{zmq.Sub, zmq.Pub}, {zmq.Pair, zmq.Pair},
	}
	for _, p := range pairs {
		t.Run(p.client.String()+"-"+p.server.String(), func(t *testing.T) {
			checkLeaks(t)
			server := newSock(t, p.server, zmq.Linger(0))
			m := server.Monitor(zmq.EventAccepted | zmq.EventDisconnected)
			ep := bound(t, server, "tcp")
			// PINGs every 250ms announce a 100ms TTL: the server hears
			// nothing within the TTL after the first one.
			client := newSock(t, p.client, zmq.Linger(0),
				zmq.HeartbeatInterval(250*time.Millisecond), zmq.HeartbeatTTL(100*time.Millisecond))
			client.Connect(ep)
			expectEvents(t, m, zmq.EventAccepted)
			ev := expectEvents(t, m, zmq.EventDisconnected)[0]
			var te *zmq.TimeoutError
			if !errors.As(ev.Err, &te) || te.Op != "heartbeat ttl" || te.After != 100*time.Millisecond {
				t.Errorf("DISCONNECTED cause: %v", ev.Err)
			}
		})
	}
}

// Healthy peers never time out: heartbeats on one side, PONGs from the
// other (test_heartbeat_notimeout), with messages flowing or not.
func TestHeartbeatNoTimeout(t *testing.T) {
	checkLeaks(t)
	server := newSock(t, zmq.Router, zmq.HeartbeatInterval(30*time.Millisecond), zmq.HeartbeatTimeout(150*time.Millisecond))
	m := server.Monitor(zmq.EventAll &^ zmq.EventMonitorStopped)
	ep := bound(t, server, "tcp")
	client := newSock(t, zmq.Dealer, zmq.HeartbeatInterval(25*time.Millisecond))
	cm := client.Monitor(zmq.EventDisconnected)
	client.Connect(ep)
	expectEvents(t, m, zmq.EventListening, zmq.EventAccepted, zmq.EventHandshakeSucceeded)
	for i := 0; i < 10; i++ {
		send(t, client, "x")
		recvStrings(t, server)
	}
	// Twenty intervals of silence from the application.
	expectNoEvent(t, m, 600*time.Millisecond)
	expectNoEvent(t, cm, 0)
}

// A connecting socket detects a peer that went silent after the handshake
// (frozen, or cut off), closes the connection and reconnects.
func TestHeartbeatReconnectsFrozenPeer(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dealer := newSock(t, zmq.Dealer, zmq.Linger(0), zmq.ReconnectInterval(10*time.Millisecond),
		zmq.HeartbeatInterval(30*time.Millisecond), zmq.HeartbeatTimeout(60*time.Millisecond))
	m := dealer.Monitor(zmq.EventAll)
	dealer.Connect("tcp://" + ln.Addr().String())
	for round := 0; round < 2; round++ {
		conn, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		handshakeRaw(t, conn, 1, "ROUTER")
		skipEventsUntil(t, m, zmq.EventHandshakeSucceeded)
		// Frozen: reads nothing, answers nothing.
		ev := expectEvents(t, m, zmq.EventDisconnected, zmq.EventConnectRetried)[0]
		var te *zmq.TimeoutError
		if !errors.As(ev.Err, &te) {
			t.Fatalf("round %d: DISCONNECTED cause %v", round, ev.Err)
		}
	}
}

// HeartbeatTTL travels in deciseconds: at most 6553.599s.
func TestHeartbeatOptions(t *testing.T) {
	for _, d := range []time.Duration{-time.Millisecond, 6553600 * time.Millisecond} {
		if _, err := zmq.NewSocket(zmq.Dealer, zmq.HeartbeatTTL(d)); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("HeartbeatTTL(%v): %v", d, err)
		}
	}
	if _, err := zmq.NewSocket(zmq.Dealer, zmq.HeartbeatInterval(-1)); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("HeartbeatInterval(-1): %v", err)
	}
	s, err := zmq.NewSocket(zmq.Dealer, zmq.HeartbeatTTL(6553599*time.Millisecond), zmq.HeartbeatTimeout(-5))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A receiver whose inbound queue is full stops reading its connection: the
// silence that follows is its own, and heartbeats do not take it for a
// dead peer.
func TestHeartbeatPausedReaderIsNotSilentPeer(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull, zmq.RecvHWM(10),
		zmq.HeartbeatInterval(10*time.Millisecond), zmq.HeartbeatTimeout(20*time.Millisecond))
	m := pull.Monitor(zmq.EventDisconnected)
	ep := bound(t, pull, "tcp")
	push := newSock(t, zmq.Push, zmq.SendHWM(0))
	push.Connect(ep)
	const n = 5000
	for i := 0; i < n; i++ {
		send(t, push, "message")
	}
	// The application does not receive for 15 timeouts.
	expectNoEvent(t, m, 300*time.Millisecond)
	for i := 0; i < n; i++ {
		recvStrings(t, pull)
	}
	expectNoEvent(t, m, 0)
}
