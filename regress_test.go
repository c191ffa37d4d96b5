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
		time.Sleep(20 * time.Millisecond)
		pull := newSock(t, zmq.Pull)
		pull.Connect(ep)
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
