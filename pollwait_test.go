package zmq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// recvResult is what a receive in a goroutine of the test returned.
type recvResult struct {
	m   zmq.Msg
	err error
}

// startRecv starts a receive on s and returns where its result will
// arrive.
func startRecv(s *zmq.Socket, ctx context.Context) <-chan recvResult {
	res := make(chan recvResult, 1)
	go func() {
		m, err := s.Recv(ctx)
		res <- recvResult{m, err}
	}()
	return res
}

// recvInBackground starts a receive on s and returns where its result
// will arrive, once the receive waits: on Linux with more than one P, in
// poll(2) (pollwait.go).
func recvInBackground(t *testing.T, s *zmq.Socket, ctx context.Context) <-chan recvResult {
	t.Helper()
	before := zmq.PollWaitsForTest()
	res := startRecv(s, ctx)
	waitBlocked(t, s, 1, 0)
	if runtime.GOOS == "linux" && runtime.GOMAXPROCS(0) > 1 { // see pollable
		eventually(t, "a receive waiting in poll(2)", func() bool { return zmq.PollWaitsForTest() > before })
	}
	return res
}

// result waits for a background receive's result.
func result(t *testing.T, res <-chan recvResult) recvResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the receive was not woken within 5s")
	}
	panic("unreachable")
}

// A receive waiting in poll(2) on its connections is woken by everything
// that wakes a receive waiting on its channel: bytes on the connection it
// polls, a message from an inproc peer or a connection it does not poll, a
// peer that connects or reconnects, the end of its context, Close and
// Term.
func TestPollWaitWakes(t *testing.T) {
	type env struct {
		c          *zmq.Context
		pull, push *zmq.Socket
		tcp, inp   string
	}
	cases := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		act     func(t *testing.T, e *env, cancel context.CancelFunc)
		want    string // the message, or
		wantErr error
	}{
		{"message on the polled connection", nil, func(t *testing.T, e *env, _ context.CancelFunc) {
			send(t, e.push, "tcp")
		}, "tcp", nil},
		{"inproc message", nil, func(t *testing.T, e *env, _ context.CancelFunc) {
			p := ctxSock(t, e.c, zmq.Push)
			if err := p.Connect(e.inp); err != nil {
				t.Fatal(err)
			}
			send(t, p, "inproc")
		}, "inproc", nil},
		{"new tcp peer", nil, func(t *testing.T, e *env, _ context.CancelFunc) {
			p := ctxSock(t, e.c, zmq.Push)
			if err := p.Connect(e.tcp); err != nil {
				t.Fatal(err)
			}
			send(t, p, "newcomer")
		}, "newcomer", nil},
		{"peer gone, another comes", nil, func(t *testing.T, e *env, _ context.CancelFunc) {
			e.push.Close()
			p := ctxSock(t, e.c, zmq.Push)
			if err := p.Connect(e.tcp); err != nil {
				t.Fatal(err)
			}
			send(t, p, "after")
		}, "after", nil},
		{"context cancelled", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			func(t *testing.T, _ *env, cancel context.CancelFunc) { cancel() }, "", context.Canceled},
		{"context deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, func(*testing.T, *env, context.CancelFunc) {}, "", context.DeadlineExceeded},
		{"socket closed", nil, func(t *testing.T, e *env, _ context.CancelFunc) { e.pull.Close() }, "", zmq.ErrClosed},
		{"context terminated", nil, func(t *testing.T, e *env, _ context.CancelFunc) { e.c.Term() }, "", zmq.ErrTerminated},
	}
	for _, tc := range cases {
		for _, tr := range []string{"tcp", "ipc"} {
			t.Run(tc.name+"/"+tr, func(t *testing.T) {
				checkLeaks(t)
				e := &env{c: newContext(t)}
				e.pull = ctxSock(t, e.c, zmq.Pull)
				e.tcp = bound(t, e.pull, tr)
				e.inp = "inproc://pollwait-" + fmt.Sprint(rand.Uint64())
				if err := e.pull.Bind(e.inp); err != nil {
					t.Fatal(err)
				}
				e.push = ctxSock(t, e.c, zmq.Push)
				if err := e.push.Connect(e.tcp); err != nil {
					t.Fatal(err)
				}
				send(t, e.push, "first")
				expect(t, e.pull, "first")

				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if tc.ctx != nil {
					ctx, cancel = tc.ctx()
				}
				defer cancel()
				res := recvInBackground(t, e.pull, ctx)
				tc.act(t, e, cancel)
				r := result(t, res)
				if tc.wantErr != nil {
					if !errors.Is(r.err, tc.wantErr) {
						t.Fatalf("receive returned %q, %v; want %v", r.m.Frames, r.err, tc.wantErr)
					}
					return
				}
				if r.err != nil || len(r.m.Frames) != 1 || string(r.m.Frames[0]) != tc.want {
					t.Fatalf("receive returned %q, %v; want %q", r.m.Frames, r.err, tc.want)
				}
			})
		}
	}
}

