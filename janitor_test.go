package zmq

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// Connections that once carried a large message give their receive buffers
// back when they go idle, and take one again when traffic resumes (defect 6
// of the engine review: 64 KiB per idle connection held for its life).
func TestIdleConnectionsGiveBackBuffers(t *testing.T) {
	old := idleTrim
	idleTrim = 10 * time.Millisecond
	defer func() { idleTrim = old }()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewContext()
	defer c.Term()
	pull, _ := c.NewSocket(Pull, Linger(0))
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	const conns = 50
	big := make([]byte, 64<<10)
	for i := 0; i < conns; i++ {
		push, _ := c.NewSocket(Push, Linger(time.Second))
		push.Connect(pull.LastEndpoint())
		push.Send(ctx, NewMsg(big))
		push.Send(ctx, NewMsgString("small"))
	}
	var m Msg
	for i := 0; i < 2*conns; i++ {
		if err := pull.RecvMsg(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	m.Release()

	held := func() int {
		pull.mu.Lock()
		defer pull.mu.Unlock()
		n := 0
		for p := range pull.pipes {
			if e := p.eng; e != nil {
				e.rd.mu.Lock()
				if e.rd.c != nil {
					n++
				}
				e.rd.mu.Unlock()
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for held() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d idle connections still hold a receive buffer", held(), conns)
		}
		runtime.Gosched()
		time.Sleep(idleTrim)
	}
	// Traffic resumes on a trimmed connection.
	for s := range c.sockets {
		if s.typ == Push {
			if err := s.Send(ctx, NewMsgString("again")); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < conns; i++ {
		got, err := pull.Recv(ctx)
		if err != nil || string(got.Frames[0]) != "again" {
			t.Fatalf("after trimming: %v, %v", got, err)
		}
	}
}

// setIdleTrim sets how often the janitor trims, for the sockets the test
// creates from now on.
func setIdleTrim(t *testing.T, d time.Duration) {
	old := idleTrim
	idleTrim = d
	t.Cleanup(func() { idleTrim = old })
}

// pollUntil checks cond until it holds, failing the test at a deadline.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// engines returns the live connections of s.
func engines(s *Socket) []*engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	var es []*engine
	for p := range s.pipes {
		if p.eng != nil {
			es = append(es, p.eng)
		}
	}
	return es
}

// holdsChunk reports whether e's reader holds a receive chunk. A reader
// that holds its lock is reading into one.
func holdsChunk(e *engine) bool {
	if !e.rd.mu.TryLock() {
		return true
	}
	defer e.rd.mu.Unlock()
	return e.rd.c != nil
}

// A receiving socket that polls its idle connections (a receive that finds
// nothing reads them inline) leaves their trimmed buffers given back:
// only a read that finds bytes takes a chunk.
func TestPollingReceiverLeavesTrimmedBuffers(t *testing.T) {
	setIdleTrim(t, time.Hour) // the test trims, not the janitor
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewContext()
	defer c.Term()
	pull, _ := c.NewSocket(Pull, Linger(0))
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	const conns = 8
	var pushes []*Socket
	for range conns {
		push, _ := c.NewSocket(Push, Linger(0))
		push.Connect(pull.LastEndpoint())
		push.Send(ctx, NewMsgString("hello"))
		pushes = append(pushes, push)
	}
	for range conns {
		if _, err := pull.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es := engines(pull)
	if len(es) != conns {
		t.Fatalf("%d connections, want %d", len(es), conns)
	}
	pollUntil(t, "every idle connection gave its buffer back", func() bool {
		held := false
		for _, e := range es {
			e.rd.trim()
			held = held || holdsChunk(e)
		}
		return !held
	})

	dry := func(e *engine) int {
		e.rd.mu.Lock()
		defer e.rd.mu.Unlock()
		return e.rd.dry
	}
	before := make([]int, conns)
	for i, e := range es {
		before[i] = dry(e)
	}
	// Receive until every connection was read inline and found empty
	// (reads that find nothing back off, so it takes a few receives).
	for n := 0; ; n++ {
		if _, err := pull.TryRecv(); err != ErrWouldBlock {
			t.Fatalf("TryRecv: %v", err)
		}
		polled := true
		for i, e := range es {
			polled = polled && dry(e) > before[i]
		}
		if polled {
			break
		}
		if n == 100000 {
			t.Fatal("the receives did not read every connection")
		}
	}
	for i, e := range es {
		if holdsChunk(e) {
			t.Errorf("connection %d took a receive buffer back to find nothing", i)
		}
	}

	// Traffic resumes.
	for _, push := range pushes {
		push.Send(ctx, NewMsgString("again"))
	}
	for range conns {
		if m, err := pull.Recv(ctx); err != nil || string(m.Frames[0]) != "again" {
			t.Fatalf("after trimming: %v, %v", m, err)
		}
	}
}

// Connections of sockets that never receive (PUB, PUSH) give their buffers
// back when idle too: the reader's receive chunk, and the writer's buffer
// that a large message grew.
func TestNonReceiversGiveBackBuffers(t *testing.T) {
	for _, tc := range []struct{ typ, peer Type }{{Pub, Sub}, {Push, Pull}} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			setIdleTrim(t, 10*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := NewContext()
			defer c.Term()
			s, _ := c.NewSocket(tc.typ, Linger(0))
			if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
				t.Fatal(err)
			}
			const conns = 3
			var peers []*Socket
			for i := range conns {
				p, _ := c.NewSocket(tc.peer, Linger(0))
				if tc.peer == Sub {
					// Everything, and a prefix of its own that shows
					// when its subscriptions have arrived.
					p.Subscribe(nil)
					p.Subscribe([]byte{'p', byte(i)})
				}
				p.Connect(s.LastEndpoint())
				peers = append(peers, p)
			}
			pollUntil(t, "the peers are connected", func() bool {
				if tc.typ == Pub {
					s.mu.Lock()
					s.absorb() // the subscriptions that arrived, as a send does
					s.mu.Unlock()
					return SubscriptionCount(s) == 2*conns // (prefix, peer) pairs
				}
				return ConnectedPeers(s) == conns
			})
			// Two rounds, each written in a batch of its own: the buffer
			// the first grew comes back to the senders for the second.
			body := make([]byte, 30<<10)
			for range 2 {
				n := 1
				if tc.typ == Push {
					n = conns
				}
				for range n {
					if err := s.Send(ctx, NewMsg(body)); err != nil {
						t.Fatal(err)
					}
				}
				for _, p := range peers {
					if _, err := p.Recv(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			pollUntil(t, "the idle connections gave their buffers back", func() bool {
				for _, e := range engines(s) {
					if holdsChunk(e) {
						return false
					}
					s.mu.Lock()
					grown := e.out.BufCap() > 16<<10
					s.mu.Unlock()
					if grown {
						return false
					}
				}
				return true
			})
		})
	}
}
