package zmq_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// connectN connects n sockets of type typ to ep and waits until the bound
// socket sees all of them.
func connectN(t *testing.T, bound *zmq.Socket, ep string, typ zmq.Type, n int, opts ...zmq.Option) []*zmq.Socket {
	t.Helper()
	socks := make([]*zmq.Socket, n)
	for i := range socks {
		socks[i] = newSock(t, typ, opts...)
		if err := socks[i].Connect(ep); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, fmt.Sprintf("%d peers", n), func() bool { return zmq.ConnectedPeers(bound) == n })
	return socks
}

// 30/PIPELINE: PUSH SHALL route outgoing messages to connected peers using
// a round-robin strategy.
func TestPushRoundRobinOut(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		push := newSock(t, zmq.Push)
		ep := bound(t, push, tr)
		pulls := connectN(t, push, ep, zmq.Pull, 3)
		for i := 0; i < 6; i++ {
			send(t, push, fmt.Sprint("m", i))
		}
		// Each puller gets every third message, in order.
		got := make([][]string, 3)
		for i, p := range pulls {
			for j := 0; j < 2; j++ {
				got[i] = append(got[i], recvStrings(t, p)[0])
			}
		}
		seen := map[string]bool{}
		for _, g := range got {
			if len(g) != 2 {
				t.Fatalf("uneven distribution %v", got)
			}
			var a, b int
			fmt.Sscanf(g[0], "m%d", &a)
			fmt.Sscanf(g[1], "m%d", &b)
			if b != a+3 {
				t.Fatalf("not round-robin: %v", got)
			}
			seen[g[0]], seen[g[1]] = true, true
		}
		if len(seen) != 6 {
			t.Fatalf("messages lost or duplicated: %v", got)
		}
	})
}

// 30/PIPELINE: PULL SHALL receive incoming messages from its peers using a
// fair-queuing strategy.
func TestPullFairQueueIn(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, tr)
		pushes := connectN(t, pull, ep, zmq.Push, 2)
		for i, p := range pushes {
			send(t, p, fmt.Sprint(i, "a"))
			send(t, p, fmt.Sprint(i, "b"))
		}
		eventually(t, "4 queued messages", func() bool { return zmq.QueuedIn(pull) == 4 })
		var order []string
		for i := 0; i < 4; i++ {
			order = append(order, recvStrings(t, pull)[0])
		}
		// Whoever comes first, the two peers alternate.
		if order[0][0] == order[1][0] || order[2][0] == order[3][0] || order[0][1] != 'a' || order[2][1] != 'b' {
			t.Fatalf("not fair-queued: %v", order)
		}
	})
}

// 30/PIPELINE: PUSH SHALL block (not drop) when it has no peers.
func TestPushBlockWithoutPeers(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		push := newSock(t, zmq.Push)
		bound(t, push, tr)
		if err := push.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Fatalf("TrySend without peers: %v, want ErrWouldBlock", err)
		}
		ctx, cancel := contextWithTimeout(50 * time.Millisecond)
		defer cancel()
		if err := push.Send(ctx, zmq.NewMsgString("x")); !errors.Is(err, ctx.Err()) || ctx.Err() == nil {
			t.Fatalf("Send without peers: %v, want the context's error", err)
		}
	})
}

// A PUSH that connects before the PULL binds queues its messages and
// delivers them once the peer appears.
func TestPushQueuesBeforeBind(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		ep := bindAddr(t, tr)
		if tr == "tcp" {
			ep = freeTCP(t)
		}
		push := newSock(t, zmq.Push, zmq.ReconnectInterval(10*time.Millisecond))
		if err := push.Connect(ep); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			send(t, push, fmt.Sprint(i))
		}
		pull := newSock(t, zmq.Pull)
		if err := pull.Bind(ep); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			expect(t, pull, fmt.Sprint(i))
		}
	})
}

// Multipart messages are delivered whole and in order.
func TestMultipartAtomic(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, tr)
		push := newSock(t, zmq.Push)
		push.Connect(ep)
		frames := []string{"", "a", string(make([]byte, 255)), string(make([]byte, 256)), string(make([]byte, 70000))}
		for i := 0; i < 20; i++ {
			send(t, push, frames...)
		}
		for i := 0; i < 20; i++ {
			expect(t, pull, frames...)
		}
	})
}

// Send and Recv are not allowed on the wrong side of a pipeline.
func TestPipelineNotSupported(t *testing.T) {
	push := newSock(t, zmq.Push)
	pull := newSock(t, zmq.Pull)
	if _, err := push.TryRecv(); !errors.Is(err, zmq.ErrNotSupported) {
		t.Fatalf("recv on PUSH: %v", err)
	}
	if err := pull.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrNotSupported) {
		t.Fatalf("send on PULL: %v", err)
	}
}
