package zmq_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// The tests below race inproc connects against binds, connects and
// closes of the peer, many times over, each time with fresh sockets in a
// fresh context.

// errHung reports two operations that did not finish together in time.
var errHung = errors.New("hung")

// together runs f and g from two goroutines released at the same moment
// and returns the first error. If they have not both returned within 5
// seconds it logs every goroutine's stack and returns errHung: the hung
// goroutines are left be, and so must their sockets, whose Close would
// hang too.
func together(t *testing.T, f, g func() error) error {
	begin := make(chan struct{})
	errs := make(chan error, 2)
	for _, fn := range []func() error{f, g} {
		go func() {
			<-begin
			errs <- fn()
		}()
	}
	close(begin)
	hang := time.NewTimer(5 * time.Second)
	defer hang.Stop()
	var first error
	for range 2 {
		select {
		case err := <-errs:
			if first == nil {
				first = err
			}
		case <-hang.C:
			t.Logf("goroutines:\n%s", allStacks())
			return errHung
		}
	}
	return first
}

// inTime runs f as together does, alone.
func inTime(t *testing.T, f func() error) error {
	return together(t, f, func() error { return nil })
}

// allStacks returns the stacks of all goroutines.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// repeat runs iteration with fresh sockets of a fresh context, which it
// terminates afterwards unless the iteration hung, until it fails, iters
// times or for budget, whichever comes first.
func repeat(t *testing.T, iters int, budget time.Duration, iteration func(i int, c *zmq.Context) error) {
	checkLeaks(t)
	if testing.Short() {
		iters = max(iters/10, 1)
	}
	start := time.Now()
	i := 0
	for ; i < iters && time.Since(start) < budget; i++ {
		c := zmq.NewContext()
		err := iteration(i, c)
		if !errors.Is(err, errHung) {
			c.Term()
		}
		if err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
	}
	t.Logf("%d iterations in %v", i, time.Since(start).Round(time.Millisecond))
}

// newSockets returns a socket of each type in c, with Linger 0.
func newSockets(c *zmq.Context, types ...zmq.Type) ([]*zmq.Socket, error) {
	var socks []*zmq.Socket
	for _, typ := range types {
		s, err := c.NewSocket(typ, zmq.Linger(0))
		if err != nil {
			return nil, err
		}
		socks = append(socks, s)
	}
	return socks, nil
}

// crossCase is a pair of socket types for TestInprocCrossConnect, and how
// to check that the n connections each way they made work (nil: no check).
type crossCase struct {
	a, b  zmq.Type
	check func(ctx context.Context, a, b *zmq.Socket, n int) error
}

var crossCases = []crossCase{
	{zmq.Dealer, zmq.Dealer, checkDealerDealer},
	{zmq.Router, zmq.Dealer, checkRouterDealer},
	{zmq.Push, zmq.Pull, checkPushPull},
	// A PAIR takes one peer: which of the connections survives, if any,
	// depends on the race (in libzmq too), so only the connects are
	// checked.
	{zmq.Pair, zmq.Pair, nil},
}

// crossEndpoints is how many endpoints each socket binds and the other
// connects to in one iteration: more chances for the connects to meet.
const crossEndpoints = 4

