package zmq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
)

// errAgain is what a pattern returns when the operation cannot proceed now.
var errAgain = errors.New("again")

// pattern is the routing behaviour of a socket type, in the shape of
// libzmq's socket_base_t x* hooks. All methods run under the socket's mutex.
type pattern interface {
	attach(p *peerPipe) bool
	detach(p *peerPipe)
	// send routes m; on nil the pattern owns the message.
	send(m *Msg) error
	// recv fills m (which is empty) with the next message.
	recv(m *Msg) error
	readActivated(p *peerPipe)
	writeActivated(p *peerPipe)
	// hasIn reports whether recv would return a message now, dropping
	// the queued messages recv would drop; hasOut whether send would find
	// room (libzmq's ZMQ_EVENTS). See poll.go.
	hasIn() bool
	hasOut() bool
}

// hiccuper is implemented by patterns that resend state when a persistent
// pipe reconnects (SUB and XSUB resend their subscriptions).
type hiccuper interface{ hiccup(p *peerPipe) }

// Socket is a ZeroMQ socket. It is safe for concurrent use by multiple
// goroutines: each Send and each Recv moves a whole message atomically.
type Socket struct {
	ctx *Context
	typ Type
	pat pattern

	mu         sync.Mutex // pattern state, pipes, options, endpoints
	opts       options
	pipes      map[*peerPipe]struct{}
	endpoints  map[string][]*endpoint
	lastEP     string
	lastAddr   net.Addr // the listener's, after a Bind over tcp or ipc
	closed     bool
	closedAt   time.Time // when Close began
	gen        uint64    // message generation, for de-duplicating fan-out
	sendMsg    Msg       // the message being routed, see send
	recvMsg    Msg
	keepChunks bool // the current recv keeps buffer references for Release

	readable chan struct{}
	writable chan struct{}
	done     chan struct{} // closed by Close
	closeErr error         // ErrClosed or ErrTerminated, set before done closes

	actMu  sync.Mutex
	actIn  []*peerPipe
	actOut []*peerPipe
	// Spare activation lists, swapped with the live ones (under mu).
	spareIn, spareOut []*peerPipe
	actAny            atomic.Bool

	// Connection readers a receive drives itself before it waits (see
	// frameReader.Pull), and the inproc senders' stages the last receive
	// found its queues empty on (see inprocStage).
	inline     []*frameReader
	inlineNext int
	starved    []pipe.Puller

	recvWaiters atomic.Int32
	sendWaiters atomic.Int32
	pw          pollWake // for receives that wait in poll(2); see pollwait.go

	// A send on a socket that sends in lockstep (REQ, REP) leaves its
	// connection's writer asleep and writes itself, after it let go of mu
	// (see pipe.Out.FlushInline): deferFlush is set during the pattern's
	// send, and flushOut is the stream it pushed to.
	deferFlush bool
	flushOut   *pipe.Out
	sendWoke   atomic.Bool // a send since the last receive may have woken a writer

	wg        sync.WaitGroup // goroutines the socket started
	closeOnce sync.Once
	janitorOn bool // see janitor; guarded by mu

	// Pollers watching the socket (see poll.go). watchMu is a leaf lock:
	// notifications come from any goroutine, some holding other locks.
	watchMu  sync.Mutex
	watchers []chan struct{}
	watched  atomic.Bool

	// Monitors. monMu is a leaf lock: see emit.
	monMu     sync.Mutex
	monitors  []*Monitor
	wireMon   *wireMonitor
	monClosed bool
	monAny    atomic.Bool
}

// NewSocket returns a socket of type t in context c, with the options
// applied in order.
func (c *Context) NewSocket(t Type, opts ...Option) (*Socket, error) {
	if !t.valid() {
		return nil, fmt.Errorf("%w: socket type %d", ErrInvalid, int(t))
	}
	s := &Socket{
		ctx:       c,
		typ:       t,
		opts:      defaultOptions(),
		pipes:     make(map[*peerPipe]struct{}),
		endpoints: make(map[string][]*endpoint),
		readable:  make(chan struct{}, 1),
		writable:  make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	s.pat = newPattern(s)
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if err := c.add(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Type returns the socket's type.
func (s *Socket) Type() Type { return s.typ }

// SetOption applies options to an open socket: all of them or, when one is
// invalid (its error is returned), none.
func (s *Socket) SetOption(opts ...Option) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	// A dry run on a scratch socket of the same type first, so that a
	// list with a bad option changes nothing.
	scratch := &Socket{typ: s.typ, opts: s.opts, pipes: map[*peerPipe]struct{}{}}
	scratch.opts.metadata = slices.Clone(s.opts.metadata)
	scratch.pat = newPattern(scratch)
	for _, o := range opts {
		if err := o(scratch); err != nil {
			return err
		}
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return err
		}
	}
	return nil
}

// LastEndpoint returns the endpoint of the last successful Bind or Connect,
// with wildcards resolved (ZMQ_LAST_ENDPOINT), such as
// "tcp://127.0.0.1:41234" after binding "tcp://127.0.0.1:*".
func (s *Socket) LastEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastEP
}

