//go:build chaos

package chaos

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// waitStalled waits until the sender's count stops moving for quiet, at
// most d, and returns it and when it last moved.
func waitStalled(t testing.TB, x *sender, quiet, d time.Duration) (uint64, time.Time) {
	t.Helper()
	deadline := time.Now().Add(d)
	last, since := x.last.Load(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(quiet / 10) // polling a counter; the condition is "no change for quiet"
		if n := x.last.Load(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return last, since
		}
	}
	t.Fatalf("the sender never stalled within %v (at %d)", d, x.last.Load())
	return 0, time.Time{}
}

// D5a: the PULL process is frozen with SIGSTOP for CHAOS_SIGSTOP (3s by
// default) under a PUSH stream of 16 KiB messages. Proves: the PUSH blocks
// once its queue (SendHWM) and the socket buffers are full: the messages it
// accepts stay within SendHWM + RecvHWM + the kernel's buffers, and its heap
// grows by no more than its queue and one write batch; after SIGCONT the
// stream resumes with no loss at all (no connection broke).
func TestD5SigstopPush(t *testing.T) {
	checkLeaks(t)
	hold := envDuration(t, "CHAOS_SIGSTOP", 3*time.Second)
	const (
		sndHWM, rcvHWM = 100, 100
		frames, size   = 1, 16 << 10
		rate           = 2000
	)
	col := newCollector()
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	pull := startPeer(t, "pull", col, "", "-role", "pull", "-bind", ep, "-rcvhwm", fmt.Sprint(rcvHWM))
	pull.ready()
	push := newSock(t, zmq.Push, zmq.SendHWM(sndHWM))
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
	base := heapInUse()

	// The fault: the receiver freezes for a fixed time.
	k0 := x.last.Load()
	pull.signal(syscall.SIGSTOP)
	stopped := time.Now()
	blockedAt, blockedSince := waitStalled(t, x, 500*time.Millisecond, hold)
	blockedAfter := blockedSince.Sub(stopped)
	grown := int64(heapInUse()) - int64(base)
	time.Sleep(time.Until(stopped.Add(hold)))
	if n := x.last.Load(); n != blockedAt {
		t.Errorf("the PUSH accepted %d more messages while the receiver was frozen and its queue full", n-blockedAt)
	}
	accepted := blockedAt - k0
	msgBytes := wireSize(frames, size)
	kernel := sysctlMax(t, "tcp_wmem") + sysctlMax(t, "tcp_rmem")
	bound := uint64(sndHWM + rcvHWM + kernel/msgBytes + sndHWM + 64)
	if accepted > bound {
		t.Errorf("%d messages accepted while the receiver was frozen, want at most %d", accepted, bound)
	}
	heapBound := int64(2*sndHWM*msgBytes + 4<<20) // the queue, one write batch, and slack
	if grown > heapBound {
		t.Errorf("the sender's heap grew by %d bytes while blocked, want at most %d", grown, heapBound)
	}

	pull.signal(syscall.SIGCONT)
	resumed := time.Now()
	waitFor(t, "the stream to resume", 10*time.Second, col, func() bool { return col.maxSeq(1) > blockedAt })
	r, _ := col.firstAbove(1, blockedAt)
	target := x.last.Load() + rate/2
	waitFor(t, "new messages", 10*time.Second, col, func() bool { return col.maxSeq(1) >= target })
	last := x.stop(t)
	waitFor(t, "every message", 10*time.Second, col, func() bool { return col.maxSeq(1) >= last })
	if n := w.count(zmq.EventDisconnected); n != 0 {
		t.Errorf("%d disconnections: %v", n, w.all())
	}
	v := verify(t, col.records(), map[uint32]sentSpan{1: {1, last}}, nil)
	figure(t, "receiver frozen %v: PUSH blocked (no progress for 500ms) from %v after SIGSTOP, having accepted %d messages of %d B (bound %d = HWMs + kernel buffers); "+
		"heap grew %d KiB (bound %d KiB); resumed %v after SIGCONT; %d sent, %d lost",
		hold, blockedAfter.Round(time.Millisecond), accepted, msgBytes, bound, grown>>10, heapBound>>10,
		r.at.Sub(resumed).Round(time.Millisecond), last, v.lost)
}

