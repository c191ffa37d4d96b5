package pipe

import (
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
)

// ChunkSize is the size of the buffers a connection reads into.
const ChunkSize = 64 << 10

// Chunk is a reference-counted buffer that received frames point into. The
// reader holds one reference while it fills the chunk and every frame decoded
// from it holds one more; the chunk returns to its pool when the last
// reference is released. A frame whose owner never releases it simply keeps
// its chunk alive until the garbage collector takes both.
type Chunk struct {
	Buf   []byte
	refs  atomic.Int32
	class int8 // size class for pooled chunks; -1 when not pooled

	one [1][]byte // see SoleFrames
}

// SoleFrames returns a one-frame list holding b, stored in c itself, when
// c backs nothing but the caller's one frame. It saves an allocation per
// message for a receiver that will never release c. ok is false when c is
// shared (or nil).
func (c *Chunk) SoleFrames(b []byte) (frames [][]byte, ok bool) {
	if c == nil || c.refs.Load() != 1 {
		return nil, false
	}
	c.one[0] = b
	return c.one[:1:1], true
}

// Retain adds n references.
func (c *Chunk) Retain(n int32) { c.refs.Add(n) }

// Release drops one reference and recycles the chunk when none is left.
func (c *Chunk) Release() { c.ReleaseN(1) }

// ReleaseN drops n references at once.
func (c *Chunk) ReleaseN(n int32) {
	n = c.refs.Add(-n)
	if n == 0 && c.class >= 0 {
		pools[c.class].Put(c)
	}
	if n < 0 {
		panic("pipe: chunk released more often than retained")
	}
}

// Size classes are powers of two from 4 KiB to 4 MiB. Larger buffers are
// allocated exactly and left to the garbage collector.
const (
	minClassShift = 12
	maxClassShift = 22
)

var pools [maxClassShift - minClassShift + 1]sync.Pool

func init() {
	for i := range pools {
		class := int8(i)
		pools[i].New = func() any { return newChunk(class) }
	}
}

// newChunk allocates a chunk of a size class and its buffer together, in
// one allocation.
func newChunk(class int8) *Chunk {
	var c *Chunk
	switch class {
	case 0:
		c = backed(func(a *[4 << 10]byte) []byte { return a[:] })
	case 1:
		c = backed(func(a *[8 << 10]byte) []byte { return a[:] })
	case 2:
		c = backed(func(a *[16 << 10]byte) []byte { return a[:] })
	case 3:
		c = backed(func(a *[32 << 10]byte) []byte { return a[:] })
	case 4:
		c = backed(func(a *[64 << 10]byte) []byte { return a[:] })
	case 5:
		c = backed(func(a *[128 << 10]byte) []byte { return a[:] })
	case 6:
		c = backed(func(a *[256 << 10]byte) []byte { return a[:] })
	case 7:
		c = backed(func(a *[512 << 10]byte) []byte { return a[:] })
	case 8:
		c = backed(func(a *[1 << 20]byte) []byte { return a[:] })
	case 9:
		c = backed(func(a *[2 << 20]byte) []byte { return a[:] })
	case 10:
		c = backed(func(a *[4 << 20]byte) []byte { return a[:] })
	default:
		panic("pipe: no chunk size class " + strconv.Itoa(int(class)))
	}
	c.class = class
	return c
}

// backed allocates a chunk with its buffer, an array A, in the same
// object; view slices the array.
func backed[A any](view func(*A) []byte) *Chunk {
	b := new(struct {
		Chunk
		a A
	})
	b.Buf = view(&b.a)
	return &b.Chunk
}

// GetChunk returns a chunk of at least size bytes holding one reference.
// Buf has length size; its contents are undefined.
func GetChunk(size int) *Chunk {
	var c *Chunk
	if size > 1<<maxClassShift {
		c = &Chunk{Buf: make([]byte, size), class: -1}
	} else {
		class := 0
		if size > 1<<minClassShift {
			class = bits.Len(uint(size-1)) - minClassShift
		}
		c = pools[class].Get().(*Chunk)
		c.Buf = c.Buf[:cap(c.Buf)][:size]
	}
	c.refs.Store(1)
	return c
}
