package pipe

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// encode is the reference encoding of one message: each frame's header
// and body, as AppendFrameHeader writes them.
func encode(dst []byte, frames [][]byte) []byte {
	for i, f := range frames {
		var flags byte
		if i < len(frames)-1 {
			flags = zmtp.FlagMore
		}
		dst = zmtp.AppendFrameHeader(dst, flags, uint64(len(f)))
		dst = append(dst, f...)
	}
	return dst
}

// body returns n bytes that differ from one message to the next, so that
// a segment out of order or written twice shows.
func body(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*7 + i)
	}
	return b
}

// heldChunks returns the pooled chunks the stream holds as segments: the
// sealed ones and the one it encodes into.
func heldChunks(o *Out) []*Chunk {
	var cs []*Chunk
	for _, c := range o.refs {
		if c.class >= 0 && len(c.Buf) == SegmentSize {
			cs = append(cs, c)
		}
	}
	if o.cur != nil {
		cs = append(cs, o.cur)
	}
	return cs
}

// takeAll takes what is pending, checks that no buffer exceeds a segment
// unless it is a referenced body, and returns the bytes in order; the
// batch is done with.
func takeAll(t *testing.T, o *Out, b *Batch) []byte {
	t.Helper()
	if !o.Take(b) {
		return nil
	}
	var got []byte
	for _, buf := range b.Bufs {
		if len(buf) > maxFirstBuffer {
			t.Fatalf("a taken buffer of %d bytes, above the first buffer's bound", len(buf))
		}
		got = append(got, buf...)
	}
	b.Done()
	return got
}

// checkReleased fails unless each chunk has been released exactly as often
// as it was retained: a missed release leaves a reference, a second one
// would have panicked.
func checkReleased(t *testing.T, cs []*Chunk) {
	t.Helper()
	for i, c := range cs {
		if n := c.refs.Load(); n != 0 {
			t.Fatalf("segment chunk %d of %d has %d references after the write", i, len(cs), n)
		}
	}
}

// Many messages below RefThreshold, pushed while the writer takes
// nothing, fill the first buffer up to its bound, then segments of at most
// SegmentSize; the bytes taken are the messages' encoding, in
// order; each segment chunk is released once, after the write.
func TestOutSegmentsBounded(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 0, nil)
	var want []byte
	var b Batch
	for round := range 3 {
		want = want[:0]
		for i := range 2000 {
			// One to three frames of up to just below RefThreshold.
			n := (i*977 + round) % RefThreshold
			frames := [][]byte{body(i, n)}
			if i%3 == 0 {
				frames = append(frames, body(i+1, 300), body(i+2, 0))
			}
			if !o.PushMsg(frames, nil) {
				t.Fatalf("message %d refused", i)
			}
			want = encode(want, frames)
			if c := cap(o.buf); c > maxFirstBuffer {
				t.Fatalf("message %d: encoding buffer of %d bytes", i, c)
			}
		}
		cs := heldChunks(o)
		if len(cs) < (len(want)-maxFirstBuffer)/SegmentSize-1 {
			t.Fatalf("%d bytes queued in %d segment chunks", len(want), len(cs))
		}
		if got := takeAll(t, o, &b); !bytes.Equal(got, want) {
			t.Fatalf("round %d: took %d bytes, want %d, or they differ", round, len(got), len(want))
		}
		checkReleased(t, cs)
		if o.cur != nil || o.first != nil || len(o.buf) != 0 || o.Pending() {
			t.Fatalf("round %d: the stream still holds data after Take", round)
		}
	}
}

// Bodies queued by reference between small frames keep their place among
// the sealed segments, and their chunks get back exactly the references
// the stream took.
func TestOutSegmentsWithReferences(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 0, nil)
	big := GetChunk(128 << 10) // not a segment's size: heldChunks tells them apart
	copy(big.Buf, body(99, len(big.Buf)))
	var want []byte
	for i := range 500 {
		frames := [][]byte{body(i, 5000+i), big.Buf[:RefThreshold+i], body(i+1, 20)}
		if !o.PushMsg(frames, []*Chunk{nil, big, nil}) {
			t.Fatalf("message %d refused", i)
		}
		want = encode(want, frames)
		if c := cap(o.buf); c > maxFirstBuffer {
			t.Fatalf("message %d: encoding buffer of %d bytes", i, c)
		}
	}
	if n := big.refs.Load(); n != 501 {
		t.Fatalf("the referenced chunk has %d references, want 501", n)
	}
	cs := heldChunks(o)
	var b Batch
	if !o.Take(&b) {
		t.Fatal("nothing to take")
	}
	var got []byte
	for _, buf := range b.Bufs {
		got = append(got, buf...)
	}
	b.Done()
	if !bytes.Equal(got, want) {
		t.Fatalf("took %d bytes, want %d, or they differ", len(got), len(want))
	}
	checkReleased(t, cs)
	if n := big.refs.Load(); n != 1 {
		t.Fatalf("the referenced chunk has %d references after the write, want 1", n)
	}
	big.Release()
}

// Reset drops sealed segments too, releasing their chunks and the
// references to queued bodies; the stream then carries on as new.
func TestOutResetSealed(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 0, nil)
	big := GetChunk(128 << 10)
	for i := range 300 {
		o.PushMsg([][]byte{body(i, 8<<10), big.Buf[:RefThreshold]}, []*Chunk{nil, big})
	}
	cs := heldChunks(o)
	if len(cs) < 2 {
		t.Fatalf("only %d segment chunks: the test needs sealed ones", len(cs))
	}
	o.Reset()
	checkReleased(t, cs)
	if n := big.refs.Load(); n != 1 {
		t.Fatalf("the referenced chunk has %d references after Reset, want 1", n)
	}
	if o.Pending() || o.cur != nil || o.first != nil {
		t.Fatal("the stream holds data after Reset")
	}
	frames := [][]byte{body(1, 100)}
	o.PushMsg(frames, nil)
	var b Batch
	if got := takeAll(t, o, &b); !bytes.Equal(got, encode(nil, frames)) {
		t.Fatalf("after Reset took %q", got)
	}
	big.Release()
}

