package zmq_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// waitSubscribed publishes probe messages on pub until sub receives one,
// which proves the subscription to prefix has reached the publisher.
func waitSubscribed(t *testing.T, pub, sub *zmq.Socket, prefix string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		send(t, pub, prefix+"probe")
		ctx, cancel := contextWithTimeout(10 * time.Millisecond)
		_, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			// Drain probes still in flight.
			for {
				ctx, cancel := contextWithTimeout(20 * time.Millisecond)
				_, err := sub.Recv(ctx)
				cancel()
				if err != nil {
					return
				}
			}
		}
	}
	t.Fatal("subscription never arrived")
}

// 29/PUBSUB: SUB SHALL receive only messages whose first frame starts with
// one of its subscriptions; PUB SHALL send each message to every matching
// subscriber.
func TestPubSubPrefixFanOut(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pub := newSock(t, zmq.Pub)
		ep := bound(t, pub, tr)
		subA := newSock(t, zmq.Sub, zmq.Subscribe([]byte("A")))
		subAll := newSock(t, zmq.Sub, zmq.Subscribe(nil))
		subA.Connect(ep)
		subAll.Connect(ep)
		waitSubscribed(t, pub, subA, "A")
		waitSubscribed(t, pub, subAll, "")
		send(t, pub, "B1")
		send(t, pub, "Alpha", "part2")
		send(t, pub, "B2")
		expect(t, subA, "Alpha", "part2")
		expect(t, subAll, "B1")
		expect(t, subAll, "Alpha", "part2")
		expect(t, subAll, "B2")
		expectNothing(t, subA, 50*time.Millisecond)
	})
}

// Subscriptions are counted: two subscribes need two unsubscribes.
func TestSubscriptionsCounted(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pub := newSock(t, zmq.Pub)
		ep := bound(t, pub, tr)
		sub := newSock(t, zmq.Sub)
		sub.Subscribe([]byte("T"))
		sub.Subscribe([]byte("T"))
		sub.Connect(ep)
		waitSubscribed(t, pub, sub, "T")
		sub.Unsubscribe([]byte("T"))
		send(t, pub, "T1")
		expect(t, sub, "T1")
		sub.Unsubscribe([]byte("T"))
		send(t, pub, "T2")
		expectNothing(t, sub, 100*time.Millisecond)
	})
}

// 29/PUBSUB: XPUB passes subscriptions up: the first for a topic, and the
// unsubscription when its last subscriber leaves; with XPubVerbose every
// subscribe.
func TestXPubSubscriptionMessages(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub)
		ep := bound(t, xpub, tr)
		s1 := newSock(t, zmq.Sub, zmq.Subscribe([]byte("news")))
		s1.Connect(ep)
		expect(t, xpub, "\x01news")
		s2 := newSock(t, zmq.Sub, zmq.Subscribe([]byte("news")))
		s2.Connect(ep)
		eventually(t, "second subscriber", func() bool { return zmq.ConnectedPeers(xpub) == 2 })
		expectNothing(t, xpub, 50*time.Millisecond)
		s1.Unsubscribe([]byte("news"))
		expectNothing(t, xpub, 50*time.Millisecond)
		s2.Close()
		expect(t, xpub, "\x00news")
	})
	t.Run("verbose", func(t *testing.T) {
		checkLeaks(t)
		xpub := newSock(t, zmq.XPub, zmq.XPubVerbose(true))
		ep := bound(t, xpub, "tcp")
		for i := 0; i < 2; i++ {
			s := newSock(t, zmq.Sub, zmq.Subscribe([]byte("v")))
			s.Connect(ep)
			expect(t, xpub, "\x01v")
		}
	})
}

// XSUB subscribes by sending \x01topic, and its other messages travel
// upstream to the XPUB application.
func TestXSubXPub(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub)
		ep := bound(t, xpub, tr)
		xsub := newSock(t, zmq.XSub)
		xsub.Connect(ep)
		send(t, xsub, "\x01top")
		expect(t, xpub, "\x01top")
		send(t, xpub, "top-news")
		send(t, xpub, "other")
		expect(t, xsub, "top-news")
		send(t, xsub, "upstream")
		expect(t, xpub, "upstream")
		send(t, xsub, "\x00top")
		expect(t, xpub, "\x00top")
	})
}

