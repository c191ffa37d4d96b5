package zmq_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// A message received with RecvMsg and sent on, as a proxy does, arrives
// intact even though the forwarder reuses its Msg (and so releases the
// receive buffers) straight away.
func TestForwardReleasedMessages(t *testing.T) {
	for _, out := range transports {
		t.Run("to-"+out, func(t *testing.T) {
			checkLeaks(t)
			in := newSock(t, zmq.Pull)
			inEP := bound(t, in, "tcp")
			src := newSock(t, zmq.Push)
			src.Connect(inEP)
			fwd := newSock(t, zmq.Push)
			sink := newSock(t, zmq.Pull, zmq.RecvHWM(0))
			fwd.Connect(bound(t, sink, out))

			const n = 3000
			body := func(i int) []byte {
				size := []int{0, 1, 100, 5000, 40000}[i%5]
				b := bytes.Repeat([]byte{byte(i)}, size)
				return append(b, fmt.Sprint(i)...)
			}
			go func() {
				for i := 0; i < n; i++ {
					src.Send(context.Background(), zmq.NewMsg([]byte("h"), body(i)))
				}
			}()
			done := make(chan error, 1)
			go func() {
				var m zmq.Msg
				defer m.Release()
				for i := 0; i < n; i++ {
					if err := in.RecvMsg(tctx(t), &m); err != nil {
						done <- err
						return
					}
					if err := fwd.Send(tctx(t), m); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := 0; i < n; i++ {
				m, err := sink.Recv(tctx(t))
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if len(m.Frames) != 2 || string(m.Frames[0]) != "h" || !bytes.Equal(m.Frames[1], body(i)) {
					t.Fatalf("message %d corrupted: %d frames, %d bytes", i, len(m.Frames), len(m.Frames[1]))
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}
