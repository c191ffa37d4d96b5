package zmq

import (
	"slices"

	"github.com/zmq-go/zmq/internal/pipe"
)

// REP: receives requests fairly and sends each reply back to the peer the
// request came from, restoring its envelope (RFC 28).
type repPattern struct {
	s       *Socket
	fq      fairQueue
	replyTo *peerPipe // non-nil while a reply is owed
	owing   bool
	envBuf  []byte   // the envelope's bytes (never reused)
	env     [][]byte // the envelope's frames, in envBuf
	frames  [][]byte
	chunks  []*pipe.Chunk
}

func (x *repPattern) attach(p *peerPipe) bool    { x.fq.attach(p); return true }
func (x *repPattern) detach(p *peerPipe)         { x.fq.detach(p) }
func (x *repPattern) readActivated(p *peerPipe)  { x.fq.activate(p) }
func (x *repPattern) writeActivated(p *peerPipe) {}

// hasIn: a REP that owes a reply receives nothing; a request without an
// envelope is dropped, as recv drops it.
func (x *repPattern) hasIn() bool {
	return !x.owing && x.fq.ready(func(_ *peerPipe, fs []pipe.Frame) bool {
		return slices.ContainsFunc(fs, func(f pipe.Frame) bool { return len(f.Bytes()) == 0 })
	})
}

// hasOut: a REP sends only the reply it owes.
func (x *repPattern) hasOut() bool { return x.owing }

func (x *repPattern) recv(m *Msg) error {
	if x.owing {
		return ErrState
	}
	for {
		p, err := x.fq.recv(m)
		if err != nil {
			return err
		}
		// The envelope runs up to and including the first empty frame.
		n := -1
		for i, f := range m.Frames {
			if len(f) == 0 {
				n = i + 1
				break
			}
		}
		if n < 0 {
			m.reset() // malformed request: drop it
			continue
		}
		// The envelope gets fresh memory: an inproc peer keeps the frames.
		size := 0
		for _, f := range m.Frames[:n] {
			size += len(f)
		}
		x.envBuf, x.env = nil, x.env[:0]
		if size > 0 {
			x.envBuf = make([]byte, 0, size)
		}
		for _, f := range m.Frames[:n] {
			x.envBuf = append(x.envBuf, f...)
		}
		off := 0
		for _, f := range m.Frames[:n] {
			x.env = append(x.env, x.envBuf[off:off+len(f):off+len(f)])
			off += len(f)
		}
		m.dropFront(n)
		x.replyTo, x.owing = p, true
		return nil
	}
}

func (x *repPattern) send(m *Msg) error {
	if !x.owing {
		return ErrState
	}
	p := x.replyTo
	x.replyTo, x.owing = nil, false
	if p.gone {
		return nil // the requester is gone: drop the reply silently
	}
	frames := append(append(x.frames[:0], x.env...), m.Frames...)
	chunks := x.chunks[:0]
	for range x.env {
		chunks = append(chunks, nil)
	}
	if refs := m.chunkRefs(); refs != nil {
		chunks = append(chunks, refs...)
	} else {
		for range m.Frames {
			chunks = append(chunks, nil)
		}
	}
	p.pushParts(frames, chunks) // a full peer misses it, as in libzmq
	clear(frames)
	clear(chunks)
	x.frames, x.chunks = frames[:0], chunks[:0]
	return nil
}
