package zmq

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// fuzzMaxMsg is the MaxMsgSize of the fuzzed socket.
const fuzzMaxMsg = 1 << 20

// FuzzEngine feeds arbitrary bytes, as a peer would send them, to a PULL
// socket's connection engine, while the application receives. Whatever the
// bytes, the engine must not panic, must not hang, must deliver exactly the
// messages that wantMessages finds in them, and must end when the peer goes
// (the suite's leak check then finds no goroutine of it).
//
// cut chooses how the peer sends the bytes, over what, and how the
// application receives: its low 6 bits are the size of the pieces the peer
// writes (0: all in one write); bit 6 makes the application poll with
// TryRecv until the peer has written everything, instead of waiting in
// Recv for each message expected; bit 7 picks a net.Pipe, which has no raw
// access, over a socket pair, which has. Over the socket pair a receive
// that finds nothing reads the connection itself (see frameReader.Pull),
// taking turns with the reader goroutine; polling makes it do so often.
func FuzzEngine(f *testing.F) {
	valid := zmtp.AppendGreeting(nil, zmtp.Greeting{Major: 3, Minor: 1, Mechanism: "NULL"})
	valid = zmtp.AppendReady(valid, zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte("PUSH")}})
	with := func(b ...[]byte) []byte { return slices.Concat(append([][]byte{valid}, b...)...) }
	frame := func(flags byte, body []byte) []byte {
		return append(zmtp.AppendFrameHeader(nil, flags, uint64(len(body))), body...)
	}
	seeds := [][]byte{
		valid,
		with([]byte{0x01, 0x01, 'a', 0x00, 0x00}),
		with(zmtp.AppendPing(nil, 10, []byte("x")), frame(0, []byte("after ping"))),
		with(zmtp.AppendSubscribe(nil, []byte("t")), frame(0, []byte("m"))),
		with([]byte{0x02, 0, 0, 0, 0, 0, 0, 1, 0}),
		with(frame(1, []byte("one")), frame(0, []byte("two")), frame(0, nil)),
		// A large body (read into a buffer of its own), cut short.
		with(frame(0, []byte("whole")), []byte{0x02, 0, 0, 0, 0, 0, 0, 0x20, 0}, []byte("part of it")),
		with(frame(0, []byte("whole")), frame(1, []byte("part")), zmtp.AppendSubscribe(nil, []byte("t"))),
		with(frame(0, []byte("whole")), []byte{0x06, 0, 0, 0, 0, 0, 0, 0, 1}),
		with(frame(0, []byte("whole")), frame(1, []byte("cut short"))),
		valid[:20],
		{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 0},
		// ZMTP 2.0: revision, socket type, identity, then frames.
		{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, byte(Push), 0, 2, 'i', 'd', 0, 2, 'h', 'i'},
	}
	for _, s := range seeds {
		for _, cut := range []byte{0, 1, 7, 0x40, 0x40 | 1, 0x40 | 5, 0x80, 0x80 | 3, 0xC0 | 2} {
			f.Add(s, cut)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut byte) {
		want := wantMessages(data)
		// The handshake has a deadline, as a real one does, but one that a
		// busy machine does not reach: past it, fewer messages would arrive
		// than wantMessages finds.
		s, err := NewContext().NewSocket(Pull, Linger(0), HandshakeInterval(time.Minute), MaxMsgSize(fuzzMaxMsg))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var ours, peer net.Conn
		if cut&0x80 != 0 {
			ours, peer = net.Pipe()
		} else {
			ours, peer = socketPair(t)
		}
		defer peer.Close()
		ep := s.newEndpoint("tcp://fuzz", transport.Endpoint{Scheme: "tcp", Addr: "fuzz"}, true)
		served := make(chan struct{})
		go func() {
			defer close(served)
			s.serveConn(ours, ep)
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, peer) // take whatever the engine sends
		}()
		// Pieces of at least 1/64 of the input keep an iteration short.
		piece := max(int(cut&0x3f), (len(data)+63)/64)
		if cut&0x3f == 0 {
			piece = len(data)
		}
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			peer.SetWriteDeadline(time.Now().Add(5 * time.Second))
			for rest := data; len(rest) > 0; {
				n := min(piece, len(rest))
				if _, err := peer.Write(rest[:n]); err != nil {
					return // the engine gave up on the connection
				}
				rest = rest[n:]
				runtime.Gosched() // let the receiver find some pieces
			}
		}()

		got := 0
		check := func(m Msg) {
			if got == len(want) {
				t.Fatalf("message %d where %d were expected: %q", got+1, len(want), m.Frames)
			}
			if w := want[got]; !slices.EqualFunc(m.Frames, w, func(a, b []byte) bool { return string(a) == string(b) }) {
				t.Fatalf("message %d of %d: %q, want %q", got+1, len(want), m.Frames, w)
			}
			got++
		}
		if cut&0x40 != 0 {
			deadline := time.Now().Add(5 * time.Second)
			for written := false; !written || got < len(want); {
				select {
				case <-wrote:
					written = true
				default:
				}
				m, err := s.TryRecv()
				switch {
				case err == nil:
					check(m)
				case !errors.Is(err, ErrWouldBlock):
					t.Fatalf("message %d of %d: %v", got+1, len(want), err)
				case time.Now().After(deadline):
					t.Fatalf("message %d of %d: not delivered", got+1, len(want))
				default:
					runtime.Gosched()
				}
			}
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for got < len(want) {
				m, err := s.Recv(ctx)
				if err != nil {
					t.Fatalf("message %d of %d: %v", got+1, len(want), err)
				}
				check(m)
			}
		}
		<-wrote // bounded by the write deadline
		peer.Close()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Fatal("engine did not end after the peer closed")
		}
		<-drained
		if m, err := s.TryRecv(); !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("after the %d messages expected: %q, %v", len(want), m.Frames, err)
		}
	})
}

