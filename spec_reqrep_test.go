package zmq_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// 28/REQREP: REQ SHALL route outgoing messages to connected peers using a
// round-robin strategy, and SHALL prefix them with an empty delimiter.
func TestReqRoundRobinAndDelimiter(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		req := newSock(t, zmq.Req)
		ep := bound(t, req, tr)
		routers := connectN(t, req, ep, zmq.Router, 3)
		var order []int
		for i := 0; i < 6; i++ {
			send(t, req, fmt.Sprint("q", i))
			k, m := recvAny(t, routers)
			if len(m) != 3 || m[1] != "" || m[2] != fmt.Sprint("q", i) {
				t.Fatalf("request %d at router %d: %q", i, k, m)
			}
			order = append(order, k)
			send(t, routers[k], m[0], "", "a")
			expect(t, req, "a")
		}
		// Round-robin: the first three go to three different peers, and
		// the cycle repeats.
		if order[0] == order[1] || order[1] == order[2] || order[0] == order[2] ||
			order[3] != order[0] || order[4] != order[1] || order[5] != order[2] {
			t.Fatalf("not round-robin: %v", order)
		}
	})
}

// 28/REQREP: REQ SHALL NOT send a second request before the reply, and
// SHALL NOT receive before sending (EFSM).
func TestReqStrictAlternation(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		rep := newSock(t, zmq.Rep)
		ep := bound(t, rep, tr)
		req := newSock(t, zmq.Req)
		req.Connect(ep)
		if _, err := req.TryRecv(); !errors.Is(err, zmq.ErrState) {
			t.Fatalf("recv before send: %v", err)
		}
		send(t, req, "1")
		if err := req.TrySend(zmq.NewMsgString("2")); !errors.Is(err, zmq.ErrState) {
			t.Fatalf("second send: %v", err)
		}
		expect(t, rep, "1")
		if _, err := rep.TryRecv(); !errors.Is(err, zmq.ErrState) {
			t.Fatalf("REP recv while owing a reply: %v", err)
		}
		send(t, rep, "r1")
		if err := rep.TrySend(zmq.NewMsgString("again")); !errors.Is(err, zmq.ErrState) {
			t.Fatalf("REP second send: %v", err)
		}
		expect(t, req, "r1")
	})
}

// 28/REQREP: REQ SHALL accept a reply only from the peer it sent the
// request to, discarding anything else.
func TestReqOnlyListensToCurrentPeer(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		req := newSock(t, zmq.Req, zmq.RoutingID([]byte("A")))
		ep := bound(t, req, tr)
		routers := connectN(t, req, ep, zmq.Router, 3)
		for i := 0; i < 3; i++ {
			send(t, req, "q")
			k, m := recvAny(t, routers)
			target := routers[k]
			// Every router replies; only the addressed one counts.
			for _, r := range routers {
				if r != target {
					send(t, r, "A", "", "wrong")
				}
			}
			// With the wrong replies queued at the REQ, a receive must
			// discard them and find nothing.
			eventually(t, "wrong replies queued", func() bool { return zmq.QueuedIn(req) == len(routers)-1 })
			if m, err := req.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("REQ took %q (%v) from a peer it did not ask", m.Frames, err)
			}
			send(t, target, m[0], "", "right")
			expect(t, req, "right")
		}
	})
}

// 28/REQREP: REP SHALL receive from its peers fairly, strip the envelope
// up to the empty delimiter and restore it on the reply.
func TestRepEnvelope(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		rep := newSock(t, zmq.Rep)
		ep := bound(t, rep, tr)
		dealer := newSock(t, zmq.Dealer)
		dealer.Connect(ep)
		send(t, dealer, "id1", "id2", "", "body", "more")
		expect(t, rep, "body", "more")
		send(t, rep, "reply")
		expect(t, dealer, "id1", "id2", "", "reply")
		// A request without a delimiter is malformed and dropped.
		send(t, dealer, "no-delimiter")
		send(t, dealer, "", "ok")
		expect(t, rep, "ok")
		send(t, rep, "done")
		expect(t, dealer, "", "done")
	})
}

