package zmq

import (
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"syscall"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// newStreamPipe makes the pipe for a connection-based peer. s.mu is held.
func (s *Socket) newStreamPipe(ep *endpoint) *peerPipe {
	p := &peerPipe{ep: ep}
	p.in = pipe.NewQueue(s.opts.recvHWM, func() { s.activateIn(p) }, nil)
	p.out = &streamOut{o: pipe.NewOut(&s.mu, s.opts.sendHWM, func() { s.activateOut(p) }), pp: p}
	if s.opts.conflate {
		p.in.SetConflate(true)
		p.out.(*streamOut).o.SetConflate(true)
	}
	return p
}

// attachPipe introduces p to the pattern; false if the pattern refuses it
// (a second PAIR peer, a duplicate ROUTER identity). s.mu is held.
func (s *Socket) attachPipe(p *peerPipe) bool {
	// A refusal may be for an inproc peer that has already left (see
	// dropDepartedInproc): drop those and ask once more.
	if !s.pat.attach(p) && (!s.dropDepartedInproc() || !s.pat.attach(p)) {
		return false
	}
	p.attached = true
	s.pipes[p] = struct{}{}
	// A sender blocked for want of a peer may go now.
	signal(s.writable)
	s.notifyWatchers()
	return true
}

// terminatePipe detaches p for good: nothing more is sent to it, and what
// it already delivered can still be received. s.mu is held.
func (s *Socket) terminatePipe(p *peerPipe) {
	if p.gone {
		return
	}
	p.gone = true
	delete(s.pipes, p)
	if p.attached {
		s.pat.detach(p)
	}
	p.out.close()
	p.in.Close()
	if !p.attached {
		p.in.Drain()
	}
}

// dropDepartedInproc terminates the inproc pipes whose peer has left, and
// reports whether there were any. An inproc peer leaves by closing the
// queue it fed us, which notifies us only if we were waiting to receive
// from it; otherwise we learn of it only when we next receive from that
// pipe. A socket that admits one peer at a time (PAIR) or one per routing
// id (ROUTER) must not refuse a newcomer for such a pipe, least of all an
// inproc connect, which is not retried. Over tcp and ipc the connection's
// end terminates the pipe at once. s.mu is held.
func (s *Socket) dropDepartedInproc() bool {
	dropped := false
	for p := range s.pipes {
		if !p.gone && isInproc(p) && p.in.Closed() {
			s.terminatePipe(p)
			dropped = true
		}
	}
	return dropped
}

// terminatePipeAndConn terminates p and closes its connection, for use
// from inside a pattern. s.mu is held, so the connection is closed on a
// goroutine of its own (see engine.kill).
func (s *Socket) terminatePipeAndConn(p *peerPipe) {
	s.terminatePipe(p)
	if e := p.eng; e != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			e.close()
		}()
	}
}

// pipeDrained is called when p's inbound queue has ended and is empty.
func (s *Socket) pipeDrained(p *peerPipe) {
	if d, ok := s.pat.(interface{ drained(*peerPipe) }); ok {
		d.drained(p)
	}
}

// takeFramesOwned is takeFrames keeping the buffer references in m.
func (s *Socket) takeFramesOwned(p *peerPipe, m *Msg) bool {
	keep := s.keepChunks
	s.keepChunks = true
	ok := s.takeFrames(p, m)
	s.keepChunks = keep
	return ok
}