// wantMessages returns the messages a PULL socket (with MaxMsgSize
// fuzzMaxMsg) delivers when a peer sends data and then closes: those that
// are whole before the data ends or breaks the protocol. It decodes data
// on its own, in one piece: however the bytes are split, and whichever
// goroutine reads them, the engine must deliver exactly these.
func wantMessages(data []byte) [][][]byte {
	rest, ok := afterHandshake(data)
	if !ok {
		return nil
	}
	var msgs [][][]byte
	var cur [][]byte // a message's frames so far
	for {
		flags, size, hn, err := zmtp.ParseFrameHeader(rest)
		if err != nil || size > fuzzMaxMsg || uint64(len(rest)-hn) < size {
			return msgs
		}
		body := rest[hn : hn+int(size)]
		rest = rest[hn+int(size):]
		if flags&zmtp.FlagCommand == 0 {
			cur = append(cur, body)
			if flags&zmtp.FlagMore == 0 {
				msgs = append(msgs, cur)
				cur = nil
			}
			continue
		}
		name, arg, err := zmtp.ParseCommand(body)
		if err != nil {
			return msgs
		}
		switch name {
		case zmtp.CmdPing:
			if _, _, err := zmtp.ParsePing(arg); err != nil {
				return msgs
			}
		case zmtp.CmdSubscribe, zmtp.CmdCancel:
			// A PULL takes no subscriptions: ignored, like an
			// unknown command.
		case zmtp.CmdError:
			return msgs
		}
	}
}

// afterHandshake returns what follows a handshake that a PULL socket
// accepts at the start of data, or false.
func afterHandshake(data []byte) ([]byte, bool) {
	const maxCommand = 1 << 20 // a handshake command's limit
	if len(data) <= zmtp.SignatureSize || zmtp.CheckSignature(data[:zmtp.SignatureSize]) != nil {
		return nil, false
	}
	switch rev := data[zmtp.SignatureSize]; rev {
	case 0:
		return nil, false
	case 1, 2:
		// ZMTP 2.0: socket type, then the identity as a short final frame.
		h := data[zmtp.SignatureSize+1:]
		if len(h) < 3 {
			return nil, false
		}
		if typ := Type(h[0]); !typ.valid() || !zmtp.Compatible(Pull.String(), typ.String()) || h[1]&^zmtp.FlagMore != 0 {
			return nil, false
		}
		if n := int(h[2]); len(h) >= 3+n {
			return h[3+n:], true
		}
		return nil, false
	}
	if len(data) < zmtp.GreetingSize {
		return nil, false
	}
	if g, err := zmtp.ParseGreeting(data[:zmtp.GreetingSize]); err != nil || g.Mechanism != "NULL" {
		return nil, false
	}
	rest := data[zmtp.GreetingSize:]
	// MORE on a handshake command is accepted and ignored, as libzmq does.
	head := append([]byte(nil), rest[:min(len(rest), 9)]...)
	if len(head) > 0 && head[0]&zmtp.FlagCommand != 0 {
		head[0] &^= zmtp.FlagMore
	}
	flags, size, hn, err := zmtp.ParseFrameHeader(head)
	if err != nil || flags&zmtp.FlagCommand == 0 || size > maxCommand || uint64(len(rest)-hn) < size {
		return nil, false
	}
	name, arg, err := zmtp.ParseCommand(rest[hn : hn+int(size)])
	if err != nil || name != zmtp.CmdReady {
		return nil, false
	}
	md, err := zmtp.ParseMetadata(arg)
	if err != nil {
		return nil, false
	}
	if st, _ := md.Get(zmtp.PropSocketType); !zmtp.Compatible(Pull.String(), string(st)) {
		return nil, false
	}
	return rest[hn+int(size):], true
}