// REQ_CORRELATE with REQ_RELAXED: a new request may be sent before the old
// reply, and a late reply to the old one is ignored.
func TestReqCorrelateRelaxed(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		router := newSock(t, zmq.Router)
		ep := bound(t, router, tr)
		req := newSock(t, zmq.Req, zmq.ReqCorrelate(true), zmq.ReqRelaxed(true))
		req.Connect(ep)
		send(t, req, "first")
		m1 := recvStrings(t, router)
		if len(m1) != 4 || len(m1[1]) != 4 || m1[2] != "" {
			t.Fatalf("correlated request %q", m1)
		}
		send(t, req, "second")
		m2 := recvStrings(t, router)
		if m2[1] == m1[1] {
			t.Fatal("request ids repeat")
		}
		send(t, router, m1[0], m1[1], "", "late")
		send(t, router, m2[0], m2[1], "", "answer")
		expect(t, req, "answer")
	})
}

// 28/REQREP: DEALER SHALL route outgoing messages round-robin and receive
// fairly.
func TestDealerRoundRobinFairQueue(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		dealer := newSock(t, zmq.Dealer)
		ep := bound(t, dealer, tr)
		reps := connectN(t, dealer, ep, zmq.Rep, 2)
		send(t, dealer, "", "a")
		send(t, dealer, "", "b")
		got := map[string]int{}
		for i, r := range reps {
			m := recvStrings(t, r)
			got[m[0]] = i
			send(t, r, fmt.Sprint("from", i))
		}
		if len(got) != 2 {
			t.Fatalf("not round-robin: %v", got)
		}
		seen := map[string]bool{}
		for i := 0; i < 2; i++ {
			m := recvStrings(t, dealer)
			seen[m[1]] = true
		}
		if !seen["from0"] || !seen["from1"] {
			t.Fatalf("replies %v", seen)
		}
		if err := newSock(t, zmq.Dealer).TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Fatalf("DEALER without peers: %v", err)
		}
	})
}

// ROUTER prefixes each message with the routing id of its sender, known
// from the peer's identity or made up (5 bytes starting with 0), and routes
// replies by it.
func TestRouterIdentities(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		router := newSock(t, zmq.Router)
		ep := bound(t, router, tr)
		named := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("named")))
		anon := newSock(t, zmq.Dealer)
		named.Connect(ep)
		anon.Connect(ep)
		send(t, named, "hi")
		expect(t, router, "named", "hi")
		send(t, anon, "hi")
		m := recvStrings(t, router)
		if len(m[0]) != 5 || m[0][0] != 0 {
			t.Fatalf("auto id %q", m[0])
		}
		send(t, router, m[0], "to-anon")
		send(t, router, "named", "to-named")
		expect(t, anon, "to-anon")
		expect(t, named, "to-named")
	})
}

// ROUTER_MANDATORY: an unknown routing id is an error, not a silent drop.
func TestRouterMandatory(t *testing.T) {
	router := newSock(t, zmq.Router)
	if err := router.TrySend(zmq.NewMsgString("nobody", "x")); err != nil {
		t.Fatalf("default ROUTER drops silently, got %v", err)
	}
	router.SetOption(zmq.RouterMandatory(true))
	if err := router.TrySend(zmq.NewMsgString("nobody", "x")); !errors.Is(err, zmq.ErrHostUnreachable) {
		t.Fatalf("mandatory: %v", err)
	}
}

// ROUTER_HANDOVER: a second peer with the same identity is refused unless
// handover is on, in which case it takes over.
func TestRouterHandover(t *testing.T) {
	for _, handover := range []bool{false, true} {
		t.Run(fmt.Sprint("handover=", handover), func(t *testing.T) {
			checkLeaks(t)
			router := newSock(t, zmq.Router, zmq.RouterHandover(handover))
			ep := bound(t, router, "tcp")
			first := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("X")))
			first.Connect(ep)
			send(t, first, "one")
			expect(t, router, "X", "one")
			second := newSock(t, zmq.Dealer, zmq.RoutingID([]byte("X")))
			second.Connect(ep)
			send(t, second, "two")
			if handover {
				expect(t, router, "X", "two")
				send(t, router, "X", "for-second")
				expect(t, second, "for-second")
			} else {
				expectNothing(t, router, 100*time.Millisecond)
				send(t, router, "X", "for-first")
				expect(t, first, "for-first")
			}
		})
	}
}

// PROBE_ROUTER: a DEALER announces itself with an empty message on connect.
func TestProbeRouter(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		router := newSock(t, zmq.Router)
		ep := bound(t, router, tr)
		dealer := newSock(t, zmq.Dealer, zmq.ProbeRouter(true), zmq.RoutingID([]byte("P")))
		dealer.Connect(ep)
		expect(t, router, "P", "")
	})
}
