package interop

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// pairCase is a conversation between a socket of type a and one of type b.
// run gets the two ends already connected and checks every message
// end to end; it does not know which end is ours or which one bound.
type pairCase struct {
	a, b   zmq.Type
	oa, ob sockOpts
	run    func(t *testing.T, a, b end)
}

var pairCases = []pairCase{
	{a: zmq.Push, b: zmq.Pull, run: pushPull},
	{a: zmq.Req, b: zmq.Rep, run: reqRep},
	{a: zmq.Req, b: zmq.Router, run: reqRouter},
	{a: zmq.Dealer, b: zmq.Rep, run: dealerRep},
	{a: zmq.Dealer, b: zmq.Router, run: dealerRouter},
	{a: zmq.Dealer, b: zmq.Dealer, run: dealerDealer},
	{a: zmq.Router, b: zmq.Router, run: routerRouter,
		oa: sockOpts{routingID: "router-A", mandatory: true},
		ob: sockOpts{routingID: "router-B", mandatory: true}},
	{a: zmq.Pub, b: zmq.Sub, run: pubSub},
	{a: zmq.XPub, b: zmq.XSub, run: xpubXsub},
	{a: zmq.Pub, b: zmq.XSub, run: pubXsub},
	{a: zmq.XPub, b: zmq.Sub, run: xpubSub},
	{a: zmq.Pair, b: zmq.Pair, run: pairPair},
}

// TestPairs runs every compatible socket-type pair with our library on one
// side and libzmq on the other, both ways round (ours is a / ours is b),
// with either side binding, over tcp and ipc.
func TestPairs(t *testing.T) {
	checkLeaks(t)
	for _, c := range pairCases {
		for _, oursIsA := range []bool{true, false} {
			if !oursIsA && c.a == c.b {
				continue // symmetric pair: the first round covered it
			}
			for _, oursBinds := range []bool{true, false} {
				for _, tr := range transports {
					ours := c.a
					if !oursIsA {
						ours = c.b
					}
					binder := "libzmq-binds"
					if oursBinds {
						binder = "ours-binds"
					}
					name := fmt.Sprintf("%v-%v/ours=%v/%s/%s", c.a, c.b, ours, binder, tr)
					t.Run(name, func(t *testing.T) {
						checkLeaks(t)
						var a, b end
						if oursIsA {
							a, b = ourSide(t, c.a, c.oa), theirSide(t, c.b, c.ob)
						} else {
							a, b = theirSide(t, c.a, c.oa), ourSide(t, c.b, c.ob)
						}
						// a is ours iff oursIsA; the one that binds is ours iff oursBinds.
						binderEnd, connecterEnd := a, b
						if oursIsA != oursBinds {
							binderEnd, connecterEnd = b, a
						}
						connecterEnd.connect(t, binderEnd.bind(t, tr))
						c.run(t, a, b)
					})
				}
			}
		}
	}
}

func pushPull(t *testing.T, push, pull end) {
	for i := range 3 {
		msg := b(fmt.Sprintf("task-%d", i), "", fmt.Sprintf("payload of task %d", i))
		push.send(t, msg...)
		expect(t, pull, msg...)
	}
}

func reqRep(t *testing.T, req, rep end) {
	for i := range 3 {
		req.send(t, b(fmt.Sprintf("request-%d", i))...)
		expect(t, rep, b(fmt.Sprintf("request-%d", i))...)
		rep.send(t, b(fmt.Sprintf("reply-%d", i), "second frame")...)
		expect(t, req, b(fmt.Sprintf("reply-%d", i), "second frame")...)
	}
}

func reqRouter(t *testing.T, req, router end) {
	var id []byte
	for i := range 3 {
		req.send(t, b(fmt.Sprintf("request-%d", i))...)
		got := router.recv(t)
		if len(got) != 3 || len(got[0]) == 0 || len(got[1]) != 0 || string(got[2]) != fmt.Sprintf("request-%d", i) {
			t.Fatalf("%v received %s, want [<routing id> \"\" \"request-%d\"]", router, show(got), i)
		}
		if id != nil && !bytes.Equal(id, got[0]) {
			t.Fatalf("routing id changed from %q to %q", id, got[0])
		}
		id = got[0]
		router.send(t, id, nil, []byte(fmt.Sprintf("reply-%d", i)))
		expect(t, req, b(fmt.Sprintf("reply-%d", i))...)
	}
}

func dealerRep(t *testing.T, dealer, rep end) {
	for i := range 3 {
		dealer.send(t, b("", fmt.Sprintf("request-%d", i), "tail")...)
		expect(t, rep, b(fmt.Sprintf("request-%d", i), "tail")...)
		rep.send(t, b(fmt.Sprintf("reply-%d", i))...)
		expect(t, dealer, b("", fmt.Sprintf("reply-%d", i))...)
	}
}

