package pipe

import "unsafe"

// Frame flags kept in a queued [Frame].
const (
	// More marks every frame of a message but the last.
	More byte = 1
	// Command marks a ZMTP command that a pattern must see (subscriptions
	// forwarded in data form do not use it).
	Command byte = 4
)

const (
	lenMask   = 1<<56 - 1
	flagShift = 56
)

// Frame is one queued message frame. It is three machine words so that
// queues of frames move through registers rather than memory: the bytes, a
// length with the flags in its top byte, and the buffer the bytes live in
// (nil when the bytes are owned by whoever holds the frame).
type Frame struct {
	p    *byte
	meta uint64
	c    *Chunk
}

// MakeFrame builds a frame over b. c is the buffer b points into, or nil.
func MakeFrame(b []byte, flags byte, c *Chunk) Frame {
	return Frame{p: unsafe.SliceData(b), meta: uint64(len(b)) | uint64(flags)<<flagShift, c: c}
}

// Bytes returns the frame's bytes.
func (f Frame) Bytes() []byte {
	if f.p == nil {
		return nil
	}
	return unsafe.Slice(f.p, int(f.meta&lenMask))
}

// Len returns the length of the frame's bytes.
func (f Frame) Len() int { return int(f.meta & lenMask) }

// Flags returns the frame's flags.
func (f Frame) Flags() byte { return byte(f.meta >> flagShift) }

// More reports whether another frame of the same message follows.
func (f Frame) More() bool { return f.Flags()&More != 0 }

// Chunk returns the buffer the frame's bytes live in, or nil.
func (f Frame) Chunk() *Chunk { return f.c }

// Release drops the frame's reference to its buffer, if any.
func (f Frame) Release() {
	if f.c != nil {
		f.c.Release()
	}
}
