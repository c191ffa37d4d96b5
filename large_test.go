package zmq_test

import (
	"bytes"
	"testing"
	"unsafe"

	zmq "github.com/zmq-go/zmq"
)

// A 256 MiB message crosses tcp and ipc whole.
func TestLargeMessage(t *testing.T) {
	body := make([]byte, 256<<20)
	for i := 0; i < len(body); i += 4093 {
		body[i] = byte(i / 4093)
	}
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			push, pull := pushPull(t, tr)
			if err := push.Send(tctx(t), zmq.NewMsg([]byte("head"), body, []byte("tail"))); err != nil {
				t.Fatal(err)
			}
			m, err := pull.Recv(tctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Frames) != 3 || string(m.Frames[0]) != "head" || string(m.Frames[2]) != "tail" || !bytes.Equal(m.Frames[1], body) {
				t.Fatalf("large message corrupted: %d frames", len(m.Frames))
			}
		})
	}
}

// Over inproc a message is handed over, not copied: the receiver gets the
// very bytes that were sent.
func TestInprocZeroCopy(t *testing.T) {
	checkLeaks(t)
	push, pull := pushPull(t, "inproc")
	body := make([]byte, 64<<10)
	if err := push.Send(tctx(t), zmq.NewMsg(body)); err != nil {
		t.Fatal(err)
	}
	m, err := pull.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.SliceData(m.Frames[0]) != unsafe.SliceData(body) {
		t.Fatal("inproc copied the message body")
	}
}