// D5b: one of two SUB processes is frozen with SIGSTOP under a PUB stream.
// Proves: the PUB never blocks; the live subscriber loses nothing; the
// frozen one loses only messages sent between its SIGSTOP and the moment it
// has caught up after SIGCONT (PUB drops at its HWM for that subscriber
// only), never a duplicate, reordered or partial message; its stream
// resumes after SIGCONT.
func TestD5SigstopSub(t *testing.T) {
	checkLeaks(t)
	hold := envDuration(t, "CHAOS_SIGSTOP", 3*time.Second)
	const (
		// Half a second of messages (libzmq's default HWM): a live
		// subscriber that the machine's load holds up for a moment loses
		// nothing.
		sndHWM       = 1000
		frames, size = 2, 4 << 10 // 16 MB/s: more than the queue and socket buffers hold in the freeze
		rate         = 2000
	)
	pub := newSock(t, zmq.Pub, zmq.SendHWM(sndHWM))
	w := watch(pub, zmq.EventHandshakeSucceeded|zmq.EventDisconnected)
	defer w.close()
	if err := pub.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep := pub.LastEndpoint()
	liveCol, frozenCol := newCollector(), newCollector()
	startPeer(t, "live", liveCol, "", "-role", "sub", "-connect", ep)
	frozen := startPeer(t, "frozen", frozenCol, "", "-role", "sub", "-connect", ep)
	w.wait(t, zmq.EventHandshakeSucceeded, 10*time.Second)
	w.wait(t, zmq.EventHandshakeSucceeded, 10*time.Second)
	x := newSender(pub, 1, frames, size)
	x.stream(rate)
	defer x.stop(t)
	// Subscriptions travel after the handshake, and a subscriber process
	// starting up may be slow: the PUB drops for it meanwhile, by design.
	// The oracle counts losses from the end of this warm-up.
	waitFor(t, "the live subscriber's stream", 10*time.Second, liveCol, func() bool { return liveCol.maxSeq(1) >= rate/2 })
	waitFor(t, "the frozen subscriber's stream", 10*time.Second, frozenCol, func() bool { return frozenCol.maxSeq(1) >= rate/2 })
	liveFirst, frozenFirst := liveCol.maxSeq(1), frozenCol.maxSeq(1)
	base := heapInUse()

	kStop := x.last.Load()
	x.maxBlock.Store(0)
	stalls := stallMeter()
	frozen.signal(syscall.SIGSTOP)
	stopped := time.Now()
	time.Sleep(hold) // the fault's duration
	maxBlock := time.Duration(x.maxBlock.Load())
	maxStall := stalls()
	grown := int64(heapInUse()) - int64(base)
	inHole := x.last.Load()
	waitFor(t, "the live subscriber during the freeze", 5*time.Second, liveCol, func() bool { return liveCol.maxSeq(1) >= inHole })
	// A Send that waited for the frozen subscriber would wait for the
	// whole freeze. Shorter delays are latency, not blocking (the machine's
	// load; maxStall is an idle goroutine's longest wait for a 1ms timer).
	// The frozen subscriber's queue is encoded in segments of 64 KiB, so
	// no Send copies it: when it was one buffer, reallocated as it grew,
	// one Send took up to a few hundred milliseconds on this machine.
	if maxBlock > hold/3 {
		t.Errorf("a PUB Send blocked for %v while a subscriber was frozen", maxBlock)
	}

	frozen.signal(syscall.SIGCONT)
	kCont := x.last.Load()
	waitFor(t, "the frozen subscriber to resume", 10*time.Second, frozenCol, func() bool { return frozenCol.maxSeq(1) > kCont })
	r, _ := frozenCol.firstAbove(1, kCont)
	resumed := r.at.Sub(stopped.Add(hold))
	// Caught up: it gets what is being sent now.
	kCaught := x.last.Load()
	waitFor(t, "the frozen subscriber to catch up", 10*time.Second, frozenCol, func() bool { return frozenCol.maxSeq(1) >= kCaught })
	target := x.last.Load() + rate/2
	waitFor(t, "new messages", 10*time.Second, frozenCol, func() bool { return frozenCol.maxSeq(1) >= target })
	last := x.stop(t)
	waitFor(t, "every message (live)", 10*time.Second, liveCol, func() bool { return liveCol.maxSeq(1) >= last })
	waitFor(t, "every message (frozen)", 10*time.Second, frozenCol, func() bool { return frozenCol.maxSeq(1) >= last })
	if n := w.count(zmq.EventDisconnected); n != 0 {
		t.Errorf("%d disconnections", n)
	}

	lv := verify(t, liveCol.records(), map[uint32]sentSpan{1: {liveFirst, last}}, nil)
	fv := verify(t, frozenCol.records(), map[uint32]sentSpan{1: {frozenFirst, last}},
		[]window{{prod: 1, lo: kStop, hi: kCaught, name: "frozen", multi: true}})
	if fv.lost == 0 {
		t.Errorf("the PUB dropped nothing for the frozen subscriber: the freeze was absorbed by buffers and proves nothing")
	}
	figure(t, "subscriber frozen %v: PUB Send at most %v (an idle goroutine's longest stall %v); live subscriber lost %d of %d; frozen one "+
		"lost %d in %d gaps, all between SIGSTOP and catching up, resumed %v after SIGCONT; PUB heap %+d KiB",
		hold, maxBlock.Round(time.Microsecond), maxStall.Round(time.Microsecond), lv.lost, last-liveFirst+1,
		fv.lost, len(fv.gaps["frozen"]), resumed.Round(time.Millisecond), grown>>10)
}

// stallMeter measures how late a goroutine that only waits for 1ms timers
// runs: the process's longest stall. The returned function stops it and
// returns the longest.
func stallMeter() func() time.Duration {
	stop := make(chan struct{})
	done := make(chan time.Duration)
	go func() {
		var worst time.Duration
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				done <- worst
				return
			case now := <-tick.C:
				worst = max(worst, now.Sub(last))
				last = now
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		return <-done
	}
}