func dealerRouter(t *testing.T, dealer, router end) {
	// Several requests in flight before any reply: DEALER is asynchronous.
	for i := range 3 {
		dealer.send(t, b(fmt.Sprintf("job-%d", i), "arg")...)
	}
	var id []byte
	for i := range 3 {
		got := router.recv(t)
		if len(got) != 3 || len(got[0]) == 0 || string(got[1]) != fmt.Sprintf("job-%d", i) || string(got[2]) != "arg" {
			t.Fatalf("%v received %s, want [<routing id> \"job-%d\" \"arg\"]", router, show(got), i)
		}
		if id != nil && !bytes.Equal(id, got[0]) {
			t.Fatalf("routing id changed from %q to %q", id, got[0])
		}
		id = got[0]
	}
	for i := range 3 {
		router.send(t, id, []byte(fmt.Sprintf("done-%d", i)))
	}
	for i := range 3 {
		expect(t, dealer, b(fmt.Sprintf("done-%d", i))...)
	}
}

func dealerDealer(t *testing.T, x, y end) {
	for i := range 3 {
		x.send(t, b(fmt.Sprintf("x->y %d", i), "")...)
		expect(t, y, b(fmt.Sprintf("x->y %d", i), "")...)
		y.send(t, b(fmt.Sprintf("y->x %d", i))...)
		expect(t, x, b(fmt.Sprintf("y->x %d", i))...)
	}
}

// routerRouter needs both routing ids set: each side addresses the other
// by the id it announced in the handshake. With ROUTER_MANDATORY a send
// fails with EHOSTUNREACH until the handshake is done, so the first send
// is retried.
func routerRouter(t *testing.T, x, y end) {
	eventually(t, opTimeout, "router-A to learn router-B", func() bool {
		err := x.sendErr(b("router-B", "hello B")...)
		if err == nil {
			return true
		}
		if !isUnreachable(err) {
			t.Fatalf("%v: send to router-B: %v", x, err)
		}
		time.Sleep(5 * time.Millisecond)
		return false
	})
	expect(t, y, b("router-A", "hello B")...)
	y.send(t, b("router-A", "hello A", "")...)
	expect(t, x, b("router-B", "hello A", "")...)
}

func isUnreachable(err error) bool {
	return errors.Is(err, zmq.ErrHostUnreachable) || zmq4.AsErrno(err) == zmq4.Errno(syscall.EHOSTUNREACH)
}

// syncPub publishes sync messages on pub until sub, already subscribed to
// "A", receives one: after that the subscription has reached pub.
func syncPub(t *testing.T, pub, sub end) {
	t.Helper()
	eventually(t, opTimeout, fmt.Sprintf("%v to see %v's subscription", pub, sub), func() bool {
		pub.send(t, b("A", "sync")...)
		_, ok := sub.recvWithin(t, 20*time.Millisecond)
		return ok
	})
}

// expectSkipping receives on e, dropping messages equal to skip, and fails
// unless the next other message is want.
func expectSkipping(t *testing.T, e end, skip [][]byte, want ...[]byte) {
	t.Helper()
	for {
		got := e.recv(t)
		if sameFrames(got, skip) {
			continue
		}
		if !sameFrames(got, want) {
			t.Fatalf("%v received %s, want %s", e, show(got), show(want))
		}
		return
	}
}

// publishFiltered sends matching and non-matching messages and checks that
// sub receives exactly the matching ones, in order.
func publishFiltered(t *testing.T, pub, sub end) {
	t.Helper()
	pub.send(t, b("B", "not for you")...)
	pub.send(t, b("A", "one")...)
	pub.send(t, b("", "empty topic")...)
	pub.send(t, b("AB", "two")...)
	pub.send(t, b("xA", "not for you")...)
	pub.send(t, b("A", "end")...)
	expectSkipping(t, sub, b("A", "sync"), b("A", "one")...)
	expect(t, sub, b("AB", "two")...)
	expect(t, sub, b("A", "end")...)
}

func pubSub(t *testing.T, pub, sub end) {
	sub.subscribe(t, "A")
	syncPub(t, pub, sub)
	publishFiltered(t, pub, sub)
}

func pubXsub(t *testing.T, pub, xsub end) {
	// libzmq's XSUB does not filter what it receives: with our PUB this
	// checks that the publisher filters.
	xsub.send(t, []byte("\x01A"))
	syncPub(t, pub, xsub)
	publishFiltered(t, pub, xsub)
}

func xpubXsub(t *testing.T, xpub, xsub end) {
	xsub.send(t, []byte("\x01A"))
	expectPumping(t, xpub, xsub, []byte("\x01A"))
	publishFiltered(t, xpub, xsub)
	xsub.send(t, []byte("\x00A"))
	expectPumping(t, xpub, xsub, []byte("\x00A"))
}

func xpubSub(t *testing.T, xpub, sub end) {
	sub.subscribe(t, "A")
	expectPumping(t, xpub, sub, []byte("\x01A"))
	publishFiltered(t, xpub, sub)
	sub.unsubscribe(t, "A")
	expectPumping(t, xpub, sub, []byte("\x00A"))
}

func pairPair(t *testing.T, x, y end) {
	for i := range 3 {
		x.send(t, b(fmt.Sprintf("ping-%d", i), "", "x")...)
		expect(t, y, b(fmt.Sprintf("ping-%d", i), "", "x")...)
		y.send(t, b(fmt.Sprintf("pong-%d", i))...)
		expect(t, x, b(fmt.Sprintf("pong-%d", i))...)
	}
}
