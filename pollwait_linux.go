//go:build linux

package zmq

import (
	"context"
	"encoding/binary"
	"runtime"
	"slices"
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
	active  []int // the eventfds of the receives in poll(2) now
	free    []int // eventfds to reuse
	closed  bool  // the socket closed: descriptors are closed when let go
	failed  bool  // no eventfd could be had: receives wait on the channel
	waiting atomic.Int32
}

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

	var fds [maxPolled + 1]unix.PollFd
	n := 0
	s.mu.Lock()
	if !s.closed && len(s.inline) <= maxPolled {
		for _, r := range s.inline {
			if fd := r.pollFD(); fd >= 0 {
				fds[n] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
				n++
			}
		}
	}
	s.mu.Unlock()
	wfd, ok := s.pw.take()
	if !ok {
		return false, false, nil
	}
	defer s.pw.release(wfd)
	if n == 0 {
		return false, false, nil
	}
	fds[n] = unix.PollFd{Fd: int32(wfd), Events: unix.POLLIN}
	n++

	// What happened before the wait was registered was signalled on the
	// channels only.
	if done, err := s.waitDone(ctx, c); done {
		return true, false, err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, s.pokeReceivers)
		defer stop()
	}
	// A goroutine this one readied (a connection's writer, woken by a
	// send just before this receive) waits on this P, which poll(2) is
	// about to hold in a system call until the scheduler takes it back:
	// let it run first.
	runtime.Gosched()
	if done, err := s.waitDone(ctx, c); done {
		return true, false, err
	}
	pollWaits.Add(1)
	for {
		if _, err := unix.Poll(fds[:n], -1); err != unix.EINTR {
			break
		}
	}
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
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	w.mu.Lock()
	for _, fd := range w.active {
		unix.Write(fd, one[:])
	}
	w.mu.Unlock()
}

// closePollWake closes the descriptors no receive uses; those in use are
// closed when let go.
func (s *Socket) closePollWake() {
	w := &s.pw
	w.mu.Lock()
	w.closed = true
	for _, fd := range w.free {
		unix.Close(fd)
	}
	w.free = nil
	w.mu.Unlock()
}

// take returns an eventfd for a receive about to poll, registered for
// pokes from now on; release lets it go.
func (w *pollWake) take() (int, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.failed {
		return 0, false
	}
	var fd int
	if n := len(w.free); n > 0 {
		fd, w.free = w.free[n-1], w.free[:n-1]
	} else {
		var err error
		if fd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
			w.failed = true
			return 0, false
		}
	}
	w.active = append(w.active, fd)
	w.waiting.Store(int32(len(w.active)))
	return fd, true
}

// release unregisters fd, drains it, and keeps it for the next receive
// (or closes it, once the socket is closed).
func (w *pollWake) release(fd int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.active = slices.DeleteFunc(w.active, func(a int) bool { return a == fd })
	w.waiting.Store(int32(len(w.active)))
	var b [8]byte
	unix.Read(fd, b[:])
	if w.closed {
		unix.Close(fd)
		return
	}
	w.free = append(w.free, fd)
}
