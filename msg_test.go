package zmq_test

import (
	"bytes"
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// testFrames returns n frames of size bytes that identify message id.
func testFrames(id, n, size int) [][]byte {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte(fmt.Sprintf("%d.%d;", id, i)), size/4)[:size]
	}
	return frames
}

// sameFrames reports an error unless got holds want's bytes, frame by frame.
func sameFrames(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: frame %d is %d bytes %.12q..., want %d bytes %.12q...",
				what, i, len(got[i]), got[i], len(want[i]), want[i])
		}
	}
}

// Releasing a copy of a received message returns the buffer references
// once, for every copy, and leaves the other copies' frames as they were;
// releasing again, through any copy, does nothing. The frames are small
// enough to share the connection's receive buffer, which the connection
// still holds, so the bytes stay in place after the release.
func TestReleaseCopyKeepsFrames(t *testing.T) {
	push, pull := pushPull(t, "tcp")
	ctx := tctx(t)
	first, second := testFrames(1, 3, 1000), testFrames(2, 3, 1000)
	for _, frames := range [][][]byte{first, second} {
		if err := push.Send(ctx, zmq.NewMsg(frames...)); err != nil {
			t.Fatal(err)
		}
	}

	var m zmq.Msg
	if err := pull.RecvMsg(ctx, &m); err != nil {
		t.Fatal(err)
	}
	sameFrames(t, "first", m.Frames, first)
	// The second RecvMsg keeps the first message's references for a
	// batched release: the copy below shares those too.
	if err := pull.RecvMsg(ctx, &m); err != nil {
		t.Fatal(err)
	}
	sameFrames(t, "second", m.Frames, second)

	c := m
	c.Release()
	if len(c.Frames) != 0 {
		t.Errorf("released copy has %d frames, want none", len(c.Frames))
	}
	sameFrames(t, "original after releasing a copy", m.Frames, second)

	// Nothing is left to release: these must not drop references again
	// (the chunk would panic when released more often than retained).
	m.Release()
	m.Release()
	c.Release()

	// The storage serves the next message.
	third := testFrames(3, 2, 500)
	if err := push.Send(ctx, zmq.NewMsg(third...)); err != nil {
		t.Fatal(err)
	}
	if err := pull.RecvMsg(ctx, &m); err != nil {
		t.Fatal(err)
	}
	sameFrames(t, "third", m.Frames, third)
	m.Release()
}

// Messages without buffer references stay whole when a copy is released.
func TestReleaseCopyOfUnreferencedMessage(t *testing.T) {
	push, pull := pushPull(t, "tcp")
	ctx := tctx(t)
	want := testFrames(1, 2, 100)
	if err := push.Send(ctx, zmq.NewMsg(want...)); err != nil {
		t.Fatal(err)
	}
	m, err := pull.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := m
	c.Release()
	sameFrames(t, "received with Recv", m.Frames, want)

	n := zmq.NewMsg(want...)
	c = n
	c.Release()
	sameFrames(t, "NewMsg", n.Frames, want)
}

// A loop that receives into one Msg and releases it after each message
// does not allocate.
func TestRecvMsgReleaseLoopAllocs(t *testing.T) {
	push, pull := pushPull(t, "inproc")
	ctx := tctx(t)
	out := zmq.NewMsg([]byte("0123456789abcdef"))
	var m zmq.Msg
	step := func() {
		if err := push.Send(ctx, out); err != nil {
			t.Fatal(err)
		}
		if err := pull.RecvMsg(ctx, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != 16 {
			t.Fatalf("received %v", m)
		}
		m.Release()
	}
	step() // the storage and the pipe are set up
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%v allocations per message, want 0", n)
	}
}
