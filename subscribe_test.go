package zmq_test

import (
	"testing"

	zmq "github.com/zmq-go/zmq"
)

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
