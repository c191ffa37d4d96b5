package zmq

import (
	"bytes"
	"net"
	"testing"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// The sender seals frames however the outbound stream splits them into
// buffers (headers and bodies across segment boundaries), and refuses a
// stream that ends inside a frame rather than send any of it.
func TestCurveSenderSplits(t *testing.T) {
	var stream []byte
	stream = zmtp.AppendFrameHeader(stream, zmtp.FlagMore, 3)
	stream = append(stream, "abc"...)
	stream = zmtp.AppendFrameHeader(stream, zmtp.FlagCommand, 300)
	stream = append(stream, bytes.Repeat([]byte{7}, 300)...)
	stream = zmtp.AppendFrameHeader(stream, 0, 0)
	var want []byte
	for cut := range len(stream) {
		for cut2 := cut; cut2 < len(stream); cut2 += 37 {
			cc := newCurveCodec(zmtp.NonceMessageClient, zmtp.NonceMessageServer)
			cc.start(3, 0)
			var out bytes.Buffer
			c1, c2 := net.Pipe()
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, 4096)
				for {
					n, err := c2.Read(buf)
					out.Write(buf[:n])
					if err != nil {
						return
					}
				}
			}()
			err := cc.send.write(c1, net.Buffers{stream[:cut], stream[cut:cut2], stream[cut2:]})
			c1.Close()
			<-done
			if err != nil {
				t.Fatalf("cut at %d, %d: %v", cut, cut2, err)
			}
			if want == nil {
				want = out.Bytes()
			} else if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("cut at %d, %d: different bytes", cut, cut2)
			}
		}
	}
	// Three MESSAGE frames: flags 1, 2 and 0 in their boxes.
	cc := newCurveCodec(zmtp.NonceMessageServer, zmtp.NonceMessageClient)
	cc.start(2, 2)
	rest := want
	for i, flags := range []byte{zmtp.CurveFlagMore, zmtp.CurveFlagCommand, 0} {
		_, size, hn, err := zmtp.ParseFrameHeader(rest)
		if err != nil {
			t.Fatal(err)
		}
		plain, n, err := zmtp.OpenCurveMessage(nil, rest[hn:hn+int(size)], &cc.recv.key, zmtp.NonceMessageClient, cc.recv.last)
		if err != nil || n != uint64(3+i) || plain[0] != flags {
			t.Fatalf("frame %d: %v, nonce %d, flags %#x", i, err, n, plain[0])
		}
		rest = rest[hn+int(size):]
	}
	c1, c2 := net.Pipe()
	defer c2.Close()
	cc = newCurveCodec(zmtp.NonceMessageClient, zmtp.NonceMessageServer)
	if err := cc.send.write(c1, net.Buffers{stream[:len(stream)-1]}); err != errCurveStream {
		t.Fatalf("partial frame: %v", err)
	}
}