// serveConn runs one ZMTP connection to its end, and returns why it
// ended: a *ProtocolError or *AuthError if the peer broke the protocol or
// refused us, a *TimeoutError if it went silent.
func (s *Socket) serveConn(conn net.Conn, ep *endpoint) error {
	e := newEngine(s, conn, ep)
	if !ep.addEngine(e) {
		conn.Close()
		return net.ErrClosed
	}
	defer ep.removeEngine(e)
	s.mu.Lock()
	e.opts = s.opts
	s.mu.Unlock()
	e.initHeartbeat()
	fd := connFD(conn)

	peer, legacy, err := e.handshake()
	if err != nil {
		conn.Close()
		if !e.local.Load() {
			s.handshakeFailed(ep, conn, fd, err)
		}
		return err
	}

	props := newConnProps(e, peer)
	s.mu.Lock()
	p := ep.persistent
	if (s.closed && (p == nil || !p.out.pending())) || (p != nil && p.gone) {
		s.mu.Unlock()
		conn.Close()
		return net.ErrClosed
	}
	fresh := p == nil
	if fresh {
		p = s.newStreamPipe(ep)
	}
	p.legacy = legacy
	p.setProps(props)
	if st, ok := peer.Get(zmtp.PropSocketType); ok {
		p.peerType = typeByName(string(st))
	}
	if id, ok := peer.Get(zmtp.PropIdentity); ok && len(id) > 0 {
		p.identity = append([]byte(nil), id...)
	}
	if fresh && ep.connectRID != nil {
		p.routingID, ep.connectRID = ep.connectRID, nil
	}
	p.eng = e
	e.p = p
	e.out = p.out.(*streamOut).o
	p.in.SetCallbacks(func() { s.activateIn(p) }, func() { signal(e.space) })
	if fresh {
		if !s.attachPipe(p) {
			s.mu.Unlock()
			conn.Close()
			return nil
		}
	} else if h, ok := s.pat.(hiccuper); ok && (p.connected || legacy) {
		// Reconnected (or the peer speaks ZMTP 3.0, which needs subscriptions
		// in the other form): resend the subscriptions (libzmq's hiccup).
		h.hiccup(p)
	}
	p.connected = true
	if s.closed {
		e.startLinger()
	}
	// The reader goroutine reads raw where it may, whatever the socket
	// type, so that it waits holding no lock and, once trimmed, no
	// buffer; only a receiving socket reads inline too.
	e.sys = rawConn(conn)
	if s.typ.receives() && e.sys != nil {
		e.raw = e.sys
		s.inline = append(s.inline, &e.rd)
	}
	if (s.typ == Req || s.typ == Rep) && e.sys != nil {
		// Lockstep sockets write from the sender (see inlineWrite).
		out := e.out
		w := e.inlineWrite
		if e.curve != nil {
			w = e.inlineSeal
		}
		out.SetInline(w, func() bool {
			if !s.deferFlush {
				return false
			}
			s.flushOut = out
			return true
		})
	}
	s.startJanitor()
	s.pokeReceivers() // a receive waiting in poll(2) takes the connection in
	s.mu.Unlock()
	ep.established.Store(true)
	s.emitConn(EventHandshakeSucceeded, ep.name, conn, 0, nil)

	e.startHeartbeat()
	go e.writeLoop()
	err = e.readLoop()
	if !e.lingering.Load() {
		e.kill()
	}
	<-e.wdone
	e.hb.stop()
	e.stopLinger()
	if e.finTimer != nil {
		e.finTimer.Stop()
	}
	conn.Close()
	err = e.reason(err)

	s.mu.Lock()
	p.eng = nil
	e.out.SetInline(nil, nil)
	if e.raw != nil {
		s.inline = slices.DeleteFunc(s.inline, func(r *frameReader) bool { return r == &e.rd })
		s.pokeReceivers() // a receive waiting in poll(2) lets go of it
	}
	p.in.SetCallbacks(func() { s.activateIn(p) }, nil)
	if ep.persistent != p || s.closed || endsForGood(err) {
		s.terminatePipe(p)
	}
	s.mu.Unlock()
	if !e.local.Load() && !e.lingering.Load() {
		var cde *curveDataError
		var pe *ProtocolError
		if errors.As(err, &cde) && errors.As(err, &pe) {
			s.emitConn(EventHandshakeFailedProtocol, ep.name, conn, uint32(pe.Code), err)
		}
		s.emitConn(EventDisconnected, ep.name, conn, fd, err)
	}
	return err
}

// handshakeFailed reports a failed handshake to the monitors, as libzmq
// does: the failure's kind, then the disconnection.
func (s *Socket) handshakeFailed(ep *endpoint, conn net.Conn, fd uint32, err error) {
	if !s.monAny.Load() {
		return
	}
	var pe *ProtocolError
	var ae *AuthError
	switch {
	case errors.As(err, &ae):
		s.emitConn(EventHandshakeFailedAuth, ep.name, conn, uint32(ae.Status), err)
	case errors.As(err, &pe):
		s.emitConn(EventHandshakeFailedProtocol, ep.name, conn, uint32(pe.Code), err)
	default:
		s.emitConn(EventHandshakeFailedNoDetail, ep.name, conn, errnoOf(err), err)
	}
	s.emitConn(EventDisconnected, ep.name, conn, fd, err)
}

func typeByName(name string) Type {
	for i, n := range typeNames {
		if n == name {
			return Type(i)
		}
	}
	return -1
}

// linger asks the engine to flush what is queued, half-close, and wait a
// little for the peer to close.
func (e *engine) linger() {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	e.lingerLocked()
}

