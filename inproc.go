package zmq

import (
	"slices"

	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// inproc connects two sockets of one context by a pair of queues: each
// socket's sends go straight into the other's inbound queue, so messages
// pass by reference, without encoding or copying.
//
// Locking. Two sockets may bind and connect to each other at the same time,
// so no goroutine holds two sockets' mutexes at once: joining a connecting
// socket to a binding one takes the binder's mutex, then (after releasing
// it) the connector's, and what each step needs of the other socket was
// recorded beforehand (the connector's options in its inprocPending) or is
// guarded by something else (the queues have mutexes of their own, and the
// activation callbacks take only the socket's actMu). Likewise a receiver
// takes its sender's stage (inprocStage.Pull, under the sender's mutex)
// holding no socket mutex. Context.mu is taken under at most one socket's
// mutex and nothing is taken under it, so the lock order is: one
// Socket.mu, then Context.mu, then the leaf locks (a pipe.Queue's, a
// socket's actMu), and no cycle can form.

type inprocListener struct {
	s  *Socket
	ep *endpoint
}

// inprocPending is a connect that waits for its bind, or that is being
// joined to its binding socket. It is complete before it is published (in
// the context's pending map or to acceptPending) and its fields do not
// change afterwards.
type inprocPending struct {
	s  *Socket
	ep *endpoint
	p  *peerPipe   // the connecting socket's pipe
	q  *pipe.Queue // what the connecting socket sends into

	// The connecting socket's options as of the connect, which libzmq
	// also keeps with a pending connection: the binding socket reads
	// them here, not under the connecting socket's mutex.
	sendHWM, recvHWM int
	routingID        []byte
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
	s.lastEP, s.lastAddr = name, nil
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
	s.lastEP, s.lastAddr = name, nil
	pd := &inprocPending{
		s: s, ep: ep,
		sendHWM: s.opts.sendHWM, recvHWM: s.opts.recvHWM, routingID: s.opts.routingID,
	}
	// Until the bind, messages queue up to our own SNDHWM (libzmq does
	// the same); the bind sets the queues up for the pair.
	pd.q = pipe.NewQueue(s.opts.sendHWM, nil, nil)
	pd.p = &peerPipe{ep: ep, out: newQueueOut(pd.q, &s.mu)}
	pd.p.in = pipe.NewQueue(inprocHWM(1, s.opts.recvHWM), nil, nil)
	pd.p.in.SetConflate(s.opts.conflate)
	pd.p.in.SetCallbacks(func() { s.activateIn(pd.p) }, nil)
	pd.q.SetCallbacks(nil, func() { s.activateOut(pd.p) })

	// s.mu stays held while pd is published, so a bind that takes it
	// from the pending map finds it attached: the bind attaches it only
	// under s.mu, after this.
	c.mu.Lock()
	l := c.inproc[te.Addr]
	if l == nil {
		c.pending[te.Addr] = append(c.pending[te.Addr], pd)
	}
	c.mu.Unlock()
	if l == nil {
		// Messages queue for the bind, unless the pattern needs the
		// peer's identity first.
		if s.typ != Router {
			s.attachPipe(pd.p)
		}
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	l.s.acceptPending(l.ep, pd)
	return nil
}

// acceptPending joins the connect pd to the binding socket s, at its
// endpoint ep. No mutex is held on entry. It takes s.mu, then pd.s.mu,
// never both (see Locking above); either socket may close, and ep be
// unbound, in between:
//   - s closed or ep unbound before s.mu: the connection is refused and
//     the connecting socket sees its pipe end;
//   - s closed after: s terminated its pipe (closing both queues) and the
//     connecting socket receives what s sent, then sees the end;
//   - the connecting socket closed, or disconnected pd.ep: its pipe is
//     not attached (or was terminated), and s receives what it had sent,
//     such as messages queued before the bind, then sees the end.
func (s *Socket) acceptPending(ep *endpoint, pd *inprocPending) {
	cs := pd.s
	if !zmtp.Compatible(s.typ.String(), cs.typ.String()) {
		return
	}
	s.mu.Lock()
	if !s.hasEndpoint(ep) {
		s.mu.Unlock()
		pd.q.Close()
		pd.p.in.Close()
		return
	}
	bp := &peerPipe{ep: ep, in: pd.q, out: newQueueOut(pd.p.in, &s.mu), peerType: cs.typ}
	if cs.typ.usesRoutingID() {
		bp.identity = pd.routingID
	}
	rid := s.opts.routingID
	// Both queues are set up for the pair before s can use bp, so that
	// neither side misses a notification.
	pd.q.SetConflate(s.opts.conflate)
	pd.q.SetCallbacks(func() { s.activateIn(bp) }, func() { cs.activateOut(pd.p) })
	pd.q.SetHWM(inprocHWM(pd.sendHWM, s.opts.recvHWM))
	pd.p.in.SetCallbacks(func() { cs.activateIn(pd.p) }, func() { s.activateOut(bp) })
	pd.p.in.SetHWM(inprocHWM(s.opts.sendHWM, pd.recvHWM))
	ok := s.attachPipe(bp)
	s.mu.Unlock()
	if !ok {
		pd.q.Close()
		pd.p.in.Close()
		return
	}

	cs.mu.Lock()
	live := cs.hasEndpoint(pd.ep) && !pd.p.gone
	if live {
		pd.p.peerType = s.typ
		if s.typ.usesRoutingID() {
			pd.p.identity = rid
		}
		live = pd.p.attached || cs.attachPipe(pd.p)
	}
	cs.mu.Unlock()
	if !live {
		pd.q.Close()
		pd.p.in.Close()
	} else {
		// What s sent before the attach is waiting for cs, and a pipe
		// s has closed meanwhile is to be dropped.
		cs.activateIn(pd.p)
	}
	// Anything queued before the bind is waiting for s, and a pipe closed
	// by cs is to be dropped.
	s.activateIn(bp)
}

// hasEndpoint reports whether ep is still bound or connected: the socket
// is open and ep was not unbound or disconnected. s.mu is held.
func (s *Socket) hasEndpoint(ep *endpoint) bool {
	return !s.closed && slices.Contains(s.endpoints[ep.name], ep)
}