// A conflating stream keeps only the newest message, even when the one
// it replaces spanned several segments.
func TestOutConflateSealed(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 1, nil)
	o.SetConflate(true)
	var old [][]byte
	for i := range 48 { // beyond the first buffer
		old = append(old, body(i, RefThreshold-1))
	}
	o.PushMsg(old, nil)
	cs := heldChunks(o)
	if len(cs) < 2 {
		t.Fatalf("only %d segment chunks: the test needs sealed ones", len(cs))
	}
	last := [][]byte{body(7, 10), body(8, 20)}
	if !o.PushMsg(last, nil) {
		t.Fatal("a conflating stream refused a message")
	}
	checkReleased(t, cs)
	var b Batch
	if got := takeAll(t, o, &b); !bytes.Equal(got, encode(nil, last)) {
		t.Fatalf("took %d bytes, want the newest message only", len(got))
	}
}

// Raw data and commands larger than a segment are copied across segments,
// in order.
func TestOutRawAcrossSegments(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 0, nil)
	var want []byte
	for i, n := range []int{10, 200 << 10, SegmentSize, 3, SegmentSize + 1, maxFirstBuffer, 3} {
		d := body(i, n)
		if i%2 == 0 {
			o.PushRaw(d)
		} else {
			o.PushCommand(d)
		}
		want = append(want, d...)
		if c := cap(o.buf); c > maxFirstBuffer {
			t.Fatalf("encoding buffer of %d bytes", c)
		}
	}
	cs := heldChunks(o)
	var b Batch
	if got := takeAll(t, o, &b); !bytes.Equal(got, want) {
		t.Fatalf("took %d bytes, want %d, or they differ", len(got), len(want))
	}
	checkReleased(t, cs)
}

// With SendHWM messages of 8 KiB queued (a subscriber that stopped
// reading), no PushMsg allocates more than the first buffer's bound: none
// copies the queue. And a push refused at the high-water mark changes nothing.
func TestOutQueuedPushBounded(t *testing.T) {
	for _, hwm := range []int{1000, 2000} {
		t.Run(fmt.Sprint(hwm), func(t *testing.T) {
			var mu sync.Mutex
			o := NewOut(&mu, hwm, nil)
			frames := [][]byte{body(0, 4<<10), body(1, 4<<10)}
			var ms runtime.MemStats
			worst := uint64(0)
			for i := range hwm {
				runtime.ReadMemStats(&ms)
				before := ms.TotalAlloc
				if !o.PushMsg(frames, nil) {
					t.Fatalf("message %d refused below the high-water mark", i)
				}
				runtime.ReadMemStats(&ms)
				worst = max(worst, ms.TotalAlloc-before)
				if c := cap(o.buf); c > maxFirstBuffer {
					t.Fatalf("message %d: encoding buffer of %d bytes", i, c)
				}
			}
			// The first buffer doubling, a chunk of SegmentSize, the
			// lists of segments growing: nothing near the 8 or 16 MB
			// queued.
			if worst > maxFirstBuffer+SegmentSize {
				t.Fatalf("a push allocated %d bytes with up to %d messages queued", worst, hwm)
			}
			n := len(o.segs)
			if o.PushMsg(frames, nil) || len(o.segs) != n {
				t.Fatal("a push at the high-water mark was taken")
			}
			want := bytes.Repeat(encode(nil, frames), hwm)
			var b Batch
			if got := takeAll(t, o, &b); !bytes.Equal(got, want) {
				t.Fatalf("took %d bytes, want %d, or they differ", len(got), len(want))
			}
		})
	}
}

// While the writer keeps up (each batch under a segment), a sender and the
// writer swap two buffers: no allocation, and no chunk.
func TestOutSwapNoAlloc(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 1000, nil)
	frames := [][]byte{body(0, 1000)}
	var b Batch
	cycle := func() {
		for range 32 {
			o.PushMsg(frames, nil)
		}
		if o.cur != nil {
			t.Fatal("a batch under a segment went to a chunk")
		}
		o.Take(&b)
		b.Done()
	}
	for range 4 {
		cycle() // grow both buffers
	}
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Fatalf("%v allocations per batch", n)
	}
}

// A buffer sealed at its bound is reused by the writer after the batch,
// and Trim still gives back a grown buffer once idle.
func TestOutTrimAfterSegments(t *testing.T) {
	var mu sync.Mutex
	o := NewOut(&mu, 0, nil)
	var b Batch
	for i := range 200 {
		o.PushMsg([][]byte{body(i, 8<<10)}, nil)
	}
	takeAll(t, o, &b)
	for _, buf := range b.own {
		if cap(buf) > maxFirstBuffer {
			t.Fatalf("the writer keeps a buffer of %d bytes", cap(buf))
		}
	}
	o.PushMsg([][]byte{body(1, 30<<10)}, nil)
	takeAll(t, o, &b)
	o.Trim()
	b.Trim()
	if cap(o.buf) > maxIdleBuffer {
		t.Fatalf("an idle stream keeps %d bytes", cap(o.buf))
	}
	for _, buf := range b.own {
		if cap(buf) > maxIdleBuffer {
			t.Fatalf("an idle writer keeps %d bytes", cap(buf))
		}
	}
}