// Two sockets that bind inproc endpoints and connect to each other at the
// same time must not deadlock: the connect of each completes on the other
// (the binding socket) while the other's connect completes on it. The
// connections then carry messages.
func TestInprocCrossConnect(t *testing.T) {
	// Enough iterations to hit the interleaving that deadlocked in every
	// run, yet a few seconds with the race detector.
	repeat(t, 10000, 8*time.Second, func(i int, zctx *zmq.Context) error {
		c := crossCases[i%len(crossCases)]
		socks, err := newSockets(zctx, c.a, c.b)
		if err != nil {
			return err
		}
		a, b := socks[0], socks[1]
		var epsA, epsB []string
		for j := range crossEndpoints {
			epsA = append(epsA, fmt.Sprintf("inproc://cross-%d-a%d", i, j))
			epsB = append(epsB, fmt.Sprintf("inproc://cross-%d-b%d", i, j))
			if err := a.Bind(epsA[j]); err != nil {
				return err
			}
			if err := b.Bind(epsB[j]); err != nil {
				return err
			}
		}
		connect := func(s *zmq.Socket, eps []string) func() error {
			return func() error {
				for _, ep := range eps {
					if err := s.Connect(ep); err != nil {
						return err
					}
				}
				return nil
			}
		}
		if err := together(t, connect(b, epsA), connect(a, epsB)); err != nil {
			return fmt.Errorf("%v<->%v connects: %w", c.a, c.b, err)
		}
		if c.check == nil {
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.check(ctx, a, b, crossEndpoints); err != nil {
			return fmt.Errorf("%v<->%v: %w", c.a, c.b, err)
		}
		return nil
	})
}

// A connect that meets the bind of its endpoint, either before or after
// it, makes one connection of the inproc size: SNDHWM + RCVHWM.
func TestInprocConnectDuringBind(t *testing.T) {
	const hwm = 2
	repeat(t, 5000, 4*time.Second, func(i int, zctx *zmq.Context) error {
		socks, err := newSockets(zctx, zmq.Push, zmq.Pull)
		if err != nil {
			return err
		}
		push, pull := socks[0], socks[1]
		for _, s := range socks {
			if err := s.SetOption(zmq.SendHWM(hwm), zmq.RecvHWM(hwm)); err != nil {
				return err
			}
		}
		ep := fmt.Sprintf("inproc://during-bind-%d", i)
		err = together(t, func() error { return pull.Bind(ep) }, func() error { return push.Connect(ep) })
		if err != nil {
			return err
		}
		sent := 0
		for ; sent <= 2*hwm; sent++ {
			if err := push.TrySend(zmq.NewMsgString(fmt.Sprint(sent))); err != nil {
				if !errors.Is(err, zmq.ErrWouldBlock) {
					return err
				}
				break
			}
		}
		if sent != 2*hwm {
			return fmt.Errorf("sent %d messages before the pipe was full, want %d", sent, 2*hwm)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for k := range sent {
			m, err := pull.Recv(ctx)
			if err != nil {
				return fmt.Errorf("recv %d: %w", k, err)
			}
			if got := string(m.Bytes()); got != fmt.Sprint(k) {
				return fmt.Errorf("received %q, want %q", got, fmt.Sprint(k))
			}
		}
		if n := zmq.ConnectedPeers(push); n != 1 {
			return fmt.Errorf("PUSH has %d peers, want 1", n)
		}
		return nil
	})
}

// A binding socket that closes while a connect joins it leaves no pipe
// behind on the connecting socket: once it notices (at its next
// operation), it has no peer.
func TestInprocBinderClosesDuringConnect(t *testing.T) {
	repeat(t, 5000, 4*time.Second, func(i int, zctx *zmq.Context) error {
		socks, err := newSockets(zctx, zmq.Push, zmq.Pull)
		if err != nil {
			return err
		}
		push, pull := socks[0], socks[1]
		ep := fmt.Sprintf("inproc://binder-closes-%d", i)
		if err := pull.Bind(ep); err != nil {
			return err
		}
		err = together(t, func() error { return push.Connect(ep) }, pull.Close)
		if err != nil {
			return err
		}
		// A connect that came after the close waits for another bind:
		// sends queue for it.
		err = push.TrySend(zmq.NewMsgString("m"))
		if err == nil {
			return nil
		}
		if !errors.Is(err, zmq.ErrWouldBlock) {
			return err
		}
		if n := zmq.ConnectedPeers(push); n != 0 {
			return fmt.Errorf("PUSH has %d peers after its peer closed, want 0", n)
		}
		return nil
	})
}

// A connecting socket that closes while its connect joins the binding
// socket leaves no pipe behind on the binding socket.
func TestInprocConnectorClosesDuringConnect(t *testing.T) {
	repeat(t, 5000, 4*time.Second, func(i int, zctx *zmq.Context) error {
		socks, err := newSockets(zctx, zmq.Push, zmq.Pull)
		if err != nil {
			return err
		}
		push, pull := socks[0], socks[1]
		ep := fmt.Sprintf("inproc://connector-closes-%d", i)
		if err := pull.Bind(ep); err != nil {
			return err
		}
		err = together(t, func() error {
			if err := push.Connect(ep); err != nil && !errors.Is(err, zmq.ErrClosed) {
				return err
			}
			return nil
		}, push.Close)
		if err != nil {
			return err
		}
		if _, err := pull.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
			return fmt.Errorf("TryRecv: %v", err)
		}
		if n := zmq.ConnectedPeers(pull); n != 0 {
			return fmt.Errorf("PULL has %d peers after its peer closed, want 0", n)
		}
		return nil
	})
}

// Messages sent before the bind are delivered on the bind, also when the
// sender has closed by then (libzmq connects the pending pipe too).
func TestInprocConnectBeforeBindSenderClosed(t *testing.T) {
	checkLeaks(t)
	ep := bindAddr(t, "inproc")
	push := newSock(t, zmq.Push)
	if err := push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		send(t, push, fmt.Sprint(k))
	}
	push.Close()
	pull := newSock(t, zmq.Pull)
	if err := pull.Bind(ep); err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		expect(t, pull, fmt.Sprint(k))
	}
	if n := zmq.ConnectedPeers(pull); n != 0 {
		t.Fatalf("PULL has %d peers after the closed peer's messages, want 0", n)
	}
}

