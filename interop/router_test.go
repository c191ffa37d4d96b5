package interop

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// routerPeer is a DEALER or REQ talking to a ROUTER; id is the routing id
// it sets, or "" for one the ROUTER generates.
type routerPeer struct {
	typ zmq.Type
	id  string
}

var (
	namedPeers     = []routerPeer{{zmq.Dealer, "dealer-1"}, {zmq.Dealer, "dealer-2"}, {zmq.Req, "req-3"}}
	anonymousPeers = []routerPeer{{zmq.Dealer, ""}, {zmq.Dealer, ""}, {zmq.Req, ""}}
)

// TestRouterIdentities: a ROUTER on one side, DEALER and REQ peers on the
// other, each way round. The ROUTER must see each peer's ZMQ_ROUTING_ID as
// the first frame of what that peer sent, or a generated id (5 bytes, the
// first 0) for peers that set none, and route replies by it to that peer
// alone. Either the ROUTER binds and the peers connect, or each peer binds
// and the ROUTER connects to all of them.
func TestRouterIdentities(t *testing.T) {
	checkLeaks(t)
	for _, oursRouter := range []bool{true, false} {
		for _, peers := range [][]routerPeer{namedPeers, anonymousPeers} {
			for _, routerBinds := range []bool{true, false} {
				for _, tr := range transports {
					side := "libzmq-ROUTER/ours-peers"
					if oursRouter {
						side = "ours-ROUTER/libzmq-peers"
					}
					ids := "named"
					if peers[0].id == "" {
						ids = "generated"
					}
					topo := "peers-bind"
					if routerBinds {
						topo = "router-binds"
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", side, ids, topo, tr), func(t *testing.T) {
						checkLeaks(t)
						routerSide, peerSide := theirSide, ourSide
						if oursRouter {
							routerSide, peerSide = ourSide, theirSide
						}
						router := routerSide(t, zmq.Router, sockOpts{})
						var ep string
						if routerBinds {
							ep = router.bind(t, tr)
						}
						ends := make([]end, len(peers))
						for i, p := range peers {
							ends[i] = peerSide(t, p.typ, sockOpts{routingID: p.id})
							if routerBinds {
								ends[i].connect(t, ep)
							} else {
								router.connect(t, ends[i].bind(t, tr))
							}
						}
						routerScenario(t, router, peers, ends)
					})
				}
			}
		}
	}
}

// routerScenario has every peer send a request naming itself, checks the
// routing id the ROUTER sees for each, and replies to each by that id, in
// the opposite order.
func routerScenario(t *testing.T, router end, peers []routerPeer, ends []end) {
	hello := func(i int) string { return fmt.Sprintf("hello from peer %d", i) }
	for i, p := range peers {
		if p.typ == zmq.Req {
			ends[i].send(t, b(hello(i))...)
		} else {
			ends[i].send(t, b(hello(i), "dealer frame")...)
		}
	}
	ids := make([][]byte, len(peers))
	for range peers {
		got := router.recv(t)
		if len(got) < 2 {
			t.Fatalf("%v received %s, want a routing id and a request", router, show(got))
		}
		i := -1
		for j := range peers {
			if bytes.Equal(got[len(got)-1], []byte(hello(j))) || (len(got) >= 3 && bytes.Equal(got[len(got)-2], []byte(hello(j)))) {
				i = j
			}
		}
		if i < 0 || ids[i] != nil {
			t.Fatalf("%v received unexpected %s", router, show(got))
		}
		var want [][]byte
		if peers[i].typ == zmq.Req {
			want = [][]byte{got[0], {}, []byte(hello(i))}
		} else {
			want = [][]byte{got[0], []byte(hello(i)), []byte("dealer frame")}
		}
		if !sameFrames(got, want) {
			t.Fatalf("%v received %s from peer %d, want %s", router, show(got), i, show(want))
		}
		id := got[0]
		if peers[i].id != "" {
			if string(id) != peers[i].id {
				t.Fatalf("%v saw peer %d as %q, want its routing id %q", router, i, id, peers[i].id)
			}
		} else if len(id) != 5 || id[0] != 0 {
			t.Fatalf("%v generated routing id %q for peer %d, want 5 bytes starting with 0", router, id, i)
		}
		for j, other := range ids {
			if other != nil && bytes.Equal(other, id) {
				t.Fatalf("peers %d and %d share the routing id %q", j, i, id)
			}
		}
		ids[i] = bytes.Clone(id)
	}
	for i := len(peers) - 1; i >= 0; i-- {
		reply := fmt.Sprintf("reply to peer %d", i)
		if peers[i].typ == zmq.Req {
			router.send(t, ids[i], nil, []byte(reply))
			expect(t, ends[i], []byte(reply))
		} else {
			router.send(t, ids[i], []byte(reply))
			expect(t, ends[i], []byte(reply))
		}
	}
}

// TestConnectRoutingID: a ROUTER that connects with ZMQ_CONNECT_ROUTING_ID
// addresses its peer by that id at once, without hearing from it first;
// ours with a libzmq DEALER, and libzmq's with our DEALER.
func TestConnectRoutingID(t *testing.T) {
	checkLeaks(t)
	for _, oursRouter := range []bool{true, false} {
		for _, tr := range transports {
			name := "libzmq-ROUTER/ours-DEALER/" + tr
			if oursRouter {
				name = "ours-ROUTER/libzmq-DEALER/" + tr
			}
			t.Run(name, func(t *testing.T) {
				checkLeaks(t)
				var router, dealer end
				o := sockOpts{mandatory: true, connectRID: "chosen-by-router"}
				if oursRouter {
					router, dealer = ourSide(t, zmq.Router, o), theirSide(t, zmq.Dealer, sockOpts{routingID: "own-id"})
				} else {
					router, dealer = theirSide(t, zmq.Router, o), ourSide(t, zmq.Dealer, sockOpts{routingID: "own-id"})
				}
				router.connect(t, dealer.bind(t, tr))
				eventually(t, opTimeout, "the connection to the dealer", func() bool {
					err := router.sendErr(b("chosen-by-router", "first")...)
					if err == nil {
						return true
					}
					if !isUnreachable(err) {
						t.Fatalf("%v: send: %v", router, err)
					}
					time.Sleep(5 * time.Millisecond)
					return false
				})
				expect(t, dealer, b("first")...)
				dealer.send(t, b("answer")...)
				expect(t, router, b("chosen-by-router", "answer")...)
			})
		}
	}
}
