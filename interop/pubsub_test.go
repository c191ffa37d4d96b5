package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// subEnd is a subscriber: a SUB subscribes with the socket option, an XSUB
// by sending subscription messages.
type subEnd struct {
	end
	typ zmq.Type
}

func (s subEnd) sub(t testing.TB, prefix string) {
	t.Helper()
	if s.typ == zmq.XSub {
		s.send(t, []byte("\x01"+prefix))
	} else {
		s.subscribe(t, prefix)
	}
}

func (s subEnd) unsub(t testing.TB, prefix string) {
	t.Helper()
	if s.typ == zmq.XSub {
		s.send(t, []byte("\x00"+prefix))
	} else {
		s.unsubscribe(t, prefix)
	}
}

// bothWays runs f as a subtest for every transport and binding side.
func bothWays(t *testing.T, f func(t *testing.T, oursBinds bool, tr string)) {
	for _, tr := range transports {
		for _, oursBinds := range []bool{true, false} {
			binder := "libzmq-binds"
			if oursBinds {
				binder = "ours-binds"
			}
			t.Run(binder+"/"+tr, func(t *testing.T) {
				checkLeaks(t)
				f(t, oursBinds, tr)
			})
		}
	}
}

// link binds ours and connects theirs to it, or the other way round.
func link(t *testing.T, ours, theirs end, oursBinds bool, tr string) {
	t.Helper()
	if oursBinds {
		theirs.connect(t, ours.bind(t, tr))
	} else {
		ours.connect(t, theirs.bind(t, tr))
	}
}

// TestSubscriptionFilter checks that a subscriber receives exactly the
// messages whose first frame starts with one of its subscriptions, across
// subscribe, unsubscribe and the empty (match-all) subscription. libzmq's
// XSUB does not filter what it receives, so the ours-PUB/libzmq-XSUB case
// proves that our publisher filters; the libzmq-PUB/ours cases prove that
// libzmq understood our subscriptions.
func TestSubscriptionFilter(t *testing.T) {
	checkLeaks(t)
	cases := []struct {
		oursPub bool
		subType zmq.Type
	}{
		{true, zmq.Sub},
		{true, zmq.XSub},
		{false, zmq.Sub},
		{false, zmq.XSub},
	}
	for _, c := range cases {
		name := fmt.Sprintf("libzmq-PUB/ours-%v", c.subType)
		if c.oursPub {
			name = fmt.Sprintf("ours-PUB/libzmq-%v", c.subType)
		}
		t.Run(name, func(t *testing.T) {
			bothWays(t, func(t *testing.T, oursBinds bool, tr string) {
				var pub end
				var sub subEnd
				if c.oursPub {
					pub = ourSide(t, zmq.Pub, sockOpts{})
					sub = subEnd{theirSide(t, c.subType, sockOpts{}), c.subType}
					link(t, pub, sub, oursBinds, tr)
				} else {
					pub = theirSide(t, zmq.Pub, sockOpts{})
					sub = subEnd{ourSide(t, c.subType, sockOpts{}), c.subType}
					link(t, sub, pub, oursBinds, tr)
				}
				filterScenario(t, pub, sub)
			})
		})
	}
}

