package zmq

import (
	"encoding/binary"
	"math/rand/v2"
)

// ROUTER: fair-queues in, prefixing each message with the routing id of
// the peer it came from, and routes out by the first frame (RFC 28).
type routerPattern struct {
	s      *Socket
	fq     fairQueue
	byID   map[string]*peerPipe
	nextID uint32
}

func newRouterPattern(s *Socket) *routerPattern {
	return &routerPattern{s: s, fq: fairQueue{s: s}, byID: make(map[string]*peerPipe), nextID: rand.Uint32()}
}

// autoID returns a fresh id: a zero byte and a counter, as libzmq does, so
// it never collides with an identity a peer may choose (those cannot start
// with a zero byte... in practice; a collision is checked anyway).
func (x *routerPattern) autoID() []byte {
	for {
		x.nextID++
		id := binary.BigEndian.AppendUint32([]byte{0}, x.nextID)
		if x.byID[string(id)] == nil {
			return id
		}
	}
}

func (x *routerPattern) attach(p *peerPipe) bool {
	id := p.routingID
	if len(id) == 0 {
		id = p.identity
	}
	if len(id) == 0 {
		id = x.autoID()
	} else if old := x.byID[string(id)]; old != nil {
		if !x.s.opts.routerHandover {
			return false
		}
		// The newcomer takes over; the old connection gets an auto id and
		// is closed.
		delete(x.byID, string(id))
		old.routingID = x.autoID()
		x.byID[string(old.routingID)] = old
		x.s.terminatePipeAndConn(old)
	}
	p.routingID = id
	x.byID[string(id)] = p
	if x.s.opts.probeRouter {
		p.out.push([][]byte{nil}, nil)
	}
	x.fq.attach(p)
	return true
}

func (x *routerPattern) detach(p *peerPipe) {
	if x.byID[string(p.routingID)] == p {
		delete(x.byID, string(p.routingID))
	}
	x.fq.detach(p)
}

func (x *routerPattern) readActivated(p *peerPipe) { x.fq.activate(p) }
func (x *routerPattern) writeActivated(*peerPipe)  { signal(x.s.writable) }

func (x *routerPattern) send(m *Msg) error {
	if len(m.Frames) < 2 {
		return nil // a lone routing id is ignored, as in libzmq
	}
	p := x.byID[string(m.Frames[0])]
	if p == nil || p.gone {
		if x.s.opts.routerMandatory {
			return ErrHostUnreachable
		}
		return nil
	}
	var chunks = m.chunkRefs()
	if chunks != nil {
		chunks = chunks[1:]
	}
	if !p.pushParts(m.Frames[1:], chunks) {
		if x.s.opts.routerMandatory {
			return errAgain
		}
	}
	return nil
}

// A ROUTER always takes a message: one for a peer that cannot take it is
// dropped, or refused at once with RouterMandatory.
func (x *routerPattern) hasIn() bool  { return x.fq.ready(nil) }
func (x *routerPattern) hasOut() bool { return true }

func (x *routerPattern) recv(m *Msg) error {
	p, err := x.fq.recv(m)
	if err != nil {
		return err
	}
	m.pushFront(p.routingID)
	return nil
}
