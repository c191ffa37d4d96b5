package zmq

func newPattern(s *Socket) pattern {
	switch s.typ {
	case Push:
		return &pushPattern{}
	case Pull:
		return &pullPattern{fq: fairQueue{s: s}}
	case Pair:
		return &pairPattern{s: s}
	case Dealer:
		return &dealerPattern{s: s, fq: fairQueue{s: s}}
	case Req:
		return newReqPattern(s)
	case Rep:
		return &repPattern{s: s, fq: fairQueue{s: s}}
	case Router:
		return newRouterPattern(s)
	case Pub, XPub:
		return newPubPattern(s)
	case Sub, XSub:
		return &subPattern{s: s, fq: fairQueue{s: s}, subs: subTrie{counted: true}}
	case Stream:
		return newStreamPattern(s)
	}
	panic("zmq: unknown socket type")
}

// PUSH: load-balances out, never receives (RFC 30).
type pushPattern struct{ lb loadBalancer }

func (x *pushPattern) attach(p *peerPipe) bool    { x.lb.attach(p); return true }
func (x *pushPattern) detach(p *peerPipe)         { x.lb.remove(p) }
func (x *pushPattern) send(m *Msg) error          { _, err := x.lb.send(m); return err }
func (x *pushPattern) recv(*Msg) error            { return ErrNotSupported }
func (x *pushPattern) readActivated(p *peerPipe)  { p.in.Drain() }
func (x *pushPattern) writeActivated(p *peerPipe) { x.lb.activate(p) }
func (x *pushPattern) hasIn() bool                { return false }
func (x *pushPattern) hasOut() bool               { return x.lb.hasOut() }

// PULL: fair-queues in, never sends (RFC 30).
type pullPattern struct{ fq fairQueue }

func (x *pullPattern) attach(p *peerPipe) bool    { x.fq.attach(p); return true }
func (x *pullPattern) detach(p *peerPipe)         { x.fq.detach(p) }
func (x *pullPattern) send(*Msg) error            { return ErrNotSupported }
func (x *pullPattern) recv(m *Msg) error          { _, err := x.fq.recv(m); return err }
func (x *pullPattern) readActivated(p *peerPipe)  { x.fq.activate(p) }
func (x *pullPattern) writeActivated(p *peerPipe) {}
func (x *pullPattern) hasIn() bool                { return x.fq.ready(nil) }
func (x *pullPattern) hasOut() bool               { return false }

// PAIR: exactly one peer; later ones are refused while it exists (RFC 31).
type pairPattern struct {
	s    *Socket
	peer *peerPipe
}

func (x *pairPattern) attach(p *peerPipe) bool {
	if x.peer != nil {
		return false
	}
	x.peer = p
	return true
}

// detach keeps a departed peer until what it sent has been received; a new
// peer is accepted after that (libzmq refuses one while the old pipe lives).
func (x *pairPattern) detach(p *peerPipe) {
	if x.peer == p && !p.in.Peek() {
		x.peer = nil
	}
}

func (x *pairPattern) drained(p *peerPipe) {
	if x.peer == p {
		x.peer = nil
	}
}

func (x *pairPattern) send(m *Msg) error {
	if x.peer == nil || x.peer.gone || !x.peer.pushMsg(m) {
		return errAgain
	}
	return nil
}

func (x *pairPattern) recv(m *Msg) error {
	if x.peer == nil || !x.s.takeFrames(x.peer, m) {
		return errAgain
	}
	return nil
}

func (x *pairPattern) readActivated(*peerPipe)  {}
func (x *pairPattern) writeActivated(*peerPipe) {}

func (x *pairPattern) hasIn() bool { return x.peer != nil && x.s.peekFrames(x.peer) != nil }
func (x *pairPattern) hasOut() bool {
	return x.peer != nil && !x.peer.gone && !x.peer.out.full()
}

// DEALER: load-balances out, fair-queues in (RFC 28).
type dealerPattern struct {
	s  *Socket
	lb loadBalancer
	fq fairQueue
}

func (x *dealerPattern) attach(p *peerPipe) bool {
	if x.s.opts.probeRouter {
		p.out.push([][]byte{nil}, nil)
	}
	x.lb.attach(p)
	x.fq.attach(p)
	return true
}

func (x *dealerPattern) detach(p *peerPipe)         { x.lb.remove(p); x.fq.detach(p) }
func (x *dealerPattern) send(m *Msg) error          { _, err := x.lb.send(m); return err }
func (x *dealerPattern) recv(m *Msg) error          { _, err := x.fq.recv(m); return err }
func (x *dealerPattern) hasIn() bool                { return x.fq.ready(nil) }
func (x *dealerPattern) hasOut() bool               { return x.lb.hasOut() }
func (x *dealerPattern) readActivated(p *peerPipe)  { x.fq.activate(p) }
func (x *dealerPattern) writeActivated(p *peerPipe) { x.lb.activate(p) }
