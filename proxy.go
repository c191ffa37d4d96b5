package zmq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Proxy connects a frontend socket to a backend socket, as libzmq's
// zmq_proxy does: messages that arrive on either go out of the other,
// whole and in order, and, when capture is not nil, a copy of each goes
// to capture first. It returns when ctx ends (ctx.Err()), when either
// socket is closed ([ErrClosed]) or its context terminated
// ([ErrTerminated]), or when a send fails.
//
// A direction is forwarded only where its sockets allow it: a PUSH
// backend receives nothing to send back, a PULL frontend cannot send. The
// frontend and the backend may be the same socket (a ROUTER that
// forwards to itself); each message is then sent back on it once.
//
// Where libzmq runs the proxy on the calling thread with one poll loop,
// this one forwards each direction on a goroutine of its own, so that a
// direction whose destination is full (Send blocks at the high-water
// mark) does not stop the other. The sockets must not be used elsewhere
// while the proxy runs, except through the capture socket's peers.
func Proxy(ctx context.Context, frontend, backend, capture *Socket) error {
	return NewSteerableProxy(frontend, backend, capture).Run(ctx)
}

// ProxySteerable is [Proxy] steered through a control socket, as libzmq's
// zmq_proxy_steerable: the control socket receives the commands PAUSE,
// RESUME, TERMINATE and STATISTICS, each a single frame (see
// [SteerableProxy] for what they do). STATISTICS is answered with eight
// frames of eight bytes, unsigned integers in the host's byte order as
// libzmq writes them: the frontend's messages received, bytes received,
// messages sent and bytes sent, then the same four for the backend. A
// multipart message counts once, its bytes being those of all its parts
// (libzmq 4.3's counting). A REP control socket is answered with an empty
// message for every other command, as later libzmq versions do, so that it
// can take the next command; other types get no answer. Commands are
// copied to capture, as libzmq 4.3 does. An unknown command is answered
// as the other commands and otherwise ignored (libzmq aborts the process).
//
// It returns nil after TERMINATE; otherwise as Proxy.
func ProxySteerable(ctx context.Context, frontend, backend, capture, control *Socket) error {
	p := NewSteerableProxy(frontend, backend, capture)
	if control == nil {
		return p.Run(ctx)
	}
	return p.run(ctx, control)
}

// Proxy errors.
var (
	// ErrProxySocket reports a nil socket given to a proxy or device.
	ErrProxySocket = errors.New("zmq: proxy needs a frontend and a backend socket")
	// ErrProxyRunning reports a second Run of one SteerableProxy.
	ErrProxyRunning = errors.New("zmq: proxy already running")
)

// SteerableProxy is a proxy steered from Go: [SteerableProxy.Run]
// forwards as [Proxy] does until [SteerableProxy.Terminate]; Pause stops
// forwarding (messages wait in the sockets' queues, up to their
// high-water marks), Resume goes on, and Stats reports what went through.
// Its methods may be called from any goroutine, before, during or after
// Run.
type SteerableProxy struct {
	frontend, backend, capture *Socket

	// mu guards the state. gate is closed and replaced when paused
	// changes. While Run runs and the proxy is not paused, act is the
	// context receives use, which a pause cancels (cause errPaused).
	mu         sync.Mutex
	paused     bool
	terminated bool
	running    bool
	gate       chan struct{}
	runCtx     context.Context
	act        context.Context
	actCancel  context.CancelCauseFunc

	// terminate ends Run; done once.
	terminate chan struct{}
	termOnce  sync.Once

	front, back socketStats
}

// socketStats counts what went through one side of a proxy.
type socketStats struct {
	msgsIn, bytesIn, msgsOut, bytesOut atomic.Uint64
}

func (s *socketStats) load() ProxySocketStats {
	return ProxySocketStats{MsgsIn: s.msgsIn.Load(), BytesIn: s.bytesIn.Load(), MsgsOut: s.msgsOut.Load(), BytesOut: s.bytesOut.Load()}
}

// ProxyStats is what went through a proxy: a multipart message counts
// once, its bytes being those of all its parts. A message is counted as
// sent when the proxy hands it to the destination socket, so that its
// receiver finds it counted.
type ProxyStats struct {
	Frontend, Backend ProxySocketStats
}

// ProxySocketStats counts the messages and bytes a proxy received from
// one of its sockets and sent out of it.
type ProxySocketStats struct {
	MsgsIn, BytesIn, MsgsOut, BytesOut uint64
}

// NewSteerableProxy returns a proxy between frontend and backend, copying
// every message to capture when it is not nil. It runs once Run is called.
func NewSteerableProxy(frontend, backend, capture *Socket) *SteerableProxy {
	return &SteerableProxy{
		frontend:  frontend,
		backend:   backend,
		capture:   capture,
		gate:      make(chan struct{}),
		terminate: make(chan struct{}),
	}
}

// Pause stops forwarding: once it returns, no message goes out until
// Resume (one being sent as it is called may still arrive).
func (p *SteerableProxy) Pause() { p.setPaused(true) }

// Resume goes on forwarding after Pause.
func (p *SteerableProxy) Resume() { p.setPaused(false) }

func (p *SteerableProxy) setPaused(paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused == paused {
		return
	}
	p.paused = paused
	close(p.gate)
	p.gate = make(chan struct{})
	p.activate()
}

// activate makes act match the state: a context for receives while Run
// runs unpaused, none otherwise. mu is held.
func (p *SteerableProxy) activate() {
	if p.actCancel != nil && (p.paused || p.runCtx == nil) {
		p.actCancel(errPaused)
		p.act, p.actCancel = nil, nil
	}
	if p.act == nil && !p.paused && p.runCtx != nil {
		p.act, p.actCancel = context.WithCancelCause(p.runCtx)
	}
}