func filterScenario(t *testing.T, pub end, sub subEnd) {
	sub.sub(t, "A")
	sub.sub(t, "C")
	// Subscriptions travel in order: once C works, A is in place too.
	awaitTopic(t, pub, sub, "C")

	pub.send(t, b("B", "not subscribed")...)
	pub.send(t, b("A", "1")...)
	pub.send(t, b("C", "2")...)
	pub.send(t, b("", "empty topic")...)
	pub.send(t, b("AB", "3")...)
	pub.send(t, b("a", "case differs")...)
	pub.send(t, b("BA", "prefix only at start")...)
	pub.send(t, b("C", "end")...)
	expectSkipping(t, sub, b("C", "sync"), b("A", "1")...)
	expect(t, sub, b("C", "2")...)
	expect(t, sub, b("AB", "3")...)
	expect(t, sub, b("C", "end")...)

	// After unsubscribing A, only C gets through. A SUB filters what it
	// receives as well, so for a SUB the waits for a cancel cannot tell
	// whether it has reached the publisher: nothing after them depends on
	// it.
	sub.unsub(t, "A")
	awaitCancel(t, pub, sub, "A")
	pub.send(t, b("A", "after cancel")...)
	pub.send(t, b("AB", "after cancel")...)
	pub.send(t, b("C", "after cancel")...)
	expect(t, sub, b("C", "after cancel")...)

	// A topic subscribed twice needs two unsubscribes at the subscriber;
	// the peer learns of the cancel after the second (libzmq's SUB and XSUB
	// send one cancel then), and then the topic must stop.
	sub.sub(t, "F")
	sub.sub(t, "F")
	awaitTopic(t, pub, sub, "F")
	sub.unsub(t, "F")
	pub.send(t, b("F", "still subscribed")...)
	pub.send(t, b("C", "marker")...)
	expectSkipping(t, sub, b("F", "sync"), b("F", "still subscribed")...)
	expect(t, sub, b("C", "marker")...)
	sub.unsub(t, "F")
	awaitCancel(t, pub, sub, "F")
	pub.send(t, b("F", "after cancel")...)
	pub.send(t, b("C", "after F")...)
	expect(t, sub, b("C", "after F")...)

	// The empty subscription matches everything, an empty first frame too.
	// It comes last: a publisher that still held it (its cancel not read
	// yet) would pass the probe of any subscription awaited after it, and
	// messages sent before that subscription arrived would be lost (which
	// made the section above fail one run in ten).
	sub.sub(t, "")
	awaitTopic(t, pub, sub, "Z")
	pub.send(t, b("", "empty topic")...)
	pub.send(t, b("A", "a")...)
	pub.send(t, []byte("Q"))
	expectSkipping(t, sub, b("Z", "sync"), b("", "empty topic")...)
	expect(t, sub, b("A", "a")...)
	expect(t, sub, []byte("Q"))
	sub.unsub(t, "")
	awaitCancel(t, pub, sub, "Z")
}

// awaitCancel waits until messages on topic no longer reach sub, which
// still subscribes to "C": it publishes [topic "stale"] then [C "probe"]
// until the probe arrives with no stale message before it.
func awaitCancel(t *testing.T, pub end, sub end, topic string) {
	t.Helper()
	eventually(t, opTimeout, fmt.Sprintf("the cancel of %q to reach %v", topic, pub), func() bool {
		pub.send(t, b(topic, "stale")...)
		pub.send(t, b("C", "probe")...)
		stale := false
		for {
			got := sub.recv(t)
			switch {
			case sameFrames(got, b(topic, "stale")), sameFrames(got, b(topic, "sync")):
				stale = true
			case sameFrames(got, b("C", "probe")):
				return !stale
			default:
				t.Fatalf("%v received %s while waiting for the cancel of %q", sub, show(got), topic)
			}
		}
	})
}

// awaitTopic publishes [topic "sync"] until sub receives one: the
// subscription that matches topic has then reached pub.
func awaitTopic(t *testing.T, pub end, sub end, topic string) {
	t.Helper()
	eventually(t, opTimeout, fmt.Sprintf("%v to apply a subscription matching %q", pub, topic), func() bool {
		pub.send(t, b(topic, "sync")...)
		got, ok := sub.recvWithin(t, 20*time.Millisecond)
		if ok && !sameFrames(got, b(topic, "sync")) {
			t.Fatalf("%v received %s, want [%q \"sync\"]", sub, show(got), topic)
		}
		return ok
	})
}

// xpubPair links an XPUB and a peer of type peer, the XPUB ours when
// oursXPub is set and the peer ours otherwise.
func xpubPair(t *testing.T, oursXPub bool, peer zmq.Type, oursBinds bool, tr string) (xpub, other end) {
	if oursXPub {
		xpub, other = ourSide(t, zmq.XPub, sockOpts{}), theirSide(t, peer, sockOpts{})
		link(t, xpub, other, oursBinds, tr)
	} else {
		xpub, other = theirSide(t, zmq.XPub, sockOpts{}), ourSide(t, peer, sockOpts{})
		link(t, other, xpub, oursBinds, tr)
	}
	return xpub, other
}

