//go:build load

package load

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// d9Default is D9's length unless LOAD_D9 says otherwise: the
	// checklist's 60 s.
	d9Default = time.Minute
	d9HWM     = 100 // SendHWM and RecvHWM
)

// d9Sizes are the body sizes, in turn: empty, small, around the 255-byte
// short/long frame boundary, a CURVE box that spans the 64 KiB encoding
// segments, and one larger than the sealing writer's 256 KiB batch.
var d9Sizes = []int{0, 1, 64, 254, 255, 256, 1000, 8 << 10, 70 << 10, 300 << 10}

// d9Body is the body of message seq: its size from d9Sizes and every
// byte a function of seq and its position, so that a frame delivered for
// another, or ciphertext, or a command, cannot pass for it.
func d9Body(seq uint64) []byte {
	b := make([]byte, d9Sizes[seq%uint64(len(d9Sizes))])
	for i := range b {
		b[i] = byte(seq*31 + uint64(i)*7)
	}
	return b
}

// D9 (jeromq#1009): CURVE PUSH → PULL over tcp with a consumer slower
// than the producer, held at the high-water mark for a minute. The PUSH
// sends sequence-numbered two- and three-frame messages of every size
// class as fast as it can; each time TrySend finds its queue full it tells
// the PULL, which then receives until the PUSH has moved on and waits for
// the next report, so the producer spends the run blocked at SendHWM with
// the kernel's buffers full. At the end the PULL drains everything. The test
// proves that every message arrives once, in order, whole and exactly as
// sent (no MESSAGE command, ciphertext or partial message reaches the
// application), that the connection is never dropped (no DISCONNECTED on
// either side), and that the heap does not grow with the run.
//
// Bounded: LOAD_D9 (default 1m) of sending, then a last message marked
// "end" and a drain of what is in flight; every wait has its own limit.
func TestD9CurveSlowConsumer(t *testing.T) {
	dur := d9Default
	if v := os.Getenv("LOAD_D9"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("LOAD_D9=%q: want a positive duration", v)
		}
		dur = d
	}
	zctx := zmq.NewContext()
	defer termWithin(t, zctx, 30*time.Second)
	serverPub, serverSecret, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	clientPub, clientSecret, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	pull, err := zctx.NewSocket(zmq.Pull, zmq.Linger(0), zmq.RecvHWM(d9HWM),
		zmq.CurveServer(true), zmq.CurveSecret(serverSecret))
	if err != nil {
		t.Fatal(err)
	}
	push, err := zctx.NewSocket(zmq.Push, zmq.Linger(0), zmq.SendHWM(d9HWM),
		zmq.CurveServerKey(serverPub), zmq.CurvePublic(clientPub), zmq.CurveSecret(clientSecret))
	if err != nil {
		t.Fatal(err)
	}
	events := zmq.EventHandshakeSucceeded | zmq.EventDisconnected | zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeFailedAuth
	pm, cm := pull.Monitor(events), push.Monitor(events)
	defer pm.Close()
	defer cm.Close()
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*zmq.Monitor{pm, cm} {
		if ev := nextEvent(t, m, 10*time.Second); ev.Type != zmq.EventHandshakeSucceeded {
			t.Fatalf("first event %v, want HANDSHAKE_SUCCEEDED", ev)
		}
	}
	before := measure(false)

	full := make(chan struct{}, 1) // the PUSH found its queue full
	var sent atomic.Uint64
	type result struct {
		sent, blocked uint64
		err           error
	}
	produced := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), dur+2*time.Minute)
	defer cancel()
	go func() {
		var r result
		defer func() { close(full); produced <- r }()
		end := time.Now().Add(dur)
		for seq := uint64(0); ; seq++ {
			last := !time.Now().Before(end)
			m := zmq.Msg{Frames: [][]byte{binary.BigEndian.AppendUint64(nil, seq), d9Body(seq)}}
			if last {
				m.Frames[1] = []byte("end")
			} else if seq%3 == 0 {
				m.Frames = append(m.Frames, []byte("tail"))
			}
			err := push.TrySend(m)
			if errors.Is(err, zmq.ErrWouldBlock) {
				r.blocked++
				select {
				case full <- struct{}{}:
				default:
				}
				err = push.Send(ctx, m)
			}
			if err != nil {
				r.err = fmt.Errorf("send %d: %w", seq, err)
				return
			}
			r.sent++
			sent.Store(r.sent)
			if last {
				return
			}
		}
	}()

	var got, bytesIn uint64
	// check receives the next message, checks it, and reports whether it
	// was the last.
	check := func() (last bool) {
		m, err := pull.Recv(ctx)
		if err != nil {
			t.Fatalf("receive %d: %v", got, err)
		}
		if len(m.Frames) == 2 && string(m.Frames[1]) == "end" && binary.BigEndian.Uint64(m.Frames[0]) == got {
			got++
			return true
		}
		want := 2 + boolInt(got%3 == 0)
		if len(m.Frames) != want || len(m.Frames[0]) != 8 {
			t.Fatalf("message %d arrived as %d frames (want %d), first %d bytes", got, len(m.Frames), want, len(m.Frames[0]))
		}
		if seq := binary.BigEndian.Uint64(m.Frames[0]); seq != got {
			t.Fatalf("message %d arrived where %d was due: lost or repeated", seq, got)
		}
		if !bytes.Equal(m.Frames[1], d9Body(got)) || want == 3 && string(m.Frames[2]) != "tail" {
			t.Fatalf("message %d arrived with a body that is not the one sent (%d bytes)", got, len(m.Frames[1]))
		}
		bytesIn += uint64(len(m.Frames[1]))
		got++
		m.Release()
		return false
	}
	batches, ended := 0, false
	for range full {
		// Every message received is one sent, or the one the PUSH
		// sends now, up to the last: no receive waits for nothing.
		for mark := sent.Load(); sent.Load() == mark && !ended; {
			ended = check()
		}
		batches++
	}
	r := <-produced
	if r.err != nil {
		t.Fatal(r.err)
	}
	for !ended {
		ended = check()
	}
	if got != r.sent {
		t.Fatalf("received %d messages, %d sent", got, r.sent)
	}
	expectNoMessage(t, pull)
	after := measure(false)

	for name, m := range map[string]*zmq.Monitor{"PULL": pm, "PUSH": cm} {
		select {
		case ev := <-m.Events():
			t.Errorf("%s: %v during the run", name, ev)
		default:
		}
	}
	t.Logf("%v: %d messages (%s of bodies) sent and received in order, whole; the PUSH found its queue full %d times, the PULL read %d batches",
		dur, r.sent, mib(bytesIn), r.blocked, batches)
	t.Logf("before: %v", before)
	t.Logf("after:  %v", after)
	if batches < 10 {
		t.Errorf("the PUSH reached its high-water mark only %d times: the consumer was not the slower", batches)
	}
	// What both sides may hold: two queues of HWM messages of at most
	// 300 KiB, the kernel's buffers and one sealing batch each way,
	// doubled for buffers that grow by doubling.
	bound := uint64(4*d9HWM*(300<<10) + 16<<20)
	if after.heapInuse > before.heapInuse+bound {
		t.Errorf("heap in use grew from %s to %s during the run (bound +%s)", mib(before.heapInuse), mib(after.heapInuse), mib(bound))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nextEvent returns m's next event, failing the test after limit.
func nextEvent(t *testing.T, m *zmq.Monitor, limit time.Duration) zmq.Event {
	t.Helper()
	select {
	case ev := <-m.Events():
		return ev
	case <-time.After(limit):
		t.Fatalf("no monitor event within %v", limit)
		return zmq.Event{}
	}
}

// expectNoMessage fails the test if s has a message ready, or one
// arrives within 100 ms: after the drain nothing more is due.
func expectNoMessage(t *testing.T, s *zmq.Socket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if m, err := s.Recv(ctx); err == nil {
		t.Fatalf("a message beyond the last one sent: %d frames", len(m.Frames))
	}
}