// Several receives on one socket waiting in poll(2) each get a message:
// the one woken hands the turn on.
func TestPollWaitManyReceivers(t *testing.T) {
	checkLeaks(t)
	push, pull := pushPull(t, "tcp")
	send(t, push, "first")
	expect(t, pull, "first")
	const n = 3
	res := make([]<-chan recvResult, n)
	for i := range n {
		res[i] = startRecv(pull, tctx(t))
	}
	waitBlocked(t, pull, n, 0)
	for i := range n {
		send(t, push, fmt.Sprint(i))
	}
	seen := map[string]bool{}
	for i := range n {
		r := result(t, res[i])
		if r.err != nil {
			t.Fatal(r.err)
		}
		seen[string(r.m.Frames[0])] = true
	}
	if len(seen) != n {
		t.Fatalf("received %v", seen)
	}
}

// More receives wait at once than may wait in poll(2) (four, process-wide):
// the others wait on their channels, and every one gets its message.
func TestPollWaitBeyondTheCap(t *testing.T) {
	checkLeaks(t)
	const n = 7
	pushes := make([]*zmq.Socket, n)
	res := make([]<-chan recvResult, n)
	for i := range n {
		push, pull := pushPull(t, "tcp")
		send(t, push, "first")
		expect(t, pull, "first")
		pushes[i] = push
		res[i] = startRecv(pull, tctx(t))
		waitBlocked(t, pull, 1, 0)
	}
	for i, push := range pushes {
		send(t, push, fmt.Sprint("to ", i))
	}
	for i := range n {
		if r := result(t, res[i]); r.err != nil || string(r.m.Frames[0]) != fmt.Sprint("to ", i) {
			t.Fatalf("receiver %d: %q, %v", i, r.m.Frames, r.err)
		}
	}
}

// REQ and REP write their messages from the sending goroutine while the
// connection's writer sleeps (pipe.Out.FlushInline); under CURVE the
// sender seals them too (engine.inlineSeal). A message larger than the
// socket buffers takes what the connection accepts at once and leaves the
// rest to the writer: Send returns without waiting for the peer, and the
// peer gets the message whole; replies of every size come back intact, in
// order. With each of a sender's writes cut to 100 bytes, every message
// goes in part from the sender and in part from the writer, which must
// write CURVE's rest as sealed, not seal it again.
func TestInlineSends(t *testing.T) {
	for _, mech := range []string{"NULL", "CURVE"} {
		for _, tr := range []string{"tcp", "ipc"} {
			for _, cut := range []int{0, 100} {
				t.Run(fmt.Sprintf("%s/%s/cut=%d", mech, tr, cut), func(t *testing.T) {
					inlineSends(t, mech, tr, cut)
				})
			}
		}
	}
}

