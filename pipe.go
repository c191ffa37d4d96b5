package zmq

import (
	"sync"

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

	// The properties of the connection whose messages are queued last,
	// and of earlier ones with messages still queued (see setProps).
	props   *connProps
	earlier []propsRun

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

// queueOut is the path to an inproc peer: its inbound queue. Messages are
// staged here, under the sending socket's mutex, and handed to the queue a
// batch at a time: when the stage is full (stageMsgs, or the room the
// queue had at the last hand-over), when the receiver waits for messages,
// and when a receiver that found its queue empty asks for them (see
// inprocStage). A send then costs no lock besides the socket's own.
// Anything that asks whether a socket has messages without receiving (a
// poller, ZMQ_EVENTS) must take the stages first, as a receive does.
type queueOut struct {
	q      *pipe.Queue
	mu     *sync.Mutex  // the sending socket's
	stage  []pipe.Frame // whole messages not handed over yet
	staged int          // messages in stage
	room   int          // messages the queue takes, as of the last hand-over
}

// stageMsgs bounds the messages staged before they are handed over.
const stageMsgs = 64

func newQueueOut(q *pipe.Queue, mu *sync.Mutex) *queueOut {
	qo := &queueOut{q: q, mu: mu}
	q.SetStage(&inprocStage{qo})
	q.SetLowWater(true)
	return qo
}

func (qo *queueOut) push(frames [][]byte, chunks []*pipe.Chunk) bool {
	if qo.staged >= qo.room && (!qo.flush() || qo.room == 0) {
		return false
	}
	last := len(frames) - 1
	for i, f := range frames {
		var flags byte
		if i < last {
			flags = pipe.More
		}
		var c *pipe.Chunk
		if chunks != nil {
			// The receiver releases what it takes; the sender's
			// references stay with the sender.
			if c = chunks[i]; c != nil {
				c.Retain(1)
			}
		}
		qo.stage = append(qo.stage, pipe.MakeFrame(f, flags, c))
	}
	qo.staged++
	if qo.staged >= stageMsgs || qo.q.Hungry() {
		qo.flush()
	}
	return true
}

// flush hands the stage to the queue and learns how much room is left. It
// reports false, dropping the stage, when the queue is closed.
func (qo *queueOut) flush() bool {
	room, ok := qo.q.PushStaged(qo.stage, qo.staged)
	qo.emptyStage(ok)
	qo.room = room
	return ok
}

// emptyStage empties the stage after a hand-over, releasing the frames
// the queue did not take.
func (qo *queueOut) emptyStage(taken bool) {
	if !taken {
		for _, f := range qo.stage {
			f.Release()
		}
	}
	clear(qo.stage)
	qo.stage, qo.staged = qo.stage[:0], 0
}

func (qo *queueOut) full() bool {
	if qo.staged < qo.room {
		return false
	}
	return !qo.flush() || qo.room == 0
}

func (qo *queueOut) subscribe(topic []byte, cancel bool) {
	b := make([]byte, 1+len(topic))
	if !cancel {
		b[0] = 1
	}
	copy(b[1:], topic)
	qo.flush() // keep the order of messages and subscriptions
	qo.q.PushBatch([]pipe.Frame{pipe.MakeFrame(b, 0, nil)}, 1)
}

func (qo *queueOut) pending() bool { return qo.staged > 0 }

// close hands over what is staged, whatever the high-water mark, as
// libzmq's pipe holds what was sent, then ends the stream.
func (qo *queueOut) close() {
	qo.emptyStage(qo.staged == 0 || qo.q.PushBatch(qo.stage, qo.staged))
	qo.q.Close()
}

// inprocStage lets a receiver that found its queue empty take what the
// sender has staged, under the sender's mutex. The receiver holds no
// socket mutex then (see Socket.do), so two sockets that feed each other
// never wait for each other's mutex.
type inprocStage struct{ qo *queueOut }

func (st *inprocStage) Pull() bool {
	qo := st.qo
	qo.mu.Lock()
	defer qo.mu.Unlock()
	return qo.staged > 0 && qo.flush()
}

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
