package zmq

import (
	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// inproc connects two sockets of one context by a pair of queues: each
// socket's sends go straight into the other's inbound queue, so messages
// pass by reference, without encoding or copying.

type inprocListener struct {
	s  *Socket
	ep *endpoint
}

// inprocPending is a connect that waits for its bind.
type inprocPending struct {
	s  *Socket
	ep *endpoint
	p  *peerPipe   // the connecting socket's pipe
	q  *pipe.Queue // what the connecting socket sends into
}

// inprocHWM is libzmq's inproc queue size: the sender's SNDHWM plus the
// receiver's RCVHWM, unlimited if either is.
func inprocHWM(snd, rcv int) int {
	if snd == 0 || rcv == 0 {
		return 0
	}
	return snd + rcv
}

// bindInproc registers the endpoint and completes the connects waiting for
// it. s.mu is not held.
func (s *Socket) bindInproc(te transport.Endpoint) error {
	name := te.String()
	c := s.ctx
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	ep := s.newEndpoint(name, te, true)
	ep.inproc = &inprocListener{s: s, ep: ep}
	c.mu.Lock()
	if c.inproc[te.Addr] != nil {
		c.mu.Unlock()
		s.mu.Unlock()
		return ErrAddrInUse
	}
	c.inproc[te.Addr] = ep.inproc
	pending := c.pending[te.Addr]
	delete(c.pending, te.Addr)
	c.mu.Unlock()
	s.endpoints[name] = append(s.endpoints[name], ep)
	s.lastEP = name
	s.mu.Unlock()
	for _, pd := range pending {
		s.acceptPending(ep, pd)
	}
	return nil
}

func (c *Context) unbindInproc(ep *endpoint) {
	c.mu.Lock()
	if c.inproc[ep.te.Addr] == ep.inproc {
		delete(c.inproc, ep.te.Addr)
	}
	c.mu.Unlock()
}

// connectInproc joins s to the socket bound at te, or queues the connect
// until that bind. s.mu is not held.
func (s *Socket) connectInproc(te transport.Endpoint) error {
	name := te.String()
	c := s.ctx
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	ep := s.newEndpoint(name, te, false)
	s.endpoints[name] = append(s.endpoints[name], ep)
	s.lastEP = name
	pd := &inprocPending{s: s, ep: ep, q: pipe.NewQueue(0, nil, nil)}
	pd.p = &peerPipe{ep: ep, out: newQueueOut(pd.q, &s.mu)}
	pd.p.in = pipe.NewQueue(inprocHWM(1, s.opts.recvHWM), nil, nil)
	pd.p.in.SetConflate(s.opts.conflate)
	s.mu.Unlock()

	c.mu.Lock()
	l := c.inproc[te.Addr]
	if l == nil {
		c.pending[te.Addr] = append(c.pending[te.Addr], pd)
		c.mu.Unlock()
		// Until the bind, messages queue up to our own SNDHWM (libzmq
		// does the same), unless the pattern needs the peer's identity.
		s.mu.Lock()
		pd.q.SetHWM(s.opts.sendHWM)
		pd.p.in.SetCallbacks(func() { s.activateIn(pd.p) }, nil)
		pd.q.SetCallbacks(nil, func() { s.activateOut(pd.p) })
		if s.typ != Router && !s.closed {
			s.attachPipe(pd.p)
		}
		s.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	l.s.acceptPending(l.ep, pd)
	return nil
}

// acceptPending completes an inproc connection on the binding socket s.
// Neither socket's mutex is held; each is taken in turn, never both.
func (s *Socket) acceptPending(ep *endpoint, pd *inprocPending) {
	cs := pd.s
	if !zmtp.Compatible(s.typ.String(), cs.typ.String()) {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	bp := &peerPipe{ep: ep, in: pd.q, out: newQueueOut(pd.p.in, &s.mu), peerType: cs.typ}
	snd, rcv, rid := s.opts.sendHWM, s.opts.recvHWM, s.opts.routingID
	cs.mu.Lock()
	connSnd, connRcv, connRID := cs.opts.sendHWM, cs.opts.recvHWM, cs.opts.routingID
	cs.mu.Unlock()
	if cs.typ.usesRoutingID() {
		bp.identity = connRID
	}
	pd.q.SetConflate(s.opts.conflate)
	pd.q.SetCallbacks(func() { s.activateIn(bp) }, func() { cs.activateOut(pd.p) })
	pd.q.SetHWM(inprocHWM(connSnd, rcv))
	ok := s.attachPipe(bp)
	s.mu.Unlock()
	if !ok {
		pd.q.Close()
		pd.p.in.Close()
		return
	}

	cs.mu.Lock()
	pd.p.peerType = s.typ
	if s.typ.usesRoutingID() {
		pd.p.identity = rid
	}
	pd.p.in.SetCallbacks(func() { cs.activateIn(pd.p) }, func() { s.activateOut(bp) })
	pd.p.in.SetHWM(inprocHWM(snd, connRcv))
	if cs.closed {
		cs.mu.Unlock()
		pd.q.Close()
		pd.p.in.Close()
		return
	}
	if !pd.p.attached && !cs.attachPipe(pd.p) {
		pd.q.Close()
		pd.p.in.Close()
	}
	cs.mu.Unlock()
	// Anything queued before the bind is waiting for us.
	s.activateIn(bp)
}
