package zmq

import (
	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// A peerPipe joins a socket to one peer: an inbound queue the peer's
// connection (or inproc socket) fills, and an outbound path toward it.
// Patterns keep pipes in their routing structures; all pattern fields are
// guarded by the socket's mutex.
type peerPipe struct {
	in  *pipe.Queue
	out outbound

	peerType  Type
	identity  []byte // the peer's Identity property, if any
	routingID []byte // the id a ROUTER or STREAM knows the peer by
	legacy    bool   // the peer speaks ZMTP 3.0: subscriptions travel as messages

	ep        *endpoint // the endpoint that made the pipe
	eng       *engine   // the current connection, or nil
	attached  bool      // known to the pattern
	connected bool      // has had a connection (a later one is a reconnect)
	gone      bool      // detached for good

	// Pattern bookkeeping.
	inActive  bool
	outActive bool
	matchGen  uint64 // dist: last message generation the pipe matched
}

// outbound is the path from a socket toward one peer.
type outbound interface {
	// push queues one whole message unless the path is full or closed. The
	// frames' bytes must not change afterwards; chunks (nil or parallel to
	// frames) are the buffers they live in, of which the path takes its own
	// references: the caller keeps its own. A full path notifies the socket
	// when it has room.
	push(frames [][]byte, chunks []*pipe.Chunk) bool
	// full reports whether push would fail for lack of room.
	full() bool
	// subscribe sends a subscription (or cancel) in the peer's dialect.
	subscribe(topic []byte, cancel bool)
	// pending reports whether queued data has not been handed on yet.
	pending() bool
	// close stops the path; the peer sees the end of the stream.
	close()
}

// streamOut is the path to a peer over a ZMTP connection. Its stream is
// guarded by the socket's mutex, which every outbound method runs under.
type streamOut struct {
	o  *pipe.Out
	pp *peerPipe
}

func (so *streamOut) push(frames [][]byte, chunks []*pipe.Chunk) bool {
	return so.o.PushMsg(frames, chunks)
}

func (so *streamOut) full() bool { return so.o.Full() }

func (so *streamOut) subscribe(topic []byte, cancel bool) {
	if so.pp.legacy {
		b := make([]byte, 1+len(topic))
		if !cancel {
			b[0] = 1
		}
		copy(b[1:], topic)
		so.o.PushMsg([][]byte{b}, nil) // dropped if the peer is at its HWM; resent on reconnect
		return
	}
	var frame []byte
	if cancel {
		frame = zmtp.AppendCancel(nil, topic)
	} else {
		frame = zmtp.AppendSubscribe(nil, topic)
	}
	so.o.PushCommandLocked(frame)
}

func (so *streamOut) pending() bool { return so.o.Pending() }

func (so *streamOut) close() { so.o.CloseLocked() }

// queueOut is the path to an inproc peer: its inbound queue.
type queueOut struct {
	q       *pipe.Queue
	scratch []pipe.Frame
}

func (qo *queueOut) push(frames [][]byte, chunks []*pipe.Chunk) bool {
	fs := qo.scratch[:0]
	last := len(frames) - 1
	for i, f := range frames {
		var flags byte
		if i < last {
			flags = pipe.More
		}
		var c *pipe.Chunk
		if chunks != nil {
			c = chunks[i]
		}
		fs = append(fs, pipe.MakeFrame(f, flags, c))
	}
	ok := qo.q.Push(fs...)
	if ok && chunks != nil {
		// The receiver releases what it took; the sender's references stay
		// with the sender.
		for _, c := range chunks {
			if c != nil {
				c.Retain(1)
			}
		}
	}
	clear(fs)
	qo.scratch = fs[:0]
	return ok
}

func (qo *queueOut) full() bool { return qo.q.Full() }

func (qo *queueOut) subscribe(topic []byte, cancel bool) {
	b := make([]byte, 1+len(topic))
	if !cancel {
		b[0] = 1
	}
	copy(b[1:], topic)
	qo.q.PushBatch([]pipe.Frame{pipe.MakeFrame(b, 0, nil)}, 1)
}

func (qo *queueOut) pending() bool { return false }

func (qo *queueOut) close() { qo.q.Close() }

// pushMsg hands a whole message to a pipe.
func (pp *peerPipe) pushMsg(m *Msg) bool { return pp.out.push(m.Frames, m.chunkRefs()) }

// pushParts sends frames built from parts (an envelope and a body): used by
// REQ, REP and ROUTER, which add or strip frames.
func (pp *peerPipe) pushParts(frames [][]byte, chunks []*pipe.Chunk) bool {
	return pp.out.push(frames, chunks)
}

func isInproc(p *peerPipe) bool {
	_, ok := p.out.(*queueOut)
	return ok
}