// exchange sends count messages on from, which takes turns among its
// peers, and expects them all on to, in any order.
func exchange(ctx context.Context, from, to *zmq.Socket, prefix string, count int) error {
	var want, got []string
	for k := range count {
		msg := fmt.Sprint(prefix, k)
		if err := from.Send(ctx, zmq.NewMsgString(msg)); err != nil {
			return fmt.Errorf("send %q: %w", msg, err)
		}
		want = append(want, msg)
	}
	for range count {
		m, err := to.Recv(ctx)
		if err != nil {
			return fmt.Errorf("recv after %q: %w", got, err)
		}
		got = append(got, string(m.Bytes()))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("received %q, want %q", got, want)
	}
	return nil
}

// checkDealerDealer sends a message over each of the 2n connections each
// way (a DEALER takes turns among its peers).
func checkDealerDealer(ctx context.Context, a, b *zmq.Socket, n int) error {
	if err := exchange(ctx, a, b, "ping", 2*n); err != nil {
		return err
	}
	return exchange(ctx, b, a, "pong", 2*n)
}

// checkPushPull sends a message over each of the 2n connections.
func checkPushPull(ctx context.Context, push, pull *zmq.Socket, n int) error {
	return exchange(ctx, push, pull, "msg", 2*n)
}

// checkRouterDealer proves that each of the 2n connections carries
// messages both ways: the DEALER sends one message over each (it takes
// turns), the ROUTER sees them come from 2n peers and answers each.
func checkRouterDealer(ctx context.Context, router, dealer *zmq.Socket, n int) error {
	ids := make(map[string]bool)
	for k := range 2 * n {
		if err := dealer.Send(ctx, zmq.NewMsgString(fmt.Sprint("msg", k))); err != nil {
			return fmt.Errorf("dealer send: %w", err)
		}
	}
	for range 2 * n {
		m, err := router.Recv(ctx)
		if err != nil {
			return fmt.Errorf("router recv: %w", err)
		}
		if len(m.Frames) != 2 {
			return fmt.Errorf("router received %v", m)
		}
		ids[string(m.Frames[0])] = true
	}
	if len(ids) != 2*n {
		return fmt.Errorf("messages came from %d peers, want %d", len(ids), 2*n)
	}
	want := make([]string, 0, len(ids))
	for id := range ids {
		if err := router.Send(ctx, zmq.NewMsg([]byte(id), []byte("re "+id))); err != nil {
			return fmt.Errorf("router send: %w", err)
		}
		want = append(want, "re "+id)
	}
	got := make([]string, 0, len(want))
	for range want {
		m, err := dealer.Recv(ctx)
		if err != nil {
			return fmt.Errorf("dealer recv: %w", err)
		}
		got = append(got, string(m.Bytes()))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("dealer received %q, want %q", got, want)
	}
	return nil
}

// A socket may connect to an endpoint it binds itself, before or after
// the bind: joining the two ends takes its mutex twice, one after the
// other.
func TestInprocSelfConnect(t *testing.T) {
	repeat(t, 2, 10*time.Second, func(i int, zctx *zmq.Context) error {
		socks, err := newSockets(zctx, zmq.Dealer)
		if err != nil {
			return err
		}
		dealer := socks[0]
		ep := fmt.Sprintf("inproc://self-%d", i)
		steps := []func(string) error{dealer.Bind, dealer.Connect}
		if i%2 == 1 {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			if err := inTime(t, func() error { return step(ep) }); err != nil {
				return err
			}
		}
		// Each message goes out on one end of the connection and comes
		// back in on the other.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return exchange(ctx, dealer, dealer, "self", 2)
	})
}
