package zmq_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// hugeTopic is a 16 MiB subscription that sorts before "ready".
func hugeTopic() []byte {
	return bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
}

// recvSet receives n messages and returns their single frames as a set.
func recvSet(t *testing.T, s *zmq.Socket, n int) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for range n {
		f := recvStrings(t, s)
		if len(f) != 1 {
			t.Fatalf("got %d frames", len(f))
		}
		got[f[0]] = true
	}
	return got
}

// A subscriber that subscribes to a 16 MiB topic and then leaves does not
// take the publisher down, which goes on serving a normal subscriber; the
// subscriber itself resends the topic when it connects.
func TestHugeSubscription(t *testing.T) {
	huge := hugeTopic()
	for _, typ := range []zmq.Type{zmq.Pub, zmq.XPub} {
		t.Run(typ.String(), func(t *testing.T) {
			checkLeaks(t)
			pub := newSock(t, typ)
			ep := bound(t, pub, "tcp")
			big := newSock(t, zmq.Sub, zmq.Subscribe(huge), zmq.Subscribe([]byte("ready")))
			if err := big.Connect(ep); err != nil {
				t.Fatal(err)
			}
			if typ == zmq.XPub {
				got := recvSet(t, pub, 2)
				if !got["\x01"+string(huge)] || !got["\x01ready"] {
					t.Fatalf("XPUB got %d subscriptions, not the huge one and ready", len(got))
				}
			}
			waitSubscribed(t, pub, big, "ready")
			if n := zmq.SubscriptionCount(pub); n != 2 {
				t.Fatalf("publisher holds %d subscriptions, want 2", n)
			}
			if err := pub.Send(tctx(t), zmq.NewMsg(append(huge, '!'))); err != nil {
				t.Fatal(err)
			}
			if m := recvStrings(t, big); len(m) != 1 || len(m[0]) != len(huge)+1 {
				t.Fatal("the message on the huge topic did not arrive whole")
			}

			normal := newSock(t, zmq.Sub, zmq.Subscribe([]byte("n")))
			normal.Connect(ep)
			if typ == zmq.XPub {
				expect(t, pub, "\x01n")
			}
			waitSubscribed(t, pub, normal, "n")
			big.Close()
			if typ == zmq.XPub {
				got := recvSet(t, pub, 2)
				if !got["\x00"+string(huge)] || !got["\x00ready"] {
					t.Fatalf("XPUB got %d cancels, not the huge one and ready", len(got))
				}
			}
			eventually(t, "huge subscriber gone", func() bool { return zmq.SubscriptionCount(pub) == 1 })
			send(t, pub, "n-after")
			expect(t, normal, "n-after")
		})
	}
}

// 100000 distinct subscriptions, all cancelled, leave the publisher's trie
// empty.
func TestManySubscriptionsCancelled(t *testing.T) {
	checkLeaks(t)
	const n = 100000
	pub := newSock(t, zmq.Pub)
	ep := bound(t, pub, "tcp")
	sub := newSock(t, zmq.Sub)
	sub.Connect(ep)
	topic := func(i int) []byte { return fmt.Appendf(nil, "k%x", i) }
	for i := range n {
		sub.Subscribe(topic(i))
	}
	sub.Subscribe([]byte("ready"))
	waitSubscribed(t, pub, sub, "ready")
	if got := zmq.SubscriptionCount(pub); got != n+1 {
		t.Fatalf("publisher holds %d subscriptions, want %d", got, n+1)
	}
	for i := range n {
		sub.Unsubscribe(topic(i))
	}
	sub.Unsubscribe([]byte("ready"))
	sub.Subscribe([]byte("end"))
	waitSubscribed(t, pub, sub, "end")
	if got := zmq.SubscriptionCount(pub); got != 1 {
		t.Fatalf("publisher holds %d subscriptions after the cancels, want 1", got)
	}
	if got := zmq.SubscriptionCount(sub); got != 1 {
		t.Fatalf("subscriber holds %d subscriptions, want 1", got)
	}
}

// subscribeFrame is a subscription from a raw peer: a SUBSCRIBE command
// (ZMTP 3.1) or a message \x01topic (ZMTP 3.0).
func subscribeFrame(legacy bool, topic []byte) []byte {
	if !legacy {
		return command("SUBSCRIBE", topic)
	}
	body := append([]byte{1}, topic...)
	if len(body) > 255 {
		return append(binary.BigEndian.AppendUint64([]byte{0x02}, uint64(len(body))), body...)
	}
	return append([]byte{0x00, byte(len(body))}, body...)
}

// With MaxMsgSize, a subscription in a frame larger than the limit is
// refused as any frame is: the peer is disconnected and the subscription
// never reaches the trie.
func TestSubscriptionOverMaxMsgSize(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			checkLeaks(t)
			xpub := newSock(t, zmq.XPub, zmq.MaxMsgSize(1000))
			conn := dialTCP(t, bound(t, xpub, "tcp"))
			minor := byte(1)
			if legacy {
				minor = 0
			}
			ok := bytes.Repeat([]byte("s"), 900)
			tooBig := bytes.Repeat([]byte("b"), 1000)
			msg := append(greeting(3, minor, "NULL"), ready("SUB")...)
			msg = append(msg, subscribeFrame(legacy, ok)...)
			msg = append(msg, subscribeFrame(legacy, tooBig)...)
			conn.Write(msg)
			expect(t, xpub, "\x01"+string(ok))
			if !closedByPeer(conn) {
				t.Fatal("subscription over MaxMsgSize did not close the connection")
			}
			// The cancel of the subscription that got in, and nothing of
			// the one that did not.
			expect(t, xpub, "\x00"+string(ok))
			if n := zmq.SubscriptionCount(xpub); n != 0 {
				t.Fatalf("XPUB holds %d subscriptions, want 0", n)
			}
		})
	}
}

// What a subscriber sent before it went is applied and then removed with
// it, even when the socket learns of both at once: its subscriptions do
// not outlive it in the trie, and XPUB passes up each and its cancel.
func TestSubscriptionOfDepartedPeer(t *testing.T) {
	checkLeaks(t)
	xpub := newSock(t, zmq.XPub)
	conn := dialTCP(t, bound(t, xpub, "tcp"))
	msg := append(greeting(3, 1, "NULL"), ready("SUB")...)
	conn.Write(append(msg, command("SUBSCRIBE", []byte("left"))...))
	eventually(t, "peer attached", func() bool { return zmq.PeerCount(xpub) == 1 })
	conn.Close()
	// No receive in between: the socket reads the subscription only now.
	eventually(t, "peer detached", func() bool { return zmq.PeerCount(xpub) == 0 })
	expect(t, xpub, "\x01left")
	if m, err := xpub.TryRecv(); err != nil || len(m.Frames) != 1 || string(m.Frames[0]) != "\x00left" {
		t.Fatalf("after the subscription: %v, %v; want its cancel", m.Frames, err)
	}
	if n := zmq.SubscriptionCount(xpub); n != 0 {
		t.Fatalf("XPUB holds %d subscriptions of a departed peer", n)
	}
}
