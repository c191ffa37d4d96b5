package zmq

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// FuzzEngine feeds arbitrary bytes, as a peer would send them, to a PULL
// socket's connection engine. Whatever the bytes, the engine must not panic,
// must not hang, and must end when the peer goes (the suite's leak check
// then finds no goroutine of it).
func FuzzEngine(f *testing.F) {
	valid := zmtp.AppendGreeting(nil, zmtp.Greeting{Major: 3, Minor: 1, Mechanism: "NULL"})
	valid = zmtp.AppendReady(valid, zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte("PUSH")}})
	f.Add(valid)
	f.Add(append(append([]byte{}, valid...), 0x01, 0x01, 'a', 0x00, 0x00))
	f.Add(append(append([]byte{}, valid...), zmtp.AppendPing(nil, 10, []byte("x"))...))
	f.Add(append(append([]byte{}, valid...), zmtp.AppendSubscribe(nil, []byte("t"))...))
	f.Add(append(append([]byte{}, valid...), 0x02, 0, 0, 0, 0, 0, 0, 1, 0))
	f.Add(valid[:20])
	f.Add([]byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := NewContext().NewSocket(Pull, Linger(0), HandshakeInterval(time.Second), MaxMsgSize(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ours, peer := net.Pipe()
		ep := s.newEndpoint("tcp://fuzz", transport.Endpoint{Scheme: "tcp", Addr: "fuzz"}, true)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.serveConn(ours, ep)
		}()
		go io.Copy(io.Discard, peer) // take whatever the engine sends
		peer.SetWriteDeadline(time.Now().Add(2 * time.Second))
		peer.Write(data)
		for {
			if _, err := s.TryRecv(); err != nil {
				break
			}
		}
		peer.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("engine did not end after the peer closed")
		}
	})
}
