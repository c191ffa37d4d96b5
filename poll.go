package zmq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
)

// Events is a set of socket events a [Poller] waits for and reports:
// libzmq's ZMQ_POLLIN and ZMQ_POLLOUT, with their values.
type Events uint8

const (
	// PollIn: a message can be received without blocking.
	PollIn Events = 1
	// PollOut: a message can be sent without blocking.
	PollOut Events = 2
)

func (e Events) String() string {
	switch e {
	case 0:
		return "0"
	case PollIn:
		return "PollIn"
	case PollOut:
		return "PollOut"
	case PollIn | PollOut:
		return "PollIn|PollOut"
	}
	return fmt.Sprintf("Events(%d)", uint8(e))
}

// ErrNotPolled reports a socket that is not in the poller.
var ErrNotPolled = errors.New("zmq: socket not in the poller")

// Poller waits for events on many sockets at once, as libzmq's
// zmq_poller: [Poller.Wait] and [Poller.Poll] return the sockets on which
// a Recv (PollIn) or a Send (PollOut) would not block, whatever their
// transports, inproc included. For a Go select over sockets and channels,
// [Poller.Ready] gives a channel that receives when a socket's state may
// have changed.
//
// Readiness is libzmq's ZMQ_EVENTS: PollIn means the next Recv returns a
// message at once (a SUB's unmatched messages, a REQ's stray replies and
// a REP's requests without an envelope are dropped while looking, as Recv
// would drop them); PollOut means the next Send finds room (PUB, XPUB,
// ROUTER and STREAM sockets always do: they drop rather than block). With
// other goroutines using the same sockets, what is reported may be gone
// by the time the caller acts. Polling takes nothing from goroutines
// blocked in Recv or Send on those sockets: they are woken as they would
// be without it.
//
// A Poller's methods may be called from any goroutine, but one goroutine
// at a time should wait on it. Close it when done: it unregisters itself
// from its sockets.
type Poller struct {
	mu     sync.Mutex // before any socket's mu (see scan)
	items  []pollItem
	wake   chan struct{} // the sockets' notifications; see Ready
	closed bool
}

type pollItem struct {
	s      *Socket
	events Events
}

// Polled is a socket and the events found on it.
type Polled struct {
	Socket *Socket
	Events Events
}

// NewPoller returns an empty poller.
func NewPoller() *Poller {
	return &Poller{wake: make(chan struct{}, 1)}
}

// Add makes the poller watch s for events. A socket is added once; see
// Update.
func (p *Poller) Add(s *Socket, events Events) error {
	if s == nil {
		return fmt.Errorf("%w: nil socket", ErrInvalid)
	}
	if events&^(PollIn|PollOut) != 0 {
		return fmt.Errorf("%w: poll events %v", ErrInvalid, events)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("%w: poller closed", ErrClosed)
	}
	if p.find(s) >= 0 {
		return fmt.Errorf("%w: socket already in the poller", ErrInvalid)
	}
	s.addWatcher(p.wake)
	p.items = append(p.items, pollItem{s, events})
	signal(p.wake) // it may be ready already
	return nil
}

// Update changes the events the poller watches s for. With none (0), s
// stays in the poller unwatched until an Update gives it events again: a
// broker that stops reading its clients while no worker is free does so.
func (p *Poller) Update(s *Socket, events Events) error {
	if events&^(PollIn|PollOut) != 0 {
		return fmt.Errorf("%w: poll events %v", ErrInvalid, events)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.find(s)
	if i < 0 {
		return ErrNotPolled
	}
	p.items[i].events = events
	signal(p.wake)
	return nil
}

// Remove stops watching s.
func (p *Poller) Remove(s *Socket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.find(s)
	if i < 0 {
		return ErrNotPolled
	}
	s.removeWatcher(p.wake)
	p.items = slices.Delete(p.items, i, i+1)
	return nil
}

// Close removes every socket from the poller; a Wait in progress returns
// [ErrClosed].
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, it := range p.items {
		it.s.removeWatcher(p.wake)
	}
	p.items = nil
	signal(p.wake)
	return nil
}

func (p *Poller) find(s *Socket) int {
	return slices.IndexFunc(p.items, func(it pollItem) bool { return it.s == s })
}

