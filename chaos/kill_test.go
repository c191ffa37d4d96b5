//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// D1: PUSH connects, PULL binds in another process, which is killed with
// SIGKILL in the middle of a stream and restarted on the same endpoint.
// Proves: the loss is one contiguous gap of messages sent before the PUSH
// noticed the loss, no larger than the in-flight bound; the PUSH keeps its
// queue across the outage, so what it accepted during the outage is
// delivered after the restart; nothing is duplicated, reordered or
// delivered partially; the PUSH reconnects within twice its reconnect
// interval (the interval and its jitter), plus a margin for a loaded
// machine.
func TestD1PushConnectPullKilled(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			var ep string
			if tr == "tcp" {
				ep = fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
			} else {
				ep = "ipc://" + filepath.Join(t.TempDir(), "d1.ipc")
			}
			const (
				sndHWM, rcvHWM = 1000, 1000
				frames, size   = 3, 100
				rate           = 5000 // messages a second
				outage         = time.Second
			)
			col := newCollector()
			pullArgs := []string{"-role", "pull", "-bind", ep, "-rcvhwm", fmt.Sprint(rcvHWM)}
			pull := startPeer(t, "pull1", col, "", pullArgs...)
			pull.ready()

			push := newSock(t, zmq.Push, zmq.SendHWM(sndHWM), zmq.ReconnectInterval(100*time.Millisecond))
			w := watch(push, zmq.EventAll)
			defer w.close()
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)

			x := newSender(push, 1, frames, size)
			x.stream(rate)
			defer x.stop(t)
			waitFor(t, "a steady stream", 10*time.Second, col, func() bool { return col.maxSeq(1) >= rate/2 })

			// The fault: SIGKILL mid-stream.
			k1 := x.last.Load()
			killed := time.Now()
			pull.kill()
			ev := w.wait(t, zmq.EventDisconnected, 5*time.Second)
			k2 := x.last.Load() + 1 // sends that may have gone into the dead connection
			detect := ev.at.Sub(killed)
			var pe *zmq.ProtocolError
			if ev.Err == nil || errors.As(ev.Err, &pe) {
				t.Errorf("DISCONNECTED cause %v, want a network error", ev.Err)
			}

			// The outage lasts a fixed time (the fault's duration); the
			// stream goes on into the PUSH's queue until it is full.
			time.Sleep(outage)
			if w.count(zmq.EventHandshakeSucceeded) != 1 {
				t.Fatalf("reconnected to a dead peer: %v", w.all())
			}
			beforeRestart := x.last.Load()
			pull = startPeer(t, "pull2", col, "", pullArgs...)
			_, restarted := pull.ready()
			hs := w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
			if d := hs.at.Sub(restarted); d > 200*time.Millisecond+time.Second {
				t.Errorf("reconnected %v after the restart, want at most 2 × 100ms + 1s", d)
			}
			first := waitFirst(t, col, "pull2", 5*time.Second)
			if first.seq > k2+1 {
				t.Errorf("the restarted PULL's first message is %d: %d..%d, accepted during the outage, are lost", first.seq, k2+1, first.seq-1)
			}

			// New messages flow; then stop and collect everything.
			target := x.last.Load() + rate/2
			waitFor(t, "new messages after the restart", 10*time.Second, col, func() bool { return col.maxSeq(1) >= target })
			last := x.stop(t)
			waitFor(t, "every message", 10*time.Second, col, func() bool { return col.maxSeq(1) >= last })

			bound := inflightBound(t, sndHWM, rcvHWM, wireSize(frames, size))
			v := verify(t, col.records(), map[uint32]sentSpan{1: {1, last}},
				[]window{{prod: 1, lo: k1 - min(k1, uint64(bound)), hi: k2, name: "kill"}})
			figure(t, "%d sent, lost %d in %d gap (bound %d), %d accepted during the outage all delivered; "+
				"detected %v after SIGKILL, reconnected %v and first message %v after the restart (reconnect interval 100ms)",
				last, v.lost, len(v.gaps["kill"]), bound, beforeRestart-k2+1, detect.Round(time.Millisecond),
				hs.at.Sub(restarted).Round(time.Millisecond), first.at.Sub(restarted).Round(time.Millisecond))
		})
	}
}

