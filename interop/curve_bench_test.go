package interop

import (
	"fmt"
	"testing"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// BenchmarkCurveLibzmq streams messages from a libzmq PUSH to a libzmq PULL
// over CURVE (libsodium's), the reference for the root package's
// BenchmarkPushPullCurve: one op is one message. The cgo calls cost some
// tens of nanoseconds per message on top of libzmq's own work.
//
//	CGO_ENABLED=1 go test -run '^$' -bench CurveLibzmq -benchmem .
func BenchmarkCurveLibzmq(b *testing.B) {
	for _, size := range []int{64, 64 << 10} {
		b.Run(fmt.Sprintf("tcp/%dB", size), func(b *testing.B) {
			spub, ssec, err := zmq4.NewCurveKeypair()
			must(b, "keypair", err)
			cpub, csec, err := zmq4.NewCurveKeypair()
			must(b, "keypair", err)
			pull := newTheirs(b, zmq.Pull)
			must(b, "curve server", pull.SetCurveServer(1))
			must(b, "secret", pull.SetCurveSecretkey(ssec))
			must(b, "bind", pull.Bind("tcp://127.0.0.1:*"))
			ep, err := pull.GetLastEndpoint()
			must(b, "endpoint", err)
			push := newTheirs(b, zmq.Push)
			must(b, "server key", push.SetCurveServerkey(spub))
			must(b, "public", push.SetCurvePublickey(cpub))
			must(b, "secret", push.SetCurveSecretkey(csec))
			must(b, "connect", push.Connect(ep))
			body := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			done := make(chan error, 1)
			go func() {
				for i := 0; i < b.N; i++ {
					if _, err := push.SendBytes(body, 0); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := 0; i < b.N; i++ {
				if _, err := pull.RecvBytes(0); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
