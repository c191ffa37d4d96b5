package zmq_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// closeWithin closes s and fails the test unless Close returns within d.
// It returns how long Close took.
func closeWithin(t *testing.T, s *zmq.Socket, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("Close still blocked after %v", d)
	}
	return time.Since(start)
}

// With the default Linger, Close gives up on a connected endpoint whose peer
// cannot be reached once it has tried for the stall time: a dead peer
// cannot hold Close forever.
func TestCloseGivesUpOnUnreachablePeer(t *testing.T) {
	checkLeaks(t)
	defer zmq.SetLingerStallForTest(200 * time.Millisecond)()
	push, err := zmq.NewSocket(zmq.Push, zmq.ReconnectInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	push.Connect(freeTCP(t))
	for i := 0; i < 3; i++ {
		send(t, push, "queued")
	}
	if took := closeWithin(t, push, 5*time.Second); took < 200*time.Millisecond {
		t.Errorf("Close returned after %v, before trying for the stall time", took)
	}
}

// A peer that appears while the socket closes, within the stall time,
// still gets what was queued for it (a restarting server).
func TestCloseDeliversToLateServer(t *testing.T) {
	checkLeaks(t)
	defer zmq.SetLingerStallForTest(5 * time.Second)()
	addr := freeTCP(t)
	push, err := zmq.NewSocket(zmq.Push, zmq.ReconnectInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	push.Connect(addr)
	const n = 10
	for i := 0; i < n; i++ {
		send(t, push, fmt.Sprint(i))
	}
	closed := make(chan struct{})
	go func() {
		push.Close()
		close(closed)
	}()
	pull := newSock(t, zmq.Pull)
	if err := pull.Bind(addr); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		expect(t, pull, fmt.Sprint(i))
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after delivering")
	}
}

// A connected peer that never reads (frozen) holds a lingering Close only
// until the connection has made no progress for the stall time.
func TestCloseGivesUpOnFrozenPeer(t *testing.T) {
	checkLeaks(t)
	defer zmq.SetLingerStallForTest(300 * time.Millisecond)()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	push, err := zmq.NewSocket(zmq.Push, zmq.SendHWM(0))
	if err != nil {
		t.Fatal(err)
	}
	push.Connect("tcp://" + ln.Addr().String())
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	handshakeRaw(t, conn, 1, "PULL")
	// Far more than the socket buffers hold: the writer blocks.
	big := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		if err := push.Send(tctx(t), zmq.NewMsg(big)); err != nil {
			t.Fatal(err)
		}
	}
	if took := closeWithin(t, push, 10*time.Second); took < 300*time.Millisecond {
		t.Errorf("Close returned after %v, before the stall time", took)
	}
}

// Short-lived senders with the default Linger deliver everything: create,
// connect, send one, close, many times over (libzmq#3774's scenario).
func TestShortLivedSendersDeliver(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "tcp")
	const n = 200
	for i := 0; i < n; i++ {
		push, err := zmq.NewSocket(zmq.Push)
		if err != nil {
			t.Fatal(err)
		}
		push.Connect(ep)
		send(t, push, fmt.Sprint(i))
		closeWithin(t, push, 10*time.Second)
	}
	got := make(map[string]bool)
	for i := 0; i < n; i++ {
		got[recvStrings(t, pull)[0]] = true
	}
	for i := 0; i < n; i++ {
		if !got[fmt.Sprint(i)] {
			t.Fatalf("message %d lost", i)
		}
	}
}

// A SUB whose publisher was never reached closes at once with the default
// Linger: its queue holds only subscriptions. (A PUSH in its place waits
// the stall time, as TestCloseGivesUpOnUnreachablePeer shows.)
func TestCloseSubWithUnreachedPublisher(t *testing.T) {
	checkLeaks(t)
	defer zmq.SetLingerStallForTest(time.Hour)()
	sub, err := zmq.NewSocket(zmq.Sub, zmq.ReconnectInterval(10*time.Millisecond), zmq.Subscribe([]byte("news")))
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Connect(freeTCP(t)); err != nil {
		t.Fatal(err)
	}
	sub.Subscribe([]byte("weather"))
	closeWithin(t, sub, 5*time.Second)
}