// Terminate makes Run return nil. A message the proxy holds, received but
// not yet sent, is dropped.
func (p *SteerableProxy) Terminate() {
	p.termOnce.Do(func() {
		p.mu.Lock()
		p.terminated = true
		p.mu.Unlock()
		close(p.terminate)
	})
}

// Stats reports what went through the proxy so far.
func (p *SteerableProxy) Stats() ProxyStats {
	return ProxyStats{Frontend: p.front.load(), Backend: p.back.load()}
}

// Run forwards messages until Terminate (then it returns nil), ctx ends,
// or a socket fails; see [Proxy].
func (p *SteerableProxy) Run(ctx context.Context) error { return p.run(ctx, nil) }

func (p *SteerableProxy) run(ctx context.Context, control *Socket) error {
	if p.frontend == nil || p.backend == nil {
		return ErrProxySocket
	}
	p.mu.Lock()
	if p.running || p.terminated {
		p.mu.Unlock()
		if p.terminated {
			return nil
		}
		return ErrProxyRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.running, p.runCtx = true, ctx
	p.activate()
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.runCtx = nil
		p.activate()
		p.mu.Unlock()
	}()

	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		cancel()
	}
	start := func(f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				fail(err)
			}
		}()
	}
	f, b := p.frontend, p.backend
	if f.typ.receives() && b.typ.sends() {
		start(func(ctx context.Context) error { return p.forward(ctx, f, &p.front, b, &p.back) })
	}
	if f != b && b.typ.receives() && f.typ.sends() {
		start(func(ctx context.Context) error { return p.forward(ctx, b, &p.back, f, &p.front) })
	}
	if control != nil {
		start(func(ctx context.Context) error { return p.steer(ctx, control) })
	}

	select {
	case <-ctx.Done():
	case <-p.terminate:
		cancel()
	}
	wg.Wait()
	select {
	case <-p.terminate:
		return nil
	default:
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// errPaused ends a receive when the proxy pauses.
var errPaused = errors.New("zmq: proxy paused")

// forward moves messages from one socket to the other until ctx ends.
func (p *SteerableProxy) forward(ctx context.Context, from *Socket, fromStats *socketStats, to *Socket, toStats *socketStats) error {
	var m Msg
	defer m.Release()
	for {
		active, err := p.active(ctx)
		if err != nil {
			return err
		}
		if err := from.RecvMsg(active, &m); err != nil {
			if ctx.Err() == nil && context.Cause(active) == errPaused {
				continue
			}
			return proxyErr(ctx, err)
		}
		if active.Err() != nil {
			// Received as the proxy paused: held until it resumes, so
			// that nothing goes out once Pause has returned.
			if _, err := p.active(ctx); err != nil {
				return err
			}
		}
		n := uint64(0)
		for _, fr := range m.Frames {
			n += uint64(len(fr))
		}
		if err := p.copyToCapture(ctx, m); err != nil {
			return err
		}
		// Counted before it goes: whoever receives it then sees it counted.
		fromStats.msgsIn.Add(1)
		fromStats.bytesIn.Add(n)
		toStats.msgsOut.Add(1)
		toStats.bytesOut.Add(n)
		if err := to.Send(ctx, m); err != nil {
			return proxyErr(ctx, err)
		}
	}
}

// copyToCapture sends a copy of m to the capture socket, if any.
func (p *SteerableProxy) copyToCapture(ctx context.Context, m Msg) error {
	if p.capture == nil {
		return nil
	}
	if err := p.capture.Send(ctx, m); err != nil {
		return proxyErr(ctx, fmt.Errorf("zmq: proxy capture: %w", err))
	}
	return nil
}

// proxyErr is err, unless the proxy's own context ended: then that.
func proxyErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// active waits while the proxy is paused, and returns the context of
// receives, which ends with ctx or when the proxy pauses.
func (p *SteerableProxy) active(ctx context.Context) (context.Context, error) {
	for {
		p.mu.Lock()
		act, gate := p.act, p.gate
		p.mu.Unlock()
		if act != nil {
			return act, nil
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// steer serves the control socket.
func (p *SteerableProxy) steer(ctx context.Context, control *Socket) error {
	var m Msg
	defer m.Release()
	for {
		if err := control.RecvMsg(ctx, &m); err != nil {
			return proxyErr(ctx, err)
		}
		if err := p.copyToCapture(ctx, m); err != nil {
			return err
		}
		cmd := ""
		if len(m.Frames) == 1 {
			cmd = string(m.Frames[0])
		}
		var reply Msg
		switch cmd {
		case "PAUSE":
			p.Pause()
		case "RESUME":
			p.Resume()
		case "TERMINATE":
			p.Terminate()
		case "STATISTICS":
			reply = statsMsg(p.Stats())
		}
		if reply.Frames == nil {
			if control.typ != Rep {
				continue
			}
			reply = NewMsg([]byte{})
		}
		if !control.typ.sends() {
			continue
		}
		if err := control.Send(ctx, reply); err != nil {
			return proxyErr(ctx, err)
		}
	}
}

// statsMsg encodes stats as the reply to STATISTICS.
func statsMsg(s ProxyStats) Msg {
	vals := [8]uint64{
		s.Frontend.MsgsIn, s.Frontend.BytesIn, s.Frontend.MsgsOut, s.Frontend.BytesOut,
		s.Backend.MsgsIn, s.Backend.BytesIn, s.Backend.MsgsOut, s.Backend.BytesOut,
	}
	frames := make([][]byte, len(vals))
	for i, v := range vals {
		frames[i] = binary.NativeEndian.AppendUint64(nil, v)
	}
	return NewMsg(frames...)
}