// waitFirst waits for the first message delivered by receiver by.
func waitFirst(t testing.TB, col *collector, by string, d time.Duration) rec {
	t.Helper()
	var r rec
	find := func() bool {
		for _, x := range col.records() {
			if x.by == by {
				r = x
				return true
			}
		}
		return false
	}
	waitFor(t, "a message from "+by, d, col, find)
	return r
}

// D2: PUSH binds, PULL connects from another process, which is killed.
// Proves: once the PUSH has seen the disconnection, a send has nowhere to
// go: TrySend returns ErrWouldBlock and Send blocks until its deadline;
// nothing is queued silently, so the restarted PULL's first message is
// the first one sent after it connected. The departed peer's queue is
// dropped: the loss is one gap, within the in-flight bound.
func TestD2PushBindPullKilled(t *testing.T) {
	checkLeaks(t)
	const (
		sndHWM, rcvHWM = 1000, 1000
		frames, size   = 2, 100
		rate           = 5000
	)
	push := newSock(t, zmq.Push, zmq.SendHWM(sndHWM))
	w := watch(push, zmq.EventAll)
	defer w.close()
	if err := push.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep := push.LastEndpoint()
	col := newCollector()
	pullArgs := []string{"-role", "pull", "-connect", ep, "-rcvhwm", fmt.Sprint(rcvHWM)}
	pull := startPeer(t, "pull1", col, "", pullArgs...)
	w.wait(t, zmq.EventHandshakeSucceeded, 10*time.Second)

	x := newSender(push, 1, frames, size)
	x.stream(rate)
	waitFor(t, "a steady stream", 10*time.Second, col, func() bool { return col.maxSeq(1) >= rate/2 })

	k1 := x.last.Load()
	killed := time.Now()
	pull.kill()
	ev := w.wait(t, zmq.EventDisconnected, 5*time.Second)
	detect := ev.at.Sub(killed)
	// No peer: the stream's Send blocks; stop it there.
	beforeStop := x.last.Load()
	k2 := x.stop(t)
	if k2 > beforeStop+1 {
		t.Errorf("%d sends succeeded after the only peer's DISCONNECTED", k2-beforeStop)
	}

	// Nothing is accepted while no peer is connected.
	for i := 0; i < 100; i++ {
		if err := x.trySend(); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Fatalf("TrySend %d with no peer: %v, want ErrWouldBlock", i, err)
		}
	}
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	start := time.Now()
	err := x.sendOne(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < deadline-10*time.Millisecond {
		t.Fatalf("Send with no peer: %v after %v, want DeadlineExceeded after %v", err, time.Since(start), deadline)
	}
	if x.last.Load() != k2 {
		t.Fatalf("sends succeeded with no peer: last %d, want %d", x.last.Load(), k2)
	}

	// The restarted PULL gets only what is sent after it connected.
	startPeer(t, "pull2", col, "", pullArgs...)
	restarted := time.Now()
	hs := w.wait(t, zmq.EventHandshakeSucceeded, 10*time.Second)
	x.stream(rate)
	first := waitFirst(t, col, "pull2", 5*time.Second)
	if first.seq != k2+1 {
		t.Errorf("the new PULL's first message is %d, want %d: something was queued while no peer was connected", first.seq, k2+1)
	}
	target := x.last.Load() + rate/2
	waitFor(t, "new messages", 10*time.Second, col, func() bool { return col.maxSeq(1) >= target })
	last := x.stop(t)
	waitFor(t, "every message", 10*time.Second, col, func() bool { return col.maxSeq(1) >= last })

	bound := inflightBound(t, sndHWM, rcvHWM, wireSize(frames, size))
	v := verify(t, col.records(), map[uint32]sentSpan{1: {1, last}},
		[]window{{prod: 1, lo: k1 - min(k1, uint64(bound)), hi: k2, name: "kill"}})
	figure(t, "%d sent, lost %d in %d gap (the dead peer's queue and in-flight; bound %d); "+
		"detected %v after SIGKILL; 100 TrySend: ErrWouldBlock, Send: blocked to its %v deadline; "+
		"new PULL connected %v after start, its first message is the first sent after that",
		last, v.lost, len(v.gaps["kill"]), bound, detect.Round(time.Millisecond), deadline, hs.at.Sub(restarted).Round(time.Millisecond))
}
