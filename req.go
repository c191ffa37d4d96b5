package zmq

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/zmq-go/zmq/internal/pipe"
)

// REQ: sends a request to one peer (round-robin) and accepts the reply only
// from that peer, in strict alternation (RFC 28).
type reqPattern struct {
	s         *Socket
	lb        loadBalancer
	fq        fairQueue
	receiving bool
	replyPipe *peerPipe
	reqID     uint32
	frames    [][]byte
	chunks    []*pipe.Chunk
	valid     func(*peerPipe, []pipe.Frame) bool // hasIn's filter, made once
}

func newReqPattern(s *Socket) *reqPattern {
	return &reqPattern{s: s, fq: fairQueue{s: s}, reqID: rand.Uint32()}
}

func (x *reqPattern) attach(p *peerPipe) bool {
	if x.s.opts.probeRouter {
		p.out.push([][]byte{nil}, nil)
	}
	x.lb.attach(p)
	x.fq.attach(p)
	return true
}

// detach keeps replyPipe: a reply the peer sent before it went is still
// queued and must be delivered.
func (x *reqPattern) detach(p *peerPipe) { x.lb.remove(p); x.fq.detach(p) }

func (x *reqPattern) readActivated(p *peerPipe)  { x.fq.activate(p) }
func (x *reqPattern) writeActivated(p *peerPipe) { x.lb.activate(p) }

func (x *reqPattern) send(m *Msg) error {
	if x.receiving && !x.s.opts.reqRelaxed {
		return ErrState
	}
	// Replies that were already waiting belong to older requests.
	var drop Msg
	for {
		if _, err := x.fq.recv(&drop); err != nil {
			break
		}
		drop.Release()
	}
	// Build [request id][empty delimiter][body...].
	frames, chunks := x.frames[:0], x.chunks[:0]
	id := x.reqID + 1
	if x.s.opts.reqCorrelate {
		idf := binary.NativeEndian.AppendUint32(make([]byte, 0, 4), id) // an inproc peer keeps it
		frames = append(frames, idf)
		chunks = append(chunks, nil)
	}
	frames = append(frames, []byte{})
	chunks = append(chunks, nil)
	frames = append(frames, m.Frames...)
	if refs := m.chunkRefs(); refs != nil {
		chunks = append(chunks, refs...)
	} else {
		for range m.Frames {
			chunks = append(chunks, nil)
		}
	}
	p, err := x.lb.sendParts(frames, chunks)
	clear(frames)
	clear(chunks)
	x.frames, x.chunks = frames[:0], chunks[:0]
	if err != nil {
		return err
	}
	x.reqID = id
	x.replyPipe = p
	x.receiving = true
	return nil
}

// hasIn: a REQ receives only the reply to its request, from the peer it
// went to; others are dropped, as recv drops them.
func (x *reqPattern) hasIn() bool {
	if !x.receiving {
		return false
	}
	if x.valid == nil {
		x.valid = func(p *peerPipe, fs []pipe.Frame) bool {
			_, ok := x.envelope(len(fs), func(i int) []byte { return fs[i].Bytes() })
			return p == x.replyPipe && ok
		}
	}
	return x.fq.ready(x.valid)
}

func (x *reqPattern) hasOut() bool { return !x.receiving && x.lb.hasOut() }

func (x *reqPattern) recv(m *Msg) error {
	if !x.receiving {
		return ErrState
	}
	for {
		p, err := x.fq.recv(m)
		if err != nil {
			return err
		}
		if p != x.replyPipe || !x.stripEnvelope(m) {
			m.reset()
			continue
		}
		x.receiving = false
		x.replyPipe = nil
		return nil
	}
}

// stripEnvelope removes [request id][empty] from a reply; false if the
// reply is malformed or answers another request.
func (x *reqPattern) stripEnvelope(m *Msg) bool {
	n, ok := x.envelope(len(m.Frames), func(i int) []byte { return m.Frames[i] })
	if ok {
		m.dropFront(n)
	}
	return ok
}

// envelope checks the envelope of a reply of count frames, frame(i)
// giving each: [request id] (with ReqCorrelate) then an empty frame,
// followed by at least one frame. It returns the envelope's length.
func (x *reqPattern) envelope(count int, frame func(i int) []byte) (int, bool) {
	n := 0
	if x.s.opts.reqCorrelate {
		if count == 0 || len(frame(0)) != 4 || binary.NativeEndian.Uint32(frame(0)) != x.reqID {
			return 0, false
		}
		n = 1
	}
	if count < n+2 || len(frame(n)) != 0 {
		return 0, false
	}
	return n + 1, true
}
