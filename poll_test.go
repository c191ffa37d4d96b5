package zmq_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// pollNow returns the sockets ready at once, by socket.
func pollNow(t *testing.T, p *zmq.Poller) map[*zmq.Socket]zmq.Events {
	t.Helper()
	got, err := p.Poll(0)
	if err != nil {
		t.Fatalf("Poll(0): %v", err)
	}
	m := map[*zmq.Socket]zmq.Events{}
	for _, pd := range got {
		m[pd.Socket] = pd.Events
	}
	return m
}

// waitFor waits until s shows want.
func waitFor(t *testing.T, p *zmq.Poller, s *zmq.Socket, want zmq.Events) {
	t.Helper()
	ctx := tctx(t)
	for {
		got, err := p.Wait(ctx)
		if err != nil {
			t.Fatalf("waiting for %v on a %v: %v", want, s.Type(), err)
		}
		for _, pd := range got {
			if pd.Socket == s && pd.Events&want == want {
				return
			}
		}
	}
}

// On every transport, a PULL is ready to receive exactly while a message
// waits, and a PUSH ready to send once connected.
func TestPollerTransports(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc", "inproc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			push, pull := pushPull(t, tr)
			p := zmq.NewPoller()
			defer p.Close()
			if err := p.Add(pull, zmq.PollIn); err != nil {
				t.Fatal(err)
			}
			if err := p.Add(push, zmq.PollOut); err != nil {
				t.Fatal(err)
			}
			waitFor(t, p, push, zmq.PollOut)
			if got := pollNow(t, p); got[pull] != 0 {
				t.Fatalf("an empty PULL polled %v", got[pull])
			}
			for i := range 20 {
				send(t, push, fmt.Sprint(i), "x")
				waitFor(t, p, pull, zmq.PollIn)
				expect(t, pull, fmt.Sprint(i), "x")
				if got := pollNow(t, p); got[pull] != 0 {
					t.Fatalf("round %d: the PULL polled %v after its message was received", i, got[pull])
				}
			}
			// Several queued: ready until the last is taken.
			for i := range 5 {
				send(t, push, fmt.Sprint(i))
			}
			for i := range 5 {
				waitFor(t, p, pull, zmq.PollIn)
				expect(t, pull, fmt.Sprint(i))
			}
			if got := pollNow(t, p); got[pull] != 0 {
				t.Fatalf("the PULL polled %v when drained", got[pull])
			}
		})
	}
}

// One poller over many sockets on all transports reports exactly those
// that have messages.
func TestPollerManySockets(t *testing.T) {
	checkLeaks(t)
	const n = 60
	p := zmq.NewPoller()
	defer p.Close()
	pushes := make([]*zmq.Socket, n)
	pulls := make([]*zmq.Socket, n)
	for i := range n {
		pushes[i], pulls[i] = pushPull(t, []string{"tcp", "ipc", "inproc"}[i%3])
		if err := p.Add(pulls[i], zmq.PollIn); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 10 {
		var want []int
		for i := range n {
			if r.IntN(3) == 0 {
				want = append(want, i)
				send(t, pushes[i], fmt.Sprint(round, "-", i))
			}
		}
		// Gather readiness until every socket sent to has shown it.
		seen := map[int]bool{}
		ctx := tctx(t)
		for len(seen) < len(want) {
			got, err := p.Wait(ctx)
			if err != nil {
				t.Fatalf("round %d: %v with %d of %d seen", round, err, len(seen), len(want))
			}
			for _, pd := range got {
				i := slices.Index(pulls, pd.Socket)
				if !slices.Contains(want, i) || pd.Events != zmq.PollIn {
					t.Fatalf("round %d: socket %d polled %v, not sent to", round, i, pd.Events)
				}
				if !seen[i] {
					seen[i] = true
					expect(t, pulls[i], fmt.Sprint(round, "-", i))
				}
			}
		}
		if got := pollNow(t, p); len(got) != 0 {
			t.Fatalf("round %d: %d sockets ready after all was received", round, len(got))
		}
	}
}

// A poller waiting on a socket takes nothing from a Recv blocked on it:
// the Recv gets the message, whichever of them looks first; and a Recv
// that starts after the poller reported the socket ready gets it too.
func TestPollerConcurrentRecv(t *testing.T) {
	for _, tr := range []string{"tcp", "inproc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			push, pull := pushPull(t, tr)
			p := zmq.NewPoller()
			defer p.Close()
			if err := p.Add(pull, zmq.PollIn); err != nil {
				t.Fatal(err)
			}
			for i := range 50 {
				ctx, cancel := context.WithCancel(context.Background())
				polled := make(chan error, 1)
				go func() {
					_, err := p.Wait(ctx)
					polled <- err
				}()
				res := startRecv(pull, tctx(t))
				waitBlocked(t, pull, 1, 0)
				send(t, push, fmt.Sprint(i))
				if r := result(t, res); r.err != nil || string(r.m.Frames[0]) != fmt.Sprint(i) {
					t.Fatalf("round %d: the blocked Recv got %q, %v", i, r.m.Frames, r.err)
				}
				cancel()
				<-polled
			}
			// With no Recv waiting, the poller sees the message, and a Recv
			// then gets it at once.
			send(t, push, "last")
			waitFor(t, p, pull, zmq.PollIn)
			m, err := pull.TryRecv()
			if err != nil || string(m.Frames[0]) != "last" {
				t.Fatalf("after the poller saw it: %q, %v", m.Frames, err)
			}
		})
	}
}

