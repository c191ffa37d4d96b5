package zmq_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// Close delivers what is queued, within Linger, before it returns.
func TestCloseLingerDelivers(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, tr)
		push, err := zmq.NewSocket(zmq.Push, zmq.Linger(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		push.Connect(ep)
		const n = 1500 // within SNDHWM + RCVHWM, so Send never blocks
		for i := 0; i < n; i++ {
			if err := push.Send(tctx(t), zmq.NewMsg([]byte(fmt.Sprint(i)))); err != nil {
				t.Fatal(err)
			}
		}
		push.Close()
		for i := 0; i < n; i++ {
			expect(t, pull, fmt.Sprint(i))
		}
	})
}

// Linger 0 drops what is queued and returns at once.
func TestCloseLingerZero(t *testing.T) {
	checkLeaks(t)
	ep := freeTCP(t)
	push, _ := zmq.NewSocket(zmq.Push, zmq.Linger(0))
	push.Connect(ep)
	push.Send(tctx(t), zmq.NewMsgString("never delivered"))
	start := time.Now()
	push.Close()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close with linger 0 took %v", d)
	}
}

// Terminating the context unblocks every waiter with ErrTerminated and
// closes the sockets.
func TestContextTerm(t *testing.T) {
	checkLeaks(t)
	c := zmq.NewContext()
	pull, _ := c.NewSocket(zmq.Pull, zmq.Linger(0))
	if err := pull.Bind("inproc://term"); err != nil {
		t.Fatal(err)
	}
	push, _ := c.NewSocket(zmq.Push, zmq.Linger(0))
	errs := make(chan error, 2)
	// Without contexts that end: only Term can end these calls.
	go func() { _, err := pull.Recv(context.Background()); errs <- err }()
	go func() { errs <- push.Send(context.Background(), zmq.NewMsgString("x")) }()
	waitBlocked(t, pull, 1, 0)
	waitBlocked(t, push, 0, 1)
	if err := c.Term(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, zmq.ErrTerminated) {
				t.Fatalf("blocked call returned %v, want ErrTerminated", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked call did not return after Term")
		}
	}
	if _, err := pull.TryRecv(); !errors.Is(err, zmq.ErrTerminated) {
		t.Fatalf("after term: %v", err)
	}
	if _, err := c.NewSocket(zmq.Pull); !errors.Is(err, zmq.ErrTerminated) {
		t.Fatalf("new socket after term: %v", err)
	}
}

// A context's deadline and cancellation end a blocked Recv; a closed
// socket reports ErrClosed, which also matches net.ErrClosed.
func TestRecvCancelAndClose(t *testing.T) {
	checkLeaks(t)
	s, _ := zmq.NewSocket(zmq.Pull, zmq.Linger(0))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	// blocked runs a Recv, waits until it blocks, ends it with end and
	// returns its error.
	blocked := func(ctx context.Context, end func()) error {
		done := make(chan error, 1)
		go func() { _, err := s.Recv(ctx); done <- err }()
		waitBlocked(t, s, 1, 0)
		end()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("blocked Recv did not return")
			return nil
		}
	}
	ctx, cancel = context.WithCancel(context.Background())
	if err := blocked(ctx, cancel); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	err := blocked(context.Background(), func() { s.Close() })
	if !errors.Is(err, zmq.ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("recv on closed socket: %v", err)
	}
	if err := s.Bind("inproc://x"); !errors.Is(err, zmq.ErrClosed) {
		t.Fatalf("bind after close: %v", err)
	}
}

// Sockets are safe for concurrent use: many goroutines send and receive
// whole messages at once, and nothing is lost, duplicated or mixed up.
func TestConcurrentUse(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, tr)
		push := newSock(t, zmq.Push)
		push.Connect(ep)
		const senders, each = 4, 500
		var wg sync.WaitGroup
		for g := 0; g < senders; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					push.Send(context.Background(), zmq.NewMsgString(fmt.Sprint(g), fmt.Sprint(i)))
				}
			}()
		}
		var mu sync.Mutex
		seen := map[string]int{}
		last := map[string]int{}
		var rwg sync.WaitGroup
		for r := 0; r < 3; r++ {
			rwg.Add(1)
			go func() {
				defer rwg.Done()
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
					m, err := pull.Recv(ctx)
					cancel()
					if err != nil {
						return
					}
					mu.Lock()
					seen[string(m.Frames[0])+"/"+string(m.Frames[1])]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		rwg.Wait()
		if len(seen) != senders*each {
			t.Fatalf("received %d distinct messages, want %d", len(seen), senders*each)
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("%s received %d times", k, n)
			}
		}
		_ = last
	})
}