// Ready returns a channel that receives when a socket of the poller may
// have become ready (and once after each Add or Update): a select can
// wait on it beside other channels, then call Poll(0) to see which
// sockets are, or simply TryRecv (TrySend) on each socket until it
// returns [ErrWouldBlock]. A wake-up may find nothing ready; one that
// finds several messages is not repeated for each, so drain what is
// there before waiting again. Wait and Poll take from the same channel.
func (p *Poller) Ready() <-chan struct{} { return p.wake }

// Wait waits until at least one socket has an event it is watched for, and
// returns those that do, in the order they were added. It returns
// ctx.Err() when ctx ends first, and an error wrapping [ErrClosed] (or
// [ErrTerminated]) when a watched socket is closed (or its context
// terminated), naming the socket's type.
func (p *Poller) Wait(ctx context.Context) ([]Polled, error) {
	return p.wait(ctx, nil)
}

// Poll is Wait with a timeout instead of a context, as zmq_poll: a
// negative timeout waits for ever, zero does not wait. It returns no
// sockets and no error when the timeout passes first.
func (p *Poller) Poll(timeout time.Duration) ([]Polled, error) {
	return p.WaitTimeout(context.Background(), timeout)
}

// WaitTimeout is Wait bounded by a timeout too, for a loop that wakes on a
// schedule (to send heartbeats, say) and stops with a context: it returns
// no sockets and no error when the timeout passes first (a negative one
// waits for ever, zero does not wait), and ctx.Err() when ctx ends first.
func (p *Poller) WaitTimeout(ctx context.Context, timeout time.Duration) ([]Polled, error) {
	var expired <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	return p.wait(ctx, expired)
}

func (p *Poller) wait(ctx context.Context, expired <-chan time.Time) ([]Polled, error) {
	var out []Polled
	for {
		// Take a pending notification first: what it announced is
		// looked at now, and a later one wakes the wait below.
		select {
		case <-p.wake:
		default:
		}
		var err error
		out, err = p.scan(out[:0])
		if err != nil || len(out) > 0 {
			return out, err
		}
		select {
		case <-p.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, nil
		}
	}
}

// scan appends the ready sockets to out. Lock order: p.mu, then each
// socket's mu.
func (p *Poller) scan(out []Polled) ([]Polled, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("%w: poller closed", ErrClosed)
	}
	for _, it := range p.items {
		ev, err := it.s.pollEvents(it.events)
		if err != nil {
			return nil, fmt.Errorf("zmq: polling a %v socket: %w", it.s.typ, err)
		}
		if ev != 0 {
			out = append(out, Polled{it.s, ev})
		}
	}
	return out, nil
}

// pollEvents returns which of want the socket has now. A socket that has
// no message queued first reads what its connections and inproc peers
// hold, as a receive would before it waits; then the connections' reader
// goroutines watch them, and their next message notifies the watchers.
func (s *Socket) pollEvents(want Events) (Events, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, s.closeErr
	}
	s.absorb()
	ev := s.events(want)
	if ev&PollIn != 0 || want&PollIn == 0 {
		s.mu.Unlock()
		return ev, nil
	}
	var buf [2 * maxInline]pipe.Puller
	pullers := s.pullers(buf[:0])
	s.mu.Unlock()
	if got, _ := pulled(pullers, false, false); !got {
		return ev, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, s.closeErr
	}
	s.absorb()
	return s.events(want), nil
}

// events returns which of want the pattern has now. s.mu is held.
func (s *Socket) events(want Events) Events {
	var ev Events
	if want&PollIn != 0 && s.pat.hasIn() {
		ev |= PollIn
	}
	if want&PollOut != 0 && s.pat.hasOut() {
		ev |= PollOut
	}
	return ev
}

// addWatcher makes c receive a signal whenever the socket's events may
// have changed; removeWatcher stops it.
func (s *Socket) addWatcher(c chan struct{}) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, c)
	s.watched.Store(true)
	s.watchMu.Unlock()
}

func (s *Socket) removeWatcher(c chan struct{}) {
	s.watchMu.Lock()
	if i := slices.Index(s.watchers, c); i >= 0 {
		s.watchers = slices.Delete(s.watchers, i, i+1)
	}
	s.watched.Store(len(s.watchers) > 0)
	s.watchMu.Unlock()
}

// notifyWatchers signals the pollers watching the socket, if any.
func (s *Socket) notifyWatchers() {
	if !s.watched.Load() {
		return
	}
	s.watchMu.Lock()
	for _, c := range s.watchers {
		signal(c)
	}
	s.watchMu.Unlock()
}