// Readiness follows each pattern's rules: REQ and REP alternate; a SUB is
// not ready for messages it does not subscribe to; PUSH is ready to send
// only with a peer that has room; PUB and ROUTER always are.
func TestPollerPatterns(t *testing.T) {
	checkLeaks(t)
	p := zmq.NewPoller()
	defer p.Close()

	rep := newSock(t, zmq.Rep)
	req := newSock(t, zmq.Req)
	if err := req.Connect(bound(t, rep, "tcp")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*zmq.Socket{rep, req} {
		if err := p.Add(s, zmq.PollIn|zmq.PollOut); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, p, req, zmq.PollOut)
	if got := pollNow(t, p); got[rep] != 0 || got[req] != zmq.PollOut {
		t.Fatalf("before a request: REP %v, REQ %v; want 0 and PollOut", got[rep], got[req])
	}
	send(t, req, "ping")
	waitFor(t, p, rep, zmq.PollIn)
	if got := pollNow(t, p); got[req] != 0 || got[rep] != zmq.PollIn {
		t.Fatalf("request sent: REQ %v, REP %v; want 0 and PollIn", got[req], got[rep])
	}
	expect(t, rep, "ping")
	if got := pollNow(t, p); got[rep] != zmq.PollOut {
		t.Fatalf("request received: REP %v, want PollOut", got[rep])
	}
	send(t, rep, "pong")
	waitFor(t, p, req, zmq.PollIn)
	expect(t, req, "pong")

	// An XPUB in manual mode that subscribes its subscriber to everything
	// sends it what it did not ask for: the SUB's own filter drops that,
	// and readiness with it.
	xpub := newSock(t, zmq.XPub, zmq.XPubManual(true))
	sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("A")))
	if err := sub.Connect(bound(t, xpub, "inproc")); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(sub, zmq.PollIn|zmq.PollOut); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(xpub, zmq.PollIn|zmq.PollOut); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, xpub, zmq.PollIn)
	expect(t, xpub, "\x01A")
	if err := xpub.Subscribe(nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		send(t, xpub, "B", fmt.Sprint(i))
	}
	send(t, xpub, "A", "wanted")
	waitFor(t, p, sub, zmq.PollIn)
	if got := pollNow(t, p); got[xpub] != zmq.PollOut || got[sub] != zmq.PollIn {
		t.Fatalf("XPUB %v, SUB %v; want PollOut and PollIn", got[xpub], got[sub])
	}
	expect(t, sub, "A", "wanted")
	// Over inproc a sent message is at the SUB when Send returns, and
	// polling takes it in: unwanted ones make no readiness.
	for i := range 3 {
		send(t, xpub, "B", fmt.Sprint("unwanted ", i))
	}
	if got := pollNow(t, p); got[sub] != 0 {
		t.Fatalf("a SUB with only unwanted messages polled %v", got[sub])
	}
	send(t, xpub, "A", "sentinel")
	waitFor(t, p, sub, zmq.PollIn)
	expect(t, sub, "A", "sentinel")

	router := newSock(t, zmq.Router)
	if err := p.Add(router, zmq.PollOut); err != nil {
		t.Fatal(err)
	}
	if got := pollNow(t, p); got[router] != zmq.PollOut {
		t.Fatalf("a ROUTER polled %v, want PollOut", got[router])
	}

	// A PUSH without a peer cannot send; with one at its high-water mark
	// neither; once the peer takes a message it can again.
	push := newSock(t, zmq.Push, zmq.SendHWM(2))
	if err := p.Add(push, zmq.PollOut); err != nil {
		t.Fatal(err)
	}
	if got := pollNow(t, p); got[push] != 0 {
		t.Fatalf("a PUSH without a peer polled %v", got[push])
	}
	pull := newSock(t, zmq.Pull, zmq.RecvHWM(2))
	if err := push.Connect(bound(t, pull, "inproc")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, push, zmq.PollOut)
	sent := 0
	for push.TrySend(zmq.NewMsgString(fmt.Sprint(sent))) == nil {
		sent++
	}
	if got := pollNow(t, p); got[push] != 0 {
		t.Fatalf("a PUSH whose peer is full (%d sent) polled %v", sent, got[push])
	}
	for i := range sent {
		expect(t, pull, fmt.Sprint(i))
	}
	waitFor(t, p, push, zmq.PollOut)
}

