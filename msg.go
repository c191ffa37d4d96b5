package zmq

import (
	"strconv"
	"strings"

	"github.com/zmq-go/zmq/internal/pipe"
)

// Msg is a multipart message: one or more frames of bytes, sent and
// delivered whole or not at all.
//
// After a successful Send the frames' bytes must not be modified: bodies of
// 32 KiB and more are written from the caller's memory, and inproc peers
// receive the very slices that were sent. The Msg value itself may be
// reused, and a received message that is sent on (as a proxy does) may
// still be released or received into afterwards: the socket keeps its own
// hold on the buffers it still needs.
//
// A received message's frames may point into a buffer shared with other
// messages received on the same connection. Calling [Msg.Release] when done
// lets the socket reuse that buffer; a message that is never released is
// simply collected by the garbage collector. After Release the frames must
// not be used. Release a message once, not once per copy of the Msg value.
type Msg struct {
	Frames [][]byte

	chunks []*pipe.Chunk // nil, or one entry (possibly nil) per frame

	// References dropped when RecvMsg reuses the message, released with
	// one atomic operation per buffer rather than one per message.
	held  *pipe.Chunk
	heldN int32
}

// NewMsg returns a message of the given frames. An empty frame list is a
// message of one empty frame.
func NewMsg(frames ...[]byte) Msg {
	if len(frames) == 0 {
		frames = [][]byte{nil}
	}
	return Msg{Frames: frames}
}

// NewMsgString returns a message whose frames hold the given strings.
func NewMsgString(frames ...string) Msg {
	m := Msg{Frames: make([][]byte, max(len(frames), 1))}
	for i, f := range frames {
		m.Frames[i] = []byte(f)
	}
	return m
}

// Bytes returns the concatenation of the message's frames; for a
// single-frame message that is the frame itself.
func (m Msg) Bytes() []byte {
	if len(m.Frames) == 1 {
		return m.Frames[0]
	}
	var n int
	for _, f := range m.Frames {
		n += len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range m.Frames {
		b = append(b, f...)
	}
	return b
}

// String returns the frames as quoted strings, for debugging.
func (m Msg) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, f := range m.Frames {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(quote(f))
	}
	sb.WriteByte(']')
	return sb.String()
}

func quote(b []byte) string {
	const max = 64
	s := string(b)
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// Release returns the message's receive buffers to the socket for reuse.
// The frames must not be used afterwards. Release is safe to call more than
// once and on messages that were never received.
func (m *Msg) Release() {
	m.reset()
	clear(m.Frames[:cap(m.Frames)])
	clear(m.chunks[:cap(m.chunks)])
	if m.held != nil {
		m.held.ReleaseN(m.heldN)
		m.held, m.heldN = nil, 0
	}
}

// reset empties m for reuse. The references it holds are gathered per
// buffer and dropped when the next buffer comes along, or by Release.
func (m *Msg) reset() {
	for _, c := range m.chunks {
		if c == nil {
			continue
		}
		if c != m.held {
			if m.held != nil {
				m.held.ReleaseN(m.heldN)
			}
			m.held, m.heldN = c, 0
		}
		m.heldN++
	}
	m.chunks = m.chunks[:0]
	m.Frames = m.Frames[:0]
}

// fromFrames fills m from queued frames. withChunks keeps the buffer
// references so that Release can return them.
func (m *Msg) fromFrames(fs []pipe.Frame, withChunks bool) {
	if !withChunks && len(fs) == 1 && cap(m.Frames) == 0 {
		// A large body in a buffer of its own, which nobody will release:
		// the frame list lives in that buffer's allocation.
		if frames, ok := fs[0].Chunk().SoleFrames(fs[0].Bytes()); ok {
			m.Frames = frames
			return
		}
	}
	for _, f := range fs {
		m.Frames = append(m.Frames, f.Bytes())
		if withChunks {
			m.chunks = append(m.chunks, f.Chunk())
		}
	}
}

// chunkRefs returns the per-frame buffer references, or nil.
func (m *Msg) chunkRefs() []*pipe.Chunk {
	if len(m.chunks) == 0 {
		return nil
	}
	return m.chunks
}

// dropFront removes the first n frames, releasing their buffers.
func (m *Msg) dropFront(n int) {
	if len(m.chunks) > 0 {
		for _, c := range m.chunks[:n] {
			if c != nil {
				c.Release()
			}
		}
		m.chunks = append(m.chunks[:0], m.chunks[n:]...)
	}
	m.Frames = append(m.Frames[:0], m.Frames[n:]...)
}

// pushFront inserts frame f (owned by the socket) before the others.
func (m *Msg) pushFront(f []byte) {
	m.Frames = append(m.Frames, nil)
	copy(m.Frames[1:], m.Frames)
	m.Frames[0] = f
	if len(m.chunks) > 0 {
		m.chunks = append(m.chunks, nil)
		copy(m.chunks[1:], m.chunks)
		m.chunks[0] = nil
	}
}
