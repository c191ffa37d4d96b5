package zmq_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// mixedFrame returns frame j of message i of a stream that mixes empty,
// small and large bodies (some above the 64 KiB receive chunk and the
// 256 KiB trusted size), with bytes that identify it.
func mixedFrame(i, j int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), uint64(j)))
	var n int
	switch k := r.IntN(100); {
	case k < 70:
		n = r.IntN(100)
	case k < 90:
		n = 100 + r.IntN(8<<10)
	default:
		n = 8<<10 + r.IntN(300<<10)
	}
	b := make([]byte, n)
	for k := range b {
		b[k] = byte(i + 7*j + k)
	}
	return b
}

func mixedParts(i int) int { return 1 + i%3 }

// A receiver that keeps up with a stream reads the connection itself (see
// frameReader.Pull) and takes turns with the connection's reader goroutine
// for large bodies and when it runs dry: every message still arrives whole,
// in order and intact.
func TestReceiverReadsMixedStream(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		push, pull := pushPull(t, tr)
		const n = 1500
		ctx := tctx(t)
		sent := make(chan error, 1)
		go func() {
			for i := 0; i < n; i++ {
				frames := make([][]byte, mixedParts(i))
				for j := range frames {
					frames[j] = mixedFrame(i, j)
				}
				if err := push.Send(ctx, zmq.NewMsg(frames...)); err != nil {
					sent <- err
					return
				}
				if i%200 == 199 {
					time.Sleep(time.Millisecond) // let the receiver run dry now and then
				}
			}
			sent <- nil
		}()
		var m zmq.Msg
		defer m.Release()
		for i := 0; i < n; i++ {
			if err := pull.RecvMsg(ctx, &m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if len(m.Frames) != mixedParts(i) {
				t.Fatalf("message %d: %d frames, want %d", i, len(m.Frames), mixedParts(i))
			}
			for j, f := range m.Frames {
				if want := mixedFrame(i, j); string(f) != string(want) {
					t.Fatalf("message %d frame %d: %d bytes, want %d", i, j, len(f), len(want))
				}
			}
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
	})
}

// rawPush completes a ZMTP 3.1 handshake as a PUSH peer of ep.
func rawPush(t *testing.T, ep string) net.Conn {
	t.Helper()
	conn := dialTCP(t, ep)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	g := greeting(3, 1, "NULL")
	conn.Write(g[:10])
	peer := make([]byte, 64)
	if _, err := io.ReadFull(conn, peer[:10]); err != nil {
		t.Fatal(err)
	}
	conn.Write(g[10:])
	if _, err := io.ReadFull(conn, peer[10:]); err != nil {
		t.Fatal(err)
	}
	conn.Write(ready("PUSH"))
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(conn, make([]byte, hdr[1])); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Time{})
	return conn
}

// receiveUntil receives on s, counting messages in got, until ctx is done;
// the channel it returns closes then.
func receiveUntil(ctx context.Context, s *zmq.Socket, got *atomic.Int32) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m zmq.Msg
		defer m.Release()
		for s.RecvMsg(ctx, &m) == nil {
			got.Add(1)
		}
	}()
	return done
}

// smallFrames encodes count single-frame messages of size bytes.
func smallFrames(count, size int) []byte {
	var b []byte
	for i := 0; i < count; i++ {
		b = append(b, 0x00, byte(size))
		b = append(b, make([]byte, size)...)
	}
	return b
}

// A broken frame that arrives while the application is receiving, so that
// the receive itself may be the one that reads it, still ends the
// connection, and the socket keeps serving other peers.
func TestInlineReadProtocolError(t *testing.T) {
	checkLeaks(t)
	for round := 0; round < 5; round++ {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, "tcp")
		conn := rawPush(t, ep)
		var got atomic.Int32
		ctx, cancel := context.WithCancel(context.Background())
		done := receiveUntil(ctx, pull, &got)
		conn.Write(smallFrames(500, 10))
		// A command frame with the MORE flag is a protocol error.
		conn.Write(append(smallFrames(10, 10), 0x05, 0x01, 'x'))
		if !closedByPeer(conn) {
			cancel()
			t.Fatal("connection not closed after a broken frame")
		}
		push := newSock(t, zmq.Push)
		push.Connect(ep)
		send(t, push, "after")
		eventually(t, "the good peer's message", func() bool { return got.Load() == 511 })
		cancel()
		<-done
		if n := got.Load(); n != 511 {
			t.Fatalf("received %d messages, want 510 from the broken peer and 1 from the good one", n)
		}
	}
}