// XPUB_WELCOME_MSG is sent to every new subscriber.
func TestXPubWelcome(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		xpub := newSock(t, zmq.XPub, zmq.XPubWelcomeMsg([]byte("W")))
		ep := bound(t, xpub, tr)
		sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("W")))
		sub.Connect(ep)
		expect(t, sub, "W")
		expect(t, xpub, "\x01W")
	})
}

// INVERT_MATCHING: the PUB sends to subscribers that do not match, and a
// SUB with it delivers what does not match.
func TestInvertMatching(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pub := newSock(t, zmq.Pub, zmq.InvertMatching(true))
		ep := bound(t, pub, tr)
		// An XSUB filters nothing itself: it gets what the PUB sends.
		xsub := newSock(t, zmq.XSub)
		xsub.Connect(ep)
		send(t, xsub, "\x01skip")
		sub := newSock(t, zmq.Sub, zmq.InvertMatching(true), zmq.Subscribe([]byte("skip")))
		sub.Connect(ep)
		// Both subscriptions are queued at the PUB, which takes them in
		// before its next send.
		eventually(t, "subscriptions", func() bool { return zmq.QueuedIn(pub) == 2 })
		send(t, pub, "skip-this")
		send(t, pub, "take-this")
		expect(t, xsub, "take-this")
		expect(t, sub, "take-this")
	})
}

// 29/PUBSUB: a PUB never blocks; a subscriber at its high-water mark misses
// messages. With XPubNoDrop the publisher reports ErrWouldBlock instead.
func TestPubDropsAtHWM(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		for _, nodrop := range []bool{false, true} {
			xpub := newSock(t, zmq.XPub, zmq.SendHWM(10), zmq.XPubNoDrop(nodrop))
			ep := bound(t, xpub, tr)
			sub := newSock(t, zmq.Sub, zmq.RecvHWM(10), zmq.Subscribe(nil))
			sub.Connect(ep)
			expect(t, xpub, "\x01")
			blocked := 0
			for i := 0; i < 100000 && blocked == 0; i++ {
				err := xpub.TrySend(zmq.NewMsg(make([]byte, 1024)))
				if errors.Is(err, zmq.ErrWouldBlock) {
					blocked++
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if nodrop != (blocked > 0) {
				t.Fatalf("nodrop=%v: blocked=%d", nodrop, blocked)
			}
		}
	})
}

// Subscriptions are sent again when a subscriber reconnects.
func TestSubResubscribesAfterReconnect(t *testing.T) {
	checkLeaks(t)
	ep := freeTCP(t)
	pub := newSock(t, zmq.Pub)
	if err := pub.Bind(ep); err != nil {
		t.Fatal(err)
	}
	sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("r")), zmq.ReconnectInterval(10*time.Millisecond))
	sub.Connect(ep)
	waitSubscribed(t, pub, sub, "r")
	pub.Close()
	pub2 := newSock(t, zmq.Pub)
	eventually(t, "rebind", func() bool { return pub2.Bind(ep) == nil })
	waitSubscribed(t, pub2, sub, "r")
	send(t, pub2, "r-after")
	expect(t, sub, "r-after")
}

func TestSubRejectsSend(t *testing.T) {
	sub := newSock(t, zmq.Sub)
	if err := sub.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrNotSupported) {
		t.Fatalf("send on SUB: %v", err)
	}
	pub := newSock(t, zmq.Pub)
	if _, err := pub.TryRecv(); !errors.Is(err, zmq.ErrNotSupported) {
		t.Fatalf("recv on PUB: %v", err)
	}
	if err := pub.Subscribe([]byte("x")); !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("subscribe on PUB: %v", err)
	}
	_ = fmt.Sprint
}
