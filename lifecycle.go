package zmq

import (
	"errors"
	"math/rand/v2"
	"net"
	"slices"
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
	if !s.pat.attach(p) {
		return false
	}
	p.attached = true
	s.pipes[p] = struct{}{}
	// A sender blocked for want of a peer may go now.
	signal(s.writable)
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

// terminatePipeLater terminates p and closes its connection, for use from
// inside a pattern. s.mu is held.
func (s *Socket) terminatePipeLater(p *peerPipe) {
	s.terminatePipe(p)
	if e := p.eng; e != nil {
		go e.kill()
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

// serveConn runs one ZMTP connection to its end. It returns a
// *protocolError if the peer broke the protocol.
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

	peer, legacy, err := e.handshake()
	if err != nil {
		conn.Close()
		return err
	}

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
		e.lingering.Store(true)
	}
	if s.typ.receives() {
		if e.raw = rawConn(conn); e.raw != nil {
			s.inline = append(s.inline, &e.rd)
		}
	}
	s.mu.Unlock()
	ep.established.Store(true)

	go e.writeLoop()
	err = e.readLoop()
	if !e.lingering.Load() {
		e.kill()
	}
	<-e.wdone
	conn.Close()

	s.mu.Lock()
	p.eng = nil
	if e.raw != nil {
		s.inline = slices.DeleteFunc(s.inline, func(r *frameReader) bool { return r == &e.rd })
	}
	p.in.SetCallbacks(func() { s.activateIn(p) }, nil)
	if ep.persistent != p || s.closed || isProtocol(err) {
		s.terminatePipe(p)
	}
	s.mu.Unlock()
	return err
}

func isProtocol(err error) bool {
	var pe *protocolError
	return errors.As(err, &pe)
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
	e.lingering.Store(true)
	if e.out != nil {
		e.out.CloseLocked()
	}
	signal(e.space)
}

// kill closes the connection at once.
func (e *engine) kill() {
	e.stopWriter()
	e.conn.Close()
}

// connectLoop dials an endpoint, serves each connection, and redials after
// ReconnectInterval (with jitter, or doubling up to ReconnectIntervalMax)
// until the endpoint is stopped or the peer breaks the protocol.
func (s *Socket) connectLoop(ep *endpoint) {
	defer s.wg.Done()
	s.mu.Lock()
	base, maxIvl := s.opts.reconnectIvl, s.opts.reconnectIvlMax
	cfg := s.tcpConfig()
	s.mu.Unlock()
	ivl := base
	for {
		var conn net.Conn
		var err error
		if ep.te.Scheme == "tcp" {
			conn, err = transport.DialTCP(ep.ctx, ep.te.Addr, cfg)
		} else {
			conn, err = transport.DialIPC(ep.ctx, ep.te.Addr)
		}
		if err == nil {
			err = s.serveConnOf(conn, ep)
			if isProtocol(err) {
				return
			}
			// Back off again from the start only after a connection that
			// completed its handshake.
			if ep.established.Swap(false) {
				ivl = base
			}
		}
		if ep.ctx.Err() != nil || s.lingerDone(ep) {
			return
		}
		if base < 0 {
			s.mu.Lock()
			if ep.persistent != nil {
				s.terminatePipe(ep.persistent)
			}
			s.mu.Unlock()
			return
		}
		wait := ivl
		if base > 0 {
			wait += rand.N(base)
		}
		if maxIvl > base {
			ivl = min(2*ivl, maxIvl)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ep.ctx.Done():
			t.Stop()
			return
		}
	}
}

func (s *Socket) serveConnOf(conn net.Conn, ep *endpoint) error {
	if s.typ == Stream {
		return s.serveRaw(conn, ep)
	}
	return s.serveConn(conn, ep)
}

// lingerDone reports whether a closing socket has nothing left to deliver
// through ep.
func (s *Socket) lingerDone(ep *endpoint) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed && (ep.persistent == nil || ep.persistent.gone || !ep.persistent.out.pending())
}