// A PING that arrives while the receiver reads the connection itself is
// answered.
func TestInlineReadAnswersPing(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "tcp")
	conn := rawPush(t, ep)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got atomic.Int32
	done := receiveUntil(ctx, pull, &got)
	for i := 0; i < 20; i++ {
		conn.Write(append(smallFrames(200, 10), command("PING", []byte{0, 10, 'c', byte('0' + i)})...))
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 20; i++ {
		pong := make([]byte, 2+1+4+2)
		if _, err := io.ReadFull(conn, pong); err != nil || string(pong[3:]) != "PONGc"+string(rune('0'+i)) {
			t.Fatalf("PONG %d: %q %v", i, pong, err)
		}
	}
	cancel()
	<-done
}

// A receiver that stops receiving lets the connection be read ahead again,
// up to about the high-water mark, once the reader goroutine's standby ends.
func TestReaderResumesWhenReceiverStops(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull, zmq.RecvHWM(100))
	ep := bound(t, pull, "tcp")
	conn := rawPush(t, ep)
	conn.Write(smallFrames(50, 10))
	ctx := tctx(t)
	for i := 0; i < 50; i++ {
		if _, err := pull.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The receive read the connection itself; now nobody receives.
	go conn.Write(smallFrames(5000, 10))
	eventually(t, "read-ahead up to the high-water mark", func() bool { return zmq.QueuedIn(pull) >= 100 })
	// That the reader then stops cannot be observed, only bounded: 20 ms to
	// overrun is many times what reading the rest of the 60 kB takes.
	time.Sleep(20 * time.Millisecond)
	if n := zmq.QueuedIn(pull); n > 100 {
		t.Fatalf("%d messages queued with RecvHWM 100", n)
	}
	for i := 0; i < 5000; i++ {
		if _, err := pull.Recv(ctx); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

// A stream that ends while the high-water mark holds part of what arrived
// back must still deliver every message that arrived whole: the end of
// the stream is the last thing read, never a reason to drop what was read
// before it. The zguide's syncpub and syncsub lost a subscriber's last
// updates this way when the publisher closed at once and the subscriber's
// receives and its reader goroutine took turns at the high-water mark.
func TestMessagesBeforeEndOfStream(t *testing.T) {
	checkLeaks(t)
	forEachTransport(t, func(t *testing.T, tr string) {
		if tr == "inproc" {
			return // no stream
		}
		const rounds, msgs = 30, 3000
		for round := range rounds {
			pub := newSock(t, zmq.Pub, zmq.SendHWM(msgs+1))
			ep := bound(t, pub, tr)
			sub := newSock(t, zmq.Sub, zmq.RecvHWM(50), zmq.Subscribe(nil))
			if err := sub.Connect(ep); err != nil {
				t.Fatal(err)
			}
			waitSubscribed(t, pub, sub, "")
			for i := range msgs {
				send(t, pub, strconv.Itoa(i))
			}
			send(t, pub, "END")
			closed := make(chan error, 1)
			go func() { closed <- pub.Close() }()
			for i := 0; ; i++ {
				ctx, cancel := contextWithTimeout(5 * time.Second)
				m, err := sub.Recv(ctx)
				cancel()
				if err != nil {
					t.Fatalf("round %d: %d messages, then %v", round, i, err)
				}
				got := string(m.Frames[0])
				if got == "END" {
					if i != msgs {
						t.Fatalf("round %d: END after %d messages, want %d", round, i, msgs)
					}
					break
				}
				if want := strconv.Itoa(i); got != want {
					t.Fatalf("round %d: message %q, want %q", round, got, want)
				}
			}
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			sub.Close()
		}
	})
}
