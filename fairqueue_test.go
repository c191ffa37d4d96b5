package zmq

import (
	"context"
	"net"
	"testing"
	"time"
)

// fairQueued returns the pipes in s's fair queue, after taking in the
// activations pending, as the next operation would, and the messages
// queued on them.
func fairQueued(s *Socket) (pipes, msgs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.absorb()
	var fq *fairQueue
	switch x := s.pat.(type) {
	case *routerPattern:
		fq = &x.fq
	case *dealerPattern:
		fq = &x.fq
	case *pullPattern:
		fq = &x.fq
	case *repPattern:
		fq = &x.fq
	case *reqPattern:
		fq = &x.fq
	case *subPattern:
		fq = &x.fq
	case *streamPattern:
		fq = &x.fq
	}
	for _, p := range fq.active {
		msgs += p.in.Len()
	}
	return len(fq.active), msgs
}

// Peers that went away leave the fair queue at once, unless they left
// messages whole before they went: those are still received, and the
// receive of the last one drops the peer. A socket that does not receive
// keeps nothing of its departed peers.
func TestDepartedPeersLeaveFairQueue(t *testing.T) {
	for _, tc := range []struct {
		typ, peer Type
		sends     bool // the first peer sends a message before it goes
	}{
		{Router, Dealer, true},
		{Dealer, Dealer, true},
		{Pull, Push, true},
		{Rep, Req, true},
		{Sub, Pub, true},
		{Req, Rep, false},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := NewContext()
			defer c.Term()
			s, _ := c.NewSocket(tc.typ, Linger(0))
			if tc.typ == Sub {
				s.Subscribe(nil)
			}
			if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
				t.Fatal(err)
			}
			const conns = 4
			var peers []*Socket
			for range conns {
				p, _ := c.NewSocket(tc.peer, Linger(0))
				p.Connect(s.LastEndpoint())
				peers = append(peers, p)
			}
			pollUntil(t, "the peers are connected", func() bool { return ConnectedPeers(s) == conns })
			want := 0
			if tc.sends {
				p := peers[0]
				if tc.peer == Pub {
					pollUntil(t, "the subscription reaches the publisher", func() bool {
						p.mu.Lock()
						p.absorb()
						p.mu.Unlock()
						return SubscriptionCount(p) == 1
					})
				}
				if err := p.Send(ctx, NewMsgString("last words")); err != nil {
					t.Fatal(err)
				}
				pollUntil(t, "the message arrives", func() bool { return QueuedIn(s) == 1 })
				want = 1
			}
			for _, p := range peers {
				p.Close()
			}
			pollUntil(t, "the peers are gone", func() bool { return PeerCount(s) == 0 })
			if n, msgs := fairQueued(s); n != want || msgs != want {
				t.Fatalf("%d departed peers with %d messages in the fair queue, want %d and %d", n, msgs, want, want)
			}
			if !tc.sends {
				return
			}
			m, err := s.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(m.Frames[len(m.Frames)-1]); got != "last words" {
				t.Fatalf("received %q", got)
			}
			if n, _ := fairQueued(s); n != 0 {
				t.Fatalf("%d departed peers in the fair queue after their last message", n)
			}
		})
	}
}

// The same for STREAM, whose departed peers leave a disconnection
// notification (and here some data) to receive.
func TestDepartedStreamPeersLeaveFairQueue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewContext()
	defer c.Term()
	s, _ := c.NewSocket(Stream, Linger(0))
	if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	const conns = 4
	var clients []net.Conn
	for i := range conns {
		conn, err := net.Dial("tcp", s.LastEndpoint()[len("tcp://"):])
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, conn)
		if i == 0 {
			conn.Write([]byte("last words"))
		}
		pollUntil(t, "the connection is attached", func() bool { return PeerCount(s) == i+1 })
		if i == 0 {
			pollUntil(t, "the data arrives", func() bool { return QueuedIn(s) == 2 })
		}
	}
	for _, conn := range clients {
		conn.Close()
	}
	pollUntil(t, "the peers are gone", func() bool { return PeerCount(s) == 0 })
	n, msgs := fairQueued(s)
	if n != conns || msgs != 2*conns+1 {
		t.Fatalf("%d departed peers with %d messages in the fair queue, want %d and %d", n, msgs, conns, 2*conns+1)
	}
	for range msgs {
		if _, err := s.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := fairQueued(s); n != 0 {
		t.Fatalf("%d departed peers in the fair queue after their last message", n)
	}
}
