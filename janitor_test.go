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