// The connecting side reconnects by itself after the peer goes away and
// comes back; messages sent meanwhile are queued and delivered.
func TestReconnect(t *testing.T) {
	checkLeaks(t)
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			ep := bindAddr(t, tr)
			if tr == "tcp" {
				ep = freeTCP(t)
			}
			pull, _ := zmq.NewSocket(zmq.Pull, zmq.Linger(0))
			if err := pull.Bind(ep); err != nil {
				t.Fatal(err)
			}
			push := newSock(t, zmq.Push, zmq.ReconnectInterval(10*time.Millisecond))
			push.Connect(ep)
			send(t, push, "before")
			expect(t, pull, "before")
			pull.Close()
			// Once push has seen the connection go, a message is queued
			// for the peer to come (a TrySend: nothing else may take it).
			eventually(t, "disconnection", func() bool { return zmq.ConnectedPeers(push) == 0 })
			if err := push.TrySend(zmq.NewMsgString("while-away")); err != nil {
				t.Fatalf("send while the peer is away: %v", err)
			}
			pull2 := newSock(t, zmq.Pull)
			eventually(t, "rebind", func() bool { return pull2.Bind(ep) == nil })
			send(t, push, "after")
			expect(t, pull2, "while-away")
			expect(t, pull2, "after")
		})
	}
}

// IMMEDIATE: without a live connection there is no queue, so a PUSH with
// nothing connected reports ErrWouldBlock.
func TestImmediate(t *testing.T) {
	checkLeaks(t)
	ep := freeTCP(t)
	push := newSock(t, zmq.Push, zmq.Immediate(true))
	push.Connect(ep)
	if err := push.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
		t.Fatalf("immediate without a connection: %v", err)
	}
	pull := newSock(t, zmq.Pull)
	pull.Bind(ep)
	eventually(t, "connection", func() bool { return push.TrySend(zmq.NewMsgString("y")) == nil })
	expect(t, pull, "y")
}

// A receiver that stops reading holds about HWM messages per peer, and the
// sender blocks (PUSH) once the pipeline is full.
func TestHWMBlocksSender(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull, zmq.RecvHWM(100))
		ep := bound(t, pull, tr)
		push := newSock(t, zmq.Push, zmq.SendHWM(100))
		push.Connect(ep)
		eventually(t, "connection", func() bool { return zmq.ConnectedPeers(pull) == 1 })
		sent := 0
		for ; sent < 1000000; sent++ {
			ctx, cancel := contextWithTimeout(200 * time.Millisecond)
			err := push.Send(ctx, zmq.NewMsg(make([]byte, 1000)))
			cancel()
			if err != nil {
				break
			}
		}
		if sent == 1000000 {
			t.Fatal("sender never blocked")
		}
		queued := zmq.QueuedIn(pull)
		// The socket buffers of tcp and ipc hold more on top; the queue itself
		// stays near its HWM (plus one read's worth). An inproc queue holds
		// SNDHWM + RCVHWM, as in libzmq.
		limit := 100 + 70
		if tr == "inproc" {
			limit = 200
		}
		if queued > limit {
			t.Fatalf("receiver queued %d messages with RecvHWM 100", queued)
		}
		for i := 0; i < sent; i++ {
			if _, err := pull.Recv(tctx(t)); err != nil {
				t.Fatalf("message %d of %d: %v", i, sent, err)
			}
		}
	})
}

// Conflate keeps only the newest message.
func TestConflate(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull, zmq.Conflate(true))
		ep := bound(t, pull, tr)
		push := newSock(t, zmq.Push)
		push.Connect(ep)
		for i := 0; i < 10; i++ {
			send(t, push, fmt.Sprint(i))
		}
		// Wait until the last message has arrived: then it is the only one.
		eventually(t, "arrival", func() bool { return zmq.QueuedIn(pull) == 1 && zmq.LastQueued(pull) == "9" })
		expect(t, pull, "9")
		expectNothing(t, pull, 50*time.Millisecond)
	})
}

// Closing a lingering socket while a connection is still in its handshake
// neither crashes nor hangs: that connection has no stream to flush yet.
func TestCloseDuringHandshake(t *testing.T) {
	checkLeaks(t)
	pull, err := zmq.NewSocket(zmq.Pull, zmq.Linger(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ep := bound(t, pull, "tcp")
	conn := dialTCP(t, ep)
	// Wait for the socket's signature: the engine is then in its handshake,
	// waiting for ours, which never comes.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(conn, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pull.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs")
	}
}
