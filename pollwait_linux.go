//go:build linux

package zmq

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// pollWake wakes a socket's receives that wait in poll(2) (see
// pollwait.go). Each waiting receive polls an eventfd of its own, which a
// poke writes to: with one shared descriptor, the first receive to drain
// it would take the wake-up from the others. mu is a leaf lock: pokes
// come from any goroutine, some holding another socket's mutex.
type pollWake struct {
	mu      sync.Mutex
	active  []*poller // the receives in poll(2) now
	free    []*poller // to reuse
	closed  bool      // the socket closed: descriptors are closed when let go
	failed  bool      // no eventfd could be had: receives wait on the channel
	waiting atomic.Int32

	// The contexts whose end pokes the receives (see watch), kept across
	// waits, so that receives that reuse a context do not register a
	// callback for every wait.
	watches []*ctxWatch
	poke    func()
}

// ctxWatch is one context's callback, and how many waiting receives
// count on it.
type ctxWatch struct {
	done  <-chan struct{}
	stop  func() bool
	users int
}

// poller is one waiting receive's eventfd and poll(2) arguments, kept
// for the next wait so that waiting allocates nothing.
type poller struct {
	efd   int
	fds   [maxPolled + 1]unix.PollFd
	poked bool // the last poll found the eventfd written
	buf   [8]byte
}

// pokeValue is what a poke adds to an eventfd: any value above zero.
var pokeValue = [8]byte{1, 1, 1, 1, 1, 1, 1, 0}

// pollable reports whether a receive that found nothing may wait in
// poll(2). s.mu is held. With one P there is no idle processor for a
// hand-off to wake, and waiting on the channel costs less (measured with
// both processes on one CPU, where GOMAXPROCS is 1).
func (s *Socket) pollable(ctx context.Context) bool {
	n := len(s.inline)
	return n > 0 && n <= maxPolled && !s.closed && pollers.Load() < maxPollers && runtime.GOMAXPROCS(0) > 1
}

// pollWait waits as wait does, in poll(2) on the connections a receive
// reads itself and on the socket's wake-up descriptor. handled is false,
// nothing having been waited for, when it cannot: too many receives already
// wait that way, no connection can be polled, or no descriptor can be had.
// polled reports that poll(2) itself returned (rather than a signal found
// before it): the connections may have bytes. It may return early: the
// caller tries again.
func (s *Socket) pollWait(ctx context.Context, c chan struct{}) (handled, polled bool, err error) {
	if pollers.Add(1) > maxPollers {
		pollers.Add(-1)
		return false, false, nil
	}
	defer pollers.Add(-1)

	p, ok := s.pw.take()
	if !ok {
		return false, false, nil
	}
	defer s.pw.release(p)
	n := 0
	s.mu.Lock()
	if !s.closed && len(s.inline) <= maxPolled {
		for _, r := range s.inline {
			if fd := r.pollFD(); fd >= 0 {
				p.fds[n] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
				n++
			}
		}
	}
	s.mu.Unlock()
	if n == 0 {
		return false, false, nil
	}
	p.fds[n] = unix.PollFd{Fd: int32(p.efd), Events: unix.POLLIN}
	n++

	// What happened before the wait was registered was signalled on the
	// channels only.
	if done, err := s.waitDone(ctx, c); done {
		return true, false, err
	}
	if ctx.Done() != nil {
		cw := s.pw.watch(ctx, s)
		defer s.pw.unwatch(cw)
	}
	// A connection's writer that a send just woke waits on this P, which
	// poll(2) is about to hold in a system call until the scheduler takes
	// it back: let it run first. (Yielding wakes an idle P's thread, the
	// very cost poll(2) saves, so only then.)
	if s.sendWoke.Swap(false) {
		runtime.Gosched()
		if done, err := s.waitDone(ctx, c); done {
			return true, false, err
		}
	}
	pollWaits.Add(1)
	for {
		if _, err := unix.Poll(p.fds[:n], -1); err != unix.EINTR {
			break
		}
	}
	p.poked = p.fds[n-1].Revents != 0
	_, err = s.waitDone(ctx, c)
	return true, true, err
}

// waitDone reports whether a wait would end now, and with what error.
func (s *Socket) waitDone(ctx context.Context, c chan struct{}) (bool, error) {
	select {
	case <-c:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	case <-s.done:
		return true, s.closeErr
	case <-s.ctx.done:
		return true, ErrTerminated
	default:
		return false, nil
	}
}

// pokeReceivers wakes the receives waiting in poll(2), if any.
func (s *Socket) pokeReceivers() {
	w := &s.pw
	if w.waiting.Load() == 0 {
		return
	}
	w.mu.Lock()
	for _, p := range w.active {
		unix.Write(p.efd, pokeValue[:])
	}
	w.mu.Unlock()
}

// watch makes the end of ctx poke the receives, for as long as a receive
// counts on it (until unwatch). Contexts are told apart by their Done
// channels: two with the same one end together. A callback nobody counts
// on is kept until a receive with another context needs its place.
func (w *pollWake) watch(ctx context.Context, s *Socket) *ctxWatch {
	w.mu.Lock()
	defer w.mu.Unlock()
	var spare *ctxWatch
	for _, cw := range w.watches {
		if cw.done == ctx.Done() {
			cw.users++
			return cw
		}
		if cw.users == 0 && spare == nil {
			spare = cw
		}
	}
	if spare == nil {
		spare = &ctxWatch{}
		w.watches = append(w.watches, spare)
	} else if spare.stop != nil {
		spare.stop()
	}
	if w.poke == nil {
		w.poke = s.pokeReceivers
	}
	spare.done, spare.users = ctx.Done(), 1
	spare.stop = context.AfterFunc(ctx, w.poke)
	return spare
}

// unwatch ends a receive's use of cw.
func (w *pollWake) unwatch(cw *ctxWatch) {
	w.mu.Lock()
	cw.users--
	w.mu.Unlock()
}

// closePollWake closes the descriptors no receive uses; those in use are
// closed when let go.
func (s *Socket) closePollWake() {
	w := &s.pw
	w.mu.Lock()
	w.closed = true
	for _, cw := range w.watches {
		cw.stop()
	}
	w.watches = nil
	for _, p := range w.free {
		unix.Close(p.efd)
	}
	w.free = nil
	w.mu.Unlock()
}

// take returns a poller for a receive about to poll, its eventfd
// registered for pokes from now on; release lets it go.
func (w *pollWake) take() (*poller, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.failed {
		return nil, false
	}
	var p *poller
	if n := len(w.free); n > 0 {
		p, w.free = w.free[n-1], w.free[:n-1]
	} else {
		fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			w.failed = true
			return nil, false
		}
		p = &poller{efd: fd}
	}
	w.active = append(w.active, p)
	w.waiting.Store(int32(len(w.active)))
	return p, true
}

// release unregisters p, drains its eventfd if its poll found it poked,
// and keeps it for the next receive (or closes it, once the socket is
// closed). A poke that came after the poll is drained after the next
// one, which it ends at once: one wait in vain, where draining every time
// cost a system call per receive.
func (w *pollWake) release(p *poller) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, a := range w.active {
		if a == p {
			last := len(w.active) - 1
			w.active[i], w.active[last] = w.active[last], nil
			w.active = w.active[:last]
			break
		}
	}
	w.waiting.Store(int32(len(w.active)))
	if p.poked {
		unix.Read(p.efd, p.buf[:])
		p.poked = false
	}
	if w.closed {
		unix.Close(p.efd)
		return
	}
	w.free = append(w.free, p)
}
