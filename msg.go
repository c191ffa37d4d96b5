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
// messages received on the same connection. For a message received with
// [Socket.RecvMsg], calling [Msg.Release] when done lets the socket reuse
// that buffer; a message that is never released, or was received with
// [Socket.Recv], is simply collected by the garbage collector. After
// Release the bytes of a RecvMsg message must not be used: the socket may
// overwrite them.
//
// A Msg value is a view: copying it (by assignment, or by passing or
// storing it by value) copies the Frames slice header and the link to the
// buffer references, not the frames. All copies of a received message
// therefore share one frame list and one set of buffer references:
//
//   - Release on any one copy returns the buffer references, once. Release
//     on the same or another copy afterwards does nothing, so releasing
//     every copy is safe, and releasing just one is enough.
//   - Release empties the Frames of the copy it is called on and of no
//     other: the other copies' Frames keep their length and slices, but
//     after the release their bytes belong to the socket again.
//   - RecvMsg (or TryRecvMsg) into any copy ends the previous message for
//     all of them, as Release does, and refills the shared frame list in
//     place. A copy stays linked to the Msg it was copied from: releasing
//     a copy taken before a later RecvMsg releases the message that RecvMsg
//     received.
//   - Copies must not be used from different goroutines at the same time;
//     hand a message to another goroutine rather than sharing it.
//
// Messages from [Socket.Recv], [Socket.TryRecv] and [NewMsg] hold no
// buffer references: releasing one of their copies only empties that
// copy's Frames and leaves every other copy fully valid.
type Msg struct {
	Frames [][]byte

	refs  *msgRefs   // buffer references; nil unless received with RecvMsg
	props *connProps // the properties of the connection it came on, or nil
}

// msgRefs holds a received message's buffer references. It lives apart
// from Msg so that copies of a Msg share it: whichever copy releases the
// references first takes them, and the others find nothing left to
// release. RecvMsg reuses it from message to message.
type msgRefs struct {
	chunks []*pipe.Chunk  // one entry (possibly nil) per frame
	one    [1]*pipe.Chunk // initial storage of chunks

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

// Release returns the message's receive buffers to the socket for reuse
// and empties m.Frames. The frames' bytes must not be used afterwards, in
// m or in any copy of m (see [Msg] for what copies share). Release is safe
// to call more than once, on any number of copies, and on messages that
// were never received.
func (m *Msg) Release() {
	m.Frames = m.Frames[:0]
	if r := m.refs; r != nil {
		r.hold()
		if r.held != nil {
			r.held.ReleaseN(r.heldN)
			r.held, r.heldN = nil, 0
		}
		// The list is the Msg's own (no copy's Frames show it): clearing
		// it lets the garbage collector have buffers that are dropped
		// from their pool while m lives on.
		clear(r.chunks[:cap(r.chunks)])
	}
}

// reset empties m for reuse by the next receive. The references it holds
// are gathered per buffer and dropped when the next buffer comes along, or
// by Release. The old frame list is not cleared, unlike the references: a
// copy of m may still show it, and RecvMsg overwrites it anyway.
func (m *Msg) reset() {
	m.Frames = m.Frames[:0]
	m.props = nil
	if m.refs != nil {
		m.refs.hold()
	}
}

// hold moves the per-frame references into the held count, releasing the
// count gathered so far whenever the buffer changes.
func (r *msgRefs) hold() {
	for _, c := range r.chunks {
		if c == nil {
			continue
		}
		if c != r.held {
			if r.held != nil {
				r.held.ReleaseN(r.heldN)
			}
			r.held, r.heldN = c, 0
		}
		r.heldN++
	}
	r.chunks = r.chunks[:0]
}

// fromFrames fills m, which reset or Release emptied, from queued frames.
// withChunks keeps the buffer references so that Release can return them.
func (m *Msg) fromFrames(fs []pipe.Frame, withChunks bool) {
	if !withChunks {
		if len(fs) == 1 && cap(m.Frames) == 0 {
			// A large body in a buffer of its own, which nobody will
			// release: the frame list lives in that buffer's allocation.
			if frames, ok := fs[0].Chunk().SoleFrames(fs[0].Bytes()); ok {
				m.Frames = frames
				return
			}
		}
		for _, f := range fs {
			m.Frames = append(m.Frames, f.Bytes())
		}
		return
	}
	r := m.refs
	if r == nil {
		r = new(msgRefs)
		r.chunks = r.one[:0]
		m.refs = r
	}
	for _, f := range fs {
		m.Frames = append(m.Frames, f.Bytes())
		r.chunks = append(r.chunks, f.Chunk())
	}
}

// chunkRefs returns the per-frame buffer references, or nil.
func (m *Msg) chunkRefs() []*pipe.Chunk {
	if m.refs == nil || len(m.refs.chunks) == 0 {
		return nil
	}
	return m.refs.chunks
}

// dropFront removes the first n frames, releasing their buffers.
func (m *Msg) dropFront(n int) {
	if refs := m.chunkRefs(); refs != nil {
		for _, c := range refs[:n] {
			if c != nil {
				c.Release()
			}
		}
		m.refs.chunks = append(refs[:0], refs[n:]...)
	}
	m.Frames = append(m.Frames[:0], m.Frames[n:]...)
}

// pushFront inserts frame f (owned by the socket) before the others.
func (m *Msg) pushFront(f []byte) {
	m.Frames = append(m.Frames, nil)
	copy(m.Frames[1:], m.Frames)
	m.Frames[0] = f
	if refs := m.chunkRefs(); refs != nil {
		refs = append(refs, nil)
		copy(refs[1:], refs)
		refs[0] = nil
		m.refs.chunks = refs
	}
}