func inlineSends(t *testing.T, mech, tr string, cut int) {
	checkLeaks(t)
	var repOpts, reqOpts []zmq.Option
	if mech == "CURVE" {
		server, client := newCurvePair(t), newCurvePair(t)
		repOpts, reqOpts = server.serverOpts(), client.clientOpts(server.pub)
	}
	defer zmq.SetInlineWriteCapForTest(cut)()
	rep := newSock(t, zmq.Rep, repOpts...)
	req := newSock(t, zmq.Req, reqOpts...)
	if err := req.Connect(bound(t, rep, tr)); err != nil {
		t.Fatal(err)
	}
	send(t, req, "hello")
	expect(t, rep, "hello")
	send(t, rep, "hi")
	expect(t, req, "hi")
	before := zmq.InlineWritesForTest(req, rep)

	// The REP does not receive yet: 16 MiB cannot fit the sockets'
	// buffers, and Send must not wait for it.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := req.Send(ctx, zmq.NewMsg(big)); err != nil {
		t.Fatalf("sending 16 MiB to a peer that does not read: %v", err)
	}
	m, err := rep.Recv(tctx(t))
	if err != nil || len(m.Frames) != 1 || !bytes.Equal(m.Frames[0], big) {
		t.Fatalf("the 16 MiB message arrived as %d frames, %v", len(m.Frames), err)
	}
	send(t, rep, "got it")
	expect(t, req, "got it")

	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		size := r.IntN(1 << uint(r.IntN(19)))
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(i + j)
		}
		if err := req.Send(tctx(t), zmq.NewMsg([]byte(fmt.Sprint(i)), b)); err != nil {
			t.Fatal(err)
		}
		m, err := rep.Recv(tctx(t))
		if err != nil || len(m.Frames) != 2 || string(m.Frames[0]) != fmt.Sprint(i) || !bytes.Equal(m.Frames[1], b) {
			t.Fatalf("request %d (%d bytes) arrived damaged: %v", i, size, err)
		}
		if err := rep.Send(tctx(t), zmq.NewMsg(b, []byte(fmt.Sprint(i)))); err != nil {
			t.Fatal(err)
		}
		m, err = req.Recv(tctx(t))
		if err != nil || len(m.Frames) != 2 || string(m.Frames[1]) != fmt.Sprint(i) || !bytes.Equal(m.Frames[0], b) {
			t.Fatalf("reply %d (%d bytes) arrived damaged: %v", i, size, err)
		}
	}
	// Most messages went while the writer slept: at least one side of
	// most round trips wrote its message itself.
	if n := zmq.InlineWritesForTest(req, rep) - before; n < 300 {
		t.Fatalf("senders wrote %d batches themselves in 301 round trips", n)
	}
}

// A REQ that sends a large message and closes at once still delivers it:
// the part its writer carries over is flushed within Linger.
func TestInlineSendThenClose(t *testing.T) {
	checkLeaks(t)
	rep := newSock(t, zmq.Rep)
	ep := bound(t, rep, "tcp")
	req, err := zmq.NewSocket(zmq.Req, zmq.Linger(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Connect(ep); err != nil {
		t.Fatal(err)
	}
	send(t, req, "hello")
	expect(t, rep, "hello")
	send(t, rep, "hi")
	expect(t, req, "hi")
	big := bytes.Repeat([]byte("z"), 8<<20)
	if err := req.Send(tctx(t), zmq.NewMsg(big)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		req.Close()
		close(closed)
	}()
	m, err := rep.Recv(tctx(t))
	if err != nil || len(m.Frames) != 1 || !bytes.Equal(m.Frames[0], big) {
		t.Fatalf("the message sent before Close arrived as %d frames, %v", len(m.Frames), err)
	}
	<-closed
}

// Receives that wait in poll(2) with contexts of their own each notice
// their own context's end, whether a context is used for one receive or
// reused for many, and another's end does not disturb them.
func TestPollWaitContexts(t *testing.T) {
	checkLeaks(t)
	push, pull := pushPull(t, "tcp")
	send(t, push, "first")
	expect(t, pull, "first")

	reused, cancelReused := context.WithCancel(context.Background())
	defer cancelReused()
	for i := range 3 {
		res := recvInBackground(t, pull, reused)
		send(t, push, fmt.Sprint(i))
		if r := result(t, res); r.err != nil || string(r.m.Frames[0]) != fmt.Sprint(i) {
			t.Fatalf("receive %d with the reused context: %q, %v", i, r.m.Frames, r.err)
		}
	}

	a, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	resA := startRecv(pull, a)
	waitBlocked(t, pull, 1, 0)
	resB := startRecv(pull, reused)
	waitBlocked(t, pull, 2, 0)
	cancelA()
	if r := result(t, resA); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the receive whose context ended returned %q, %v", r.m.Frames, r.err)
	}
	cancelReused()
	if r := result(t, resB); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the receive with the reused context returned %q, %v", r.m.Frames, r.err)
	}
}