// lingerLocked is linger for a caller that holds the socket's mutex.
// An engine still in its handshake has no stream yet: it sees the closed
// socket when the handshake ends, and lingers then.
func (e *engine) lingerLocked() {
	e.startLinger()
	if e.out != nil {
		e.out.CloseLocked()
	}
	signal(e.space)
}

// kill closes the connection at once. Closing waits for a read in
// progress, and the reader takes frameReader.mu, heartbeat.mu and
// Socket.mu: kill must not be called with any of them held.
func (e *engine) kill() {
	e.stopWriter()
	e.conn.Close()
}

// close closes the connection at once for the socket's own reasons (an
// Unbind, a Disconnect, a Close without linger, a pattern dropping the
// peer): the monitor hears of no disconnection.
func (e *engine) close() {
	e.local.Store(true)
	e.kill()
}

// connectLoop dials an endpoint, serves each connection, and redials after
// ReconnectInterval (with jitter, or doubling up to ReconnectIntervalMax)
// until the endpoint is stopped, the peer breaks the protocol, or a
// condition of ReconnectStop is met.
func (s *Socket) connectLoop(ep *endpoint) {
	defer s.wg.Done()
	s.mu.Lock()
	base, maxIvl := s.opts.reconnectIvl, s.opts.reconnectIvlMax
	stop := s.opts.reconnectStop
	cfg := s.transportConfig()
	s.mu.Unlock()
	ivl := base
	for {
		conn, err := s.dial(ep, cfg)
		switch {
		case err != nil:
			if ep.ctx.Err() != nil {
				return
			}
			s.emit(EventClosed, ep.name, errnoOf(err), err)
			if stop&StopOnConnRefused != 0 && errors.Is(err, syscall.ECONNREFUSED) {
				s.giveUp(ep)
				return
			}
		default:
			s.emitConn(EventConnected, ep.name, conn, connFD(conn), nil)
			err = s.serveConnOf(conn, ep)
			s.mu.Lock()
			ep.lastConn = time.Now()
			s.mu.Unlock()
			established := ep.established.Swap(false)
			if endsForGood(err) || !established && stop&StopOnHandshakeFailed != 0 && ep.ctx.Err() == nil {
				s.giveUp(ep)
				return
			}
			// Back off again from the start only after a connection that
			// completed its handshake.
			if established {
				ivl = base
			}
		}
		if ep.ctx.Err() != nil || s.lingerDone(ep) {
			return
		}
		if s.peerGone(ep, err) {
			s.giveUp(ep)
			return
		}
		if base < 0 {
			s.giveUp(ep)
			return
		}
		wait := ivl
		if base > 0 {
			wait = addSat(wait, rand.N(base))
		}
		if maxIvl > base {
			ivl = min(addSat(ivl, ivl), maxIvl)
		}
		s.emit(EventConnectRetried, ep.name, uint32(min(wait.Milliseconds(), math.MaxUint32)), nil)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ep.ctx.Done():
			t.Stop()
			return
		}
	}
}

// addSat adds durations, saturating instead of overflowing: a reconnect
// interval of centuries must not wrap to a negative wait.
func addSat(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// dial makes one connection attempt to a connected endpoint.
func (s *Socket) dial(ep *endpoint, cfg transport.Config) (net.Conn, error) {
	if ep.stream.DialDelayed() {
		s.emit(EventConnectDelayed, ep.name, 0, nil)
	}
	return ep.stream.Dial(ep.ctx, ep.te.Addr, cfg)
}

// giveUp ends a connected endpoint's reconnection: its queue goes, as
// libzmq's session does.
func (s *Socket) giveUp(ep *endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep.persistent != nil {
		s.terminatePipe(ep.persistent)
	}
}

func (s *Socket) serveConnOf(conn net.Conn, ep *endpoint) error {
	if s.typ == Stream {
		return s.serveRaw(conn, ep)
	}
	return s.serveConn(conn, ep)
}

// peerGone reports whether a closing socket should stop trying to deliver
// through ep: the last attempt failed (err), and nothing has come of the
// endpoint for lingerStall, since the socket began closing or the last
// connection ended.
func (s *Socket) peerGone(ep *endpoint, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed || err == nil {
		return false
	}
	since := s.closedAt
	if ep.lastConn.After(since) {
		since = ep.lastConn
	}
	return time.Since(since) >= lingerStall()
}

// lingerDone reports whether a closing socket has nothing left to deliver
// through ep.
func (s *Socket) lingerDone(ep *endpoint) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed && (ep.persistent == nil || !s.undeliveredLocked(ep.persistent))
}