// Bad arguments, closed sockets, a closed poller, a context's end and a
// timeout each end a wait as documented.
func TestPollerErrors(t *testing.T) {
	checkLeaks(t)
	p := zmq.NewPoller()
	pull := newSock(t, zmq.Pull)
	bound(t, pull, "inproc")
	if err := p.Add(nil, zmq.PollIn); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("Add(nil): %v", err)
	}
	if err := p.Add(pull, 4); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("Add with events 4: %v", err)
	}
	if err := p.Add(pull, zmq.PollIn); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(pull, zmq.PollIn); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("a second Add: %v", err)
	}
	other := newSock(t, zmq.Pull)
	if err := p.Remove(other); !errors.Is(err, zmq.ErrNotPolled) {
		t.Errorf("Remove of a socket not added: %v", err)
	}
	if err := p.Update(other, zmq.PollIn); !errors.Is(err, zmq.ErrNotPolled) {
		t.Errorf("Update of a socket not added: %v", err)
	}
	start := time.Now()
	if got, err := p.Poll(30 * time.Millisecond); err != nil || len(got) != 0 {
		t.Errorf("Poll with nothing ready: %v, %v", got, err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("Poll(30ms) returned after %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past its deadline: %v", err)
	}

	// A socket closed during a wait ends it.
	waited := make(chan error, 1)
	go func() {
		_, err := p.Wait(context.Background())
		waited <- err
	}()
	pull.Close()
	if err := <-waited; !errors.Is(err, zmq.ErrClosed) {
		t.Errorf("Wait on a socket closed meanwhile: %v", err)
	}
	if err := p.Remove(pull); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(other, zmq.PollIn); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := p.Wait(context.Background())
		waited <- err
	}()
	p.Close()
	if err := <-waited; !errors.Is(err, zmq.ErrClosed) {
		t.Errorf("Wait on a poller closed meanwhile: %v", err)
	}
	if err := p.Add(other, zmq.PollIn); !errors.Is(err, zmq.ErrClosed) {
		t.Errorf("Add to a closed poller: %v", err)
	}
}

// Ready's channel joins a select with other channels.
func TestPollerReadySelect(t *testing.T) {
	checkLeaks(t)
	push, pull := pushPull(t, "tcp")
	p := zmq.NewPoller()
	defer p.Close()
	if err := p.Add(pull, zmq.PollIn); err != nil {
		t.Fatal(err)
	}
	other := make(chan string, 1)
	go func() { send(t, push, "hello") }()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-p.Ready():
			if got := pollNow(t, p); got[pull] == zmq.PollIn {
				expect(t, pull, "hello")
				return
			}
		case s := <-other:
			t.Fatal(s)
		case <-deadline:
			t.Fatal("the poller never reported the message")
		}
	}
}

// WaitTimeout ends on the timeout (no sockets, no error), on the context
// (its error), or with the ready sockets; Update with no events leaves a
// socket unwatched until it gets some again.
func TestPollerWaitTimeoutAndUnwatched(t *testing.T) {
	checkLeaks(t)
	p := zmq.NewPoller()
	defer p.Close()
	pull := newSock(t, zmq.Pull)
	push := newSock(t, zmq.Push)
	if err := push.Connect(bound(t, pull, "inproc")); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(pull, zmq.PollIn); err != nil {
		t.Fatal(err)
	}
	if got, err := p.WaitTimeout(context.Background(), 20*time.Millisecond); err != nil || len(got) != 0 {
		t.Fatalf("nothing ready: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.WaitTimeout(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: %v", err)
	}

	send(t, push, "m")
	if err := p.Update(pull, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := p.WaitTimeout(context.Background(), 20*time.Millisecond); err != nil || len(got) != 0 {
		t.Fatalf("an unwatched socket was reported: %v, %v", got, err)
	}
	if err := p.Update(pull, zmq.PollIn); err != nil {
		t.Fatal(err)
	}
	got, err := p.WaitTimeout(context.Background(), -1)
	if err != nil || len(got) != 1 || got[0].Socket != pull || got[0].Events != zmq.PollIn {
		t.Fatalf("watched again: %v, %v", got, err)
	}
}
