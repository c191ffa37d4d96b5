package zmq

import (
	"testing"
	"unsafe"

	"github.com/zmq-go/zmq/internal/pipe"
)

// refChunk returns a buffer outside the pools (so that its count can be
// driven to zero and below safely) holding one reference for the test and
// n more for frames.
func refChunk(n int32) *pipe.Chunk {
	c := pipe.GetChunk(5 << 20)
	c.Retain(n)
	return c
}

// framesIn returns n queued frames of one message, in c at offset off.
func framesIn(c *pipe.Chunk, off, n int) []pipe.Frame {
	fs := make([]pipe.Frame, n)
	for i := range fs {
		var flags byte
		if i < n-1 {
			flags = pipe.More
		}
		b := c.Buf[off+10*i : off+10*i+10]
		for j := range b {
			b[j] = byte(off + i)
		}
		fs[i] = pipe.MakeFrame(b, flags, c)
	}
	return fs
}

// expectBalanced drops the test's own reference to c and checks that it
// was the last one: one more release must panic.
func expectBalanced(t *testing.T, c *pipe.Chunk) {
	t.Helper()
	c.Release()
	defer func() {
		if recover() == nil {
			t.Error("references left after every copy was released")
		}
	}()
	c.Release()
}

// Whatever copies of a received message are released, and however often,
// each buffer reference goes back exactly once, and only the released
// copy's Frames change.
func TestReleaseCopiesOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		release func(m, c *Msg)
	}{
		{"copy", func(m, c *Msg) { c.Release() }},
		{"original", func(m, c *Msg) { m.Release() }},
		{"both", func(m, c *Msg) { c.Release(); m.Release() }},
		{"all twice", func(m, c *Msg) { c.Release(); m.Release(); c.Release(); m.Release() }},
		{"copy, then receive into the original", func(m, c *Msg) {
			c.Release()
			m.reset()
			m.Release()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := refChunk(2), refChunk(3)
			var m Msg
			m.fromFrames(framesIn(a, 0, 2), true)
			// As RecvMsg does: the first message's references are held
			// back and dropped with later ones.
			m.reset()
			m.fromFrames(framesIn(b, 100, 3), true)
			want := append([][]byte(nil), m.Frames...)

			c := m
			tc.release(&m, &c)
			for _, x := range []*Msg{&m, &c} {
				if len(x.Frames) == 0 {
					continue // the released one
				}
				for i := range want {
					if len(x.Frames[i]) != len(want[i]) || unsafe.SliceData(x.Frames[i]) != unsafe.SliceData(want[i]) {
						t.Fatalf("frame %d changed to %q", i, x.Frames[i])
					}
				}
			}
			expectBalanced(t, a)
			expectBalanced(t, b)
		})
	}
}

// A message sent on keeps its references with the sender's copy; the
// frames the patterns drop and insert keep the references in step.
func TestMsgFrontEdits(t *testing.T) {
	c := refChunk(3)
	var m Msg
	m.fromFrames(framesIn(c, 0, 3), true)
	m.pushFront([]byte("id"))
	if got := len(m.chunkRefs()); got != 4 || m.chunkRefs()[0] != nil {
		t.Fatalf("after pushFront: %d references, first %p", got, m.chunkRefs()[0])
	}
	m.dropFront(2) // the id and one frame of c
	if got := len(m.chunkRefs()); got != 2 || len(m.Frames) != 2 {
		t.Fatalf("after dropFront: %d references for %d frames", got, len(m.Frames))
	}
	m.Release()
	expectBalanced(t, c)
}
