package pipe

import "testing"

func TestNewChunkClasses(t *testing.T) {
	for class := int8(0); class <= maxClassShift-minClassShift; class++ {
		c := newChunk(class)
		size := 1 << (minClassShift + int(class))
		if len(c.Buf) != size || cap(c.Buf) != size || c.class != class {
			t.Fatalf("class %d: len %d cap %d class %d, want %d bytes", class, len(c.Buf), cap(c.Buf), c.class, size)
		}
	}
	if n := testing.AllocsPerRun(10, func() { newChunk(4) }); n != 1 {
		t.Fatalf("newChunk makes %v allocations, want 1", n)
	}
}

func TestSoleFrames(t *testing.T) {
	c := GetChunk(100 << 10)
	body := c.Buf[:70000]
	fs, ok := c.SoleFrames(body)
	if !ok || len(fs) != 1 || cap(fs) != 1 || &fs[0][0] != &body[0] || len(fs[0]) != len(body) {
		t.Fatalf("sole chunk: %v %d", ok, len(fs))
	}
	c.Retain(1) // shared now
	if _, ok := c.SoleFrames(body); ok {
		t.Fatal("SoleFrames on a shared chunk")
	}
	var nilChunk *Chunk
	if _, ok := nilChunk.SoleFrames(body); ok {
		t.Fatal("SoleFrames on a nil chunk")
	}
}