// TestXPubSubscriptionMessages checks the subscription messages an XPUB
// hands to its application for a SUB peer, each way round: the empty
// subscription, a topic longer than a short ZMTP frame, duplicates (passed
// up once) and counted unsubscriptions (the cancel goes out with the last).
// Then non-subscription messages an XSUB sends travel upstream to the XPUB.
func TestXPubSubscriptionMessages(t *testing.T) {
	checkLeaks(t)
	long := strings.Repeat("L", 300)
	for _, oursXPub := range []bool{true, false} {
		name := "libzmq-XPUB/ours-SUB"
		if oursXPub {
			name = "ours-XPUB/libzmq-SUB"
		}
		t.Run(name, func(t *testing.T) {
			bothWays(t, func(t *testing.T, oursBinds bool, tr string) {
				xpub, sub := xpubPair(t, oursXPub, zmq.Sub, oursBinds, tr)
				sub.subscribe(t, "A")
				expectPumping(t, xpub, sub, []byte("\x01A"))
				sub.subscribe(t, "")
				expectPumping(t, xpub, sub, []byte("\x01"))
				sub.subscribe(t, long)
				expectPumping(t, xpub, sub, []byte("\x01"+long))
				// A duplicate is not passed up: the next message is D's.
				sub.subscribe(t, "A")
				sub.subscribe(t, "D")
				expectPumping(t, xpub, sub, []byte("\x01D"))

				pub := xpub
				pub.send(t, b(long+"!", "long topic")...)
				expect(t, sub, b(long+"!", "long topic")...)

				// A was subscribed twice: the first unsubscribe keeps it,
				// so D's cancel comes first, then A's after the second.
				sub.unsubscribe(t, "A")
				sub.unsubscribe(t, "D")
				expectPumping(t, xpub, sub, []byte("\x00D"))
				sub.unsubscribe(t, "A")
				expectPumping(t, xpub, sub, []byte("\x00A"))
				sub.unsubscribe(t, long)
				expectPumping(t, xpub, sub, []byte("\x00"+long))
				sub.unsubscribe(t, "")
				expectPumping(t, xpub, sub, []byte("\x00"))
			})
		})
	}
	for _, oursXPub := range []bool{true, false} {
		name := "upstream/libzmq-XPUB/ours-XSUB"
		if oursXPub {
			name = "upstream/ours-XPUB/libzmq-XSUB"
		}
		t.Run(name, func(t *testing.T) {
			bothWays(t, func(t *testing.T, oursBinds bool, tr string) {
				xpub, xsub := xpubPair(t, oursXPub, zmq.XSub, oursBinds, tr)
				xsub.send(t, []byte("\x01A"))
				expectPumping(t, xpub, xsub, []byte("\x01A"))
				xsub.send(t, []byte("upstream"))
				expect(t, xpub, []byte("upstream"))
			})
		})
	}
}

// TestXSubEarlyUpstream: an XSUB that connects and at once sends a
// subscription and an upstream message, before the connection is up, has
// both queued on the new pipe and delivered in order once it is (as
// libzmq's XSUB does); each way round, over tcp and ipc.
func TestXSubEarlyUpstream(t *testing.T) {
	checkLeaks(t)
	for _, oursXSub := range []bool{true, false} {
		for _, tr := range transports {
			name := "libzmq-XSUB/ours-XPUB/" + tr
			if oursXSub {
				name = "ours-XSUB/libzmq-XPUB/" + tr
			}
			t.Run(name, func(t *testing.T) {
				checkLeaks(t)
				var xpub, xsub end
				if oursXSub {
					xpub, xsub = theirSide(t, zmq.XPub, sockOpts{}), ourSide(t, zmq.XSub, sockOpts{})
				} else {
					xpub, xsub = ourSide(t, zmq.XPub, sockOpts{}), theirSide(t, zmq.XSub, sockOpts{})
				}
				xsub.connect(t, xpub.bind(t, tr))
				xsub.send(t, []byte("\x01A"))
				xsub.send(t, []byte("early upstream"))
				expect(t, xpub, []byte("\x01A"))
				expect(t, xpub, []byte("early upstream"))
			})
		}
	}
}
