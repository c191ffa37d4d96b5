package zmq_test

import (
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A Send blocked for want of a peer proceeds as soon as one connects to
// the bound socket.
func TestBlockedSendWokenByNewPeer(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		push := newSock(t, zmq.Push)
		ep := bound(t, push, tr)
		done := make(chan error, 1)
		go func() { done <- push.Send(tctx(t), zmq.NewMsgString("first")) }()
		// The Send has found no peer and waits: only the new peer's arrival
		// can let it go now.
		waitBlocked(t, push, 0, 1)
		pull := newSock(t, zmq.Pull)
		if err := pull.Connect(ep); err != nil {
			t.Fatal(err)
		}
		// tctx bounds the Send: a wakeup that never comes fails it.
		if err := <-done; err != nil {
			t.Fatalf("blocked send: %v", err)
		}
		expect(t, pull, "first")
	})
}

// A publisher keeps one subscription per peer and topic, as libzmq does:
// a repeated subscribe changes nothing and one cancel removes the topic.
func TestXPubSubscriptionIsPerPeerSet(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub)
		ep := bound(t, xpub, tr)
		xsub := newSock(t, zmq.XSub)
		xsub.Connect(ep)
		// The XSUB forwards both subscribes but only the last cancel.
		send(t, xsub, "\x01A")
		send(t, xsub, "\x01A")
		send(t, xsub, "\x00A")
		send(t, xsub, "\x00A")
		expect(t, xpub, "\x01A")
		expect(t, xpub, "\x00A")
		send(t, xpub, "A-msg")
		expectNothing(t, xsub, 50*time.Millisecond)
	})
}

// Messages an XSUB sends upstream before its first connection is up are
// delivered, not dropped.
func TestXSubEarlyUpstream(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		ep := bindAddr(t, tr)
		if tr == "tcp" {
			ep = freeTCP(t)
		}
		xsub := newSock(t, zmq.XSub, zmq.ReconnectInterval(10*time.Millisecond))
		xsub.Connect(ep)
		send(t, xsub, "\x01A")
		send(t, xsub, "early upstream")
		xpub := newSock(t, zmq.XPub)
		if err := xpub.Bind(ep); err != nil {
			t.Fatal(err)
		}
		expect(t, xpub, "\x01A")
		expect(t, xpub, "early upstream")
	})
}

// A message sent just before Close reaches a peer that appears later,
// within Linger.
func TestCloseBeforeConnectionDelivers(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		ep := bindAddr(t, tr)
		if tr == "tcp" {
			ep = freeTCP(t)
		}
		push, _ := zmq.NewSocket(zmq.Push, zmq.Linger(5*time.Second), zmq.ReconnectInterval(10*time.Millisecond))
		push.Connect(ep)
		send(t, push, "last words")
		closed := make(chan struct{})
		go func() { push.Close(); close(closed) }()
		// The peer appears only once Close has begun. Over tcp and ipc,
		// Close waits for it; an inproc queue is handed to the binder as
		// it is, so Close need not.
		eventually(t, "Close to begin", func() bool { return closing(push) })
		if tr != "inproc" {
			select {
			case <-closed:
				t.Fatal("Close returned with a message undelivered and Linger left")
			default:
			}
		}
		pull := newSock(t, zmq.Pull)
		if err := pull.Bind(ep); err != nil {
			t.Fatal(err)
		}
		expect(t, pull, "last words")
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not return after delivering")
		}
	})
}

// A REQ gets the reply its peer sent just before going away.
func TestReqGetsReplyFromDepartedPeer(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		rep := newSock(t, zmq.Rep)
		ep := bound(t, rep, tr)
		req := newSock(t, zmq.Req)
		req.Connect(ep)
		send(t, req, "q")
		expect(t, rep, "q")
		send(t, rep, "a")
		rep.Close()
		expect(t, req, "a")
	})
}
