package interop

import (
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// frameSizes straddle ZMTP's short/long frame boundary (255 bytes fit a
// one-byte size, 256 need the eight-byte form) and include an empty frame
// and one large enough to take many reads and writes.
var frameSizes = []int{0, 1, 255, 256, 1 << 20}

// patterned returns n bytes that differ from frame to frame and from
// position to position, so that a swapped, shifted or truncated frame
// cannot compare equal.
func patterned(frame, n int) []byte {
	p := make([]byte, n)
	for j := range p {
		p[j] = byte(j*7 + j>>8 + frame*31 + 1)
	}
	return p
}

func layout(sizes ...int) [][]byte {
	frames := make([][]byte, len(sizes))
	for i, n := range sizes {
		frames[i] = patterned(i, n)
	}
	return frames
}

var layouts = []struct {
	name   string
	frames [][]byte
}{
	{"ascending", layout(frameSizes...)},
	{"descending", layout(1<<20, 256, 255, 1, 0)},
	{"mixed", layout(256, 0, 1<<20, 1, 255, 0, 256)},
	{"empty-only", layout(0)},
	{"one-byte", layout(1)},
	{"255", layout(255)},
	{"256", layout(256)},
	{"1MiB", layout(1 << 20)},
	{"all-empty", layout(0, 0, 0)},
}

// TestMultipart sends every layout from libzmq to ours and back over one
// DEALER pair, byte for byte, over tcp and ipc with either side binding.
func TestMultipart(t *testing.T) {
	checkLeaks(t)
	for _, tr := range transports {
		for _, oursBinds := range []bool{true, false} {
			binder := "libzmq-binds"
			if oursBinds {
				binder = "ours-binds"
			}
			t.Run(fmt.Sprintf("%s/%s", binder, tr), func(t *testing.T) {
				checkLeaks(t)
				ours := ourSide(t, zmq.Dealer, sockOpts{})
				theirs := theirSide(t, zmq.Dealer, sockOpts{})
				if oursBinds {
					theirs.connect(t, ours.bind(t, tr))
				} else {
					ours.connect(t, theirs.bind(t, tr))
				}
				for _, l := range layouts {
					theirs.send(t, l.frames...)
					if got := ours.recv(t); !sameFrames(got, l.frames) {
						t.Fatalf("%s libzmq->ours: got %s, want %s%s", l.name, show(got), show(l.frames), firstDiff(got, l.frames))
					}
					ours.send(t, l.frames...)
					if got := theirs.recv(t); !sameFrames(got, l.frames) {
						t.Fatalf("%s ours->libzmq: got %s, want %s%s", l.name, show(got), show(l.frames), firstDiff(got, l.frames))
					}
				}
				// Several large messages in flight at once in each direction.
				for range 3 {
					theirs.send(t, layouts[0].frames...)
					ours.send(t, layouts[1].frames...)
				}
				for range 3 {
					if got := ours.recv(t); !sameFrames(got, layouts[0].frames) {
						t.Fatalf("pipelined libzmq->ours: got %s%s", show(got), firstDiff(got, layouts[0].frames))
					}
					if got := theirs.recv(t); !sameFrames(got, layouts[1].frames) {
						t.Fatalf("pipelined ours->libzmq: got %s%s", show(got), firstDiff(got, layouts[1].frames))
					}
				}
			})
		}
	}
}

// firstDiff locates the first difference between two messages.
func firstDiff(got, want [][]byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf(" (%d frames, want %d)", len(got), len(want))
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf(" (frame %d: %d bytes, want %d)", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if got[i][j] != want[i][j] {
				return fmt.Sprintf(" (frame %d byte %d: %#x, want %#x)", i, j, got[i][j], want[i][j])
			}
		}
	}
	return ""
}