// LastAddr returns the local address of the listener of the last
// successful Bind over tcp or ipc, resolved as LastEndpoint is: a
// *net.TCPAddr (the port of "tcp://*:*" included) or a *net.UnixAddr
// (the path of "ipc://*"). It returns nil when the last Bind or Connect
// was another (a Connect, or inproc).
func (s *Socket) LastAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAddr
}

// hwmChanged propagates new high-water marks to existing pipes.
func (s *Socket) hwmChanged() {
	// Inproc queues keep the sum fixed when they were joined.
	for p := range s.pipes {
		if so, ok := p.out.(*streamOut); ok {
			p.in.SetHWM(s.opts.recvHWM)
			so.o.SetHWM(s.opts.sendHWM)
		}
	}
}

// Activation: producers call these, without any socket lock, when a pipe
// the pattern found empty (or full) may have changed. The pattern learns
// of it at its next operation.

func (s *Socket) activateIn(p *peerPipe) {
	s.actMu.Lock()
	s.actIn = append(s.actIn, p)
	s.actMu.Unlock()
	s.actAny.Store(true)
	signal(s.readable)
	s.pokeReceivers()
	s.notifyWatchers()
}

func (s *Socket) activateOut(p *peerPipe) {
	s.actMu.Lock()
	s.actOut = append(s.actOut, p)
	s.actMu.Unlock()
	s.actAny.Store(true)
	signal(s.writable)
	s.notifyWatchers()
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// absorb applies pending activations; s.mu is held.
func (s *Socket) absorb() {
	if !s.actAny.Load() {
		return
	}
	s.actMu.Lock()
	s.actAny.Store(false)
	in, out := s.actIn, s.actOut
	s.actIn, s.actOut = s.spareIn[:0], s.spareOut[:0]
	s.actMu.Unlock()
	defer func() {
		clear(in)
		clear(out)
		s.spareIn, s.spareOut = in[:0], out[:0]
	}()
	for _, p := range in {
		if p.attached {
			s.pat.readActivated(p)
		}
		// An inproc peer that went away closes the queue it fed us.
		if !p.gone && p.eng == nil && isInproc(p) && p.in.Closed() {
			s.terminatePipe(p)
		}
	}
	for _, p := range out {
		if !p.gone && p.attached {
			s.pat.writeActivated(p)
		}
	}
}

// Send sends a whole message, blocking while the socket cannot accept it
// (no peer, or every eligible peer at its high-water mark) until ctx is
// done. A ctx that is already done does not stop a Send that need not
// block. On success the socket owns the message's frames (see [Msg]).
func (s *Socket) Send(ctx context.Context, m Msg) error { return s.send(ctx, &m, true) }

// TrySend sends a whole message if it can be done without blocking, and
// returns [ErrWouldBlock] otherwise (ZMQ_DONTWAIT).
func (s *Socket) TrySend(m Msg) error { return s.send(context.Background(), &m, false) }

func (s *Socket) send(ctx context.Context, m *Msg, block bool) error {
	if len(m.Frames) == 0 {
		return fmt.Errorf("%w: message without frames", ErrInvalid)
	}
	var flush *pipe.Out
	err := s.do(ctx, block, false, s.writable, &s.sendWaiters, func() error {
		// The pattern works on a socket-owned copy so that m, which the
		// interface call would otherwise make escape, stays on the stack.
		s.sendMsg = *m
		s.deferFlush = true
		err := s.pat.send(&s.sendMsg)
		s.deferFlush = false
		flush, s.flushOut = s.flushOut, nil
		*m = s.sendMsg
		s.sendMsg = Msg{}
		return err
	})
	if flush != nil {
		flush.FlushInline()
	} else if err == nil && !s.sendWoke.Load() {
		s.sendWoke.Store(true) // see pollWait
	}
	return err
}

// Recv receives the next whole message, blocking until one arrives or ctx
// is done. The message's frames may share a receive buffer; see [Msg].
func (s *Socket) Recv(ctx context.Context) (Msg, error) {
	var m Msg
	err := s.recv(ctx, &m, true)
	return m, err
}

// TryRecv receives a message if one is waiting and returns [ErrWouldBlock]
// otherwise (ZMQ_DONTWAIT).
func (s *Socket) TryRecv() (Msg, error) {
	var m Msg
	err := s.recv(context.Background(), &m, false)
	return m, err
}

// recv fills a message of the caller's stack (see send) without keeping
// buffer references: nobody will release them.
func (s *Socket) recv(ctx context.Context, m *Msg, block bool) error {
	return s.do(ctx, block, true, s.readable, &s.recvWaiters, func() error {
		s.keepChunks = false
		err := s.pat.recv(&s.recvMsg)
		*m = s.recvMsg
		s.recvMsg = Msg{}
		return err
	})
}

// RecvMsg receives the next message into m, reusing its storage: it first
// releases what m holds (see [Msg.Release]), so frames from an earlier
// RecvMsg into the same m must not be used afterwards. A loop that calls
// RecvMsg with one Msg receives without allocating.
func (s *Socket) RecvMsg(ctx context.Context, m *Msg) error {
	m.reset()
	return s.do(ctx, true, true, s.readable, &s.recvWaiters, func() error { return s.recvInto(m) })
}

// TryRecvMsg is the non-blocking form of [Socket.RecvMsg].
func (s *Socket) TryRecvMsg(m *Msg) error {
	m.reset()
	return s.do(context.Background(), false, true, s.readable, &s.recvWaiters, func() error { return s.recvInto(m) })
}

// recvInto fills the caller's (heap) message directly, keeping the buffer
// references so that Release can return them.
func (s *Socket) recvInto(m *Msg) error {
	s.keepChunks = true
	return s.pat.recv(m)
}

// do runs op under the socket's mutex until it stops reporting errAgain,
// waiting on c in between when block is set. A receive (pull) first reads
// what its connections already hold. waiters counts the goroutines waiting
// on c, so that one that succeeds passes the signal on.
func (s *Socket) do(ctx context.Context, block, pull bool, c chan struct{}, waiters *atomic.Int32, op func() error) error {
	// The common case: one attempt that settles it, with nothing to pull.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.absorb()
	err := op()
	if err != errAgain && len(s.starved) == 0 {
		s.mu.Unlock()
		if err == nil && waiters.Load() > 0 {
			s.signalWaiters(c)
		}
		if err == nil {
			s.notifyWatchers() // REQ and REP change direction
		}
		return err
	}
	return s.doMore(ctx, block, pull, c, waiters, op, err)
}

// doMore continues do after an attempt that returned err: it pulls from
// connections and inproc stages, waits, and tries again. s.mu is held on
// entry.
func (s *Socket) doMore(ctx context.Context, block, pull bool, c chan struct{}, waiters *atomic.Int32, op func() error, err error) error {
	waiting := false
	defer func() {
		if waiting {
			waiters.Add(-1)
		}
	}()
	polled := false // the last wait was in poll(2), which returned
	// RecvTimeout or SendTimeout, counted from the first wait.
	var expire <-chan time.Time
	for {
		var buf [2 * maxInline]pipe.Puller
		pullers := buf[:0]
		poll := false
		timeout := s.opts.sendTimeout
		if pull {
			timeout = s.opts.recvTimeout
		}
		if err == errAgain && pull {
			pullers = s.pullers(pullers)
			// poll(2) waits without a timeout: a receive with one
			// waits on the channel.
			poll = block && timeout < 0 && s.pollable(ctx)
		} else if len(s.starved) > 0 {
			// A receive that succeeded found some queues empty: let
			// their senders' stages be taken now, or fair queuing would
			// pass those peers over while others have messages.
			pullers = s.takeStarved(pullers)
		}
		s.mu.Unlock()
		if err != errAgain {
			pulled(pullers, false, false)
			if err == nil && waiters.Load() > 0 {
				s.signalWaiters(c)
			}
			if err == nil {
				s.notifyWatchers()
			}
			return err
		}
		got, empty := pulled(pullers, poll, polled)
		polled = false
		if !got {
			if !block || timeout == 0 {
				return ErrWouldBlock
			}
			if timeout > 0 && expire == nil {
				t := time.NewTimer(timeout)
				defer t.Stop()
				expire = t.C
			}
			if !waiting {
				waiting = true
				waiters.Add(1)
			}
			if poll && !empty {
				wakeReaders(pullers)
				poll = false
			}
			handled := false
			if poll {
				var err error
				handled, polled, err = s.pollWait(ctx, c)
				if err != nil {
					return err
				}
				if !handled {
					// The quiet pulls left the readers standing by.
					wakeReaders(pullers)
				}
			}
			if !handled {
				if err := s.wait(ctx, c, expire); err != nil {
					return err
				}
			}
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return s.closeErr
		}
		s.absorb()
		err = op()
	}
}

// maxInline bounds the connections one receive reads before it waits.
const maxInline = 4

// pullers appends what a receive that found nothing pulls from before it
// waits: up to maxInline connection readers, taking turns when there are
// more, and the inproc stages found empty. s.mu is held.
func (s *Socket) pullers(dst []pipe.Puller) []pipe.Puller {
	if all := s.inline; len(all) <= maxInline {
		for _, r := range all {
			dst = append(dst, r)
		}
	} else {
		for i := range maxInline {
			dst = append(dst, all[(s.inlineNext+i)%len(all)])
		}
		s.inlineNext = (s.inlineNext + maxInline) % len(all)
	}
	return s.takeStarved(dst)
}

// takeStarved moves the inproc stages found empty to dst. s.mu is held.
func (s *Socket) takeStarved(dst []pipe.Puller) []pipe.Puller {
	dst = append(dst, s.starved...)
	clear(s.starved)
	s.starved = s.starved[:0]
	return dst
}

// pulled pulls from each and reports whether any messages arrived. quiet
// and force are frameReader.pull's, for a receive that may wait in
// poll(2); empty reports that every connection was found empty, so that
// polling them would wait for their next bytes, not spin on bytes their
// reader goroutines are busy with.
func pulled(pullers []pipe.Puller, quiet, force bool) (got, empty bool) {
	empty = true
	for _, p := range pullers {
		if r, isReader := p.(*frameReader); isReader {
			switch r.pull(quiet, force) {
			case pullGot:
				got = true
			case pullBusy:
				empty = false
			case pullContended:
				// The reader goroutine reads what is there and pokes;
				// after a wait in poll(2) that found only that, wait
				// for its poke on the channel rather than spin.
				if force {
					empty = false
				}
			}
		} else if p.Pull() {
			got = true
		}
	}
	return got, empty
}

// wakeReaders wakes the connection readers among pullers from standing by.
func wakeReaders(pullers []pipe.Puller) {
	for _, p := range pullers {
		if r, ok := p.(*frameReader); ok {
			r.wakeReader()
		}
	}
}

// signalWaiters hands the turn to the next waiting call of c's kind.
func (s *Socket) signalWaiters(c chan struct{}) {
	signal(c)
	if c == s.readable {
		s.pokeReceivers()
	}
}

func (s *Socket) wait(ctx context.Context, c chan struct{}, expire <-chan time.Time) error {
	select {
	case <-c:
		return nil
	case <-expire:
		return ErrWouldBlock
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return s.closeErr
	case <-s.ctx.done:
		return ErrTerminated
	}
}

// peekFrames returns the frames of p's next message without taking them,
// or nil; an empty inproc queue has its stage pulled before the next wait,
// as in takeFrames. s.mu is held.
func (s *Socket) peekFrames(p *peerPipe) []pipe.Frame {
	fs := p.in.PeekMsg()
	if fs == nil {
		if st := p.in.Stage(); st != nil && !slices.Contains(s.starved, st) {
			s.starved = append(s.starved, st)
		}
	}
	return fs
}

// dropMsg drops p's next message. s.mu is held.
func (s *Socket) dropMsg(p *peerPipe) {
	fs, ok, _ := p.in.Pop()
	if !ok {
		return
	}
	for _, f := range fs {
		f.Release()
	}
	p.in.Done()
}

// takeFrames pops the next message of p into m; false if p has none.
// s.mu is held.
func (s *Socket) takeFrames(p *peerPipe, m *Msg) (ok bool) {
	fs, ok, end := p.in.Pop()
	if ok {
		m.fromFrames(fs, s.keepChunks)
		m.props = p.takeProps()
		p.in.Done()
	} else if st := p.in.Stage(); st != nil && !slices.Contains(s.starved, st) {
		s.starved = append(s.starved, st)
	}
	if end {
		s.pipeDrained(p)
	}
	return ok
}
