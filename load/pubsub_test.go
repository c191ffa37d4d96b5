//go:build load

package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// E5: one PUB, fanSubs SUBs over tcp, the last of them stuck.
	fanSubs  = 100
	fanMsgs  = 20000 // messages published
	fanSize  = 1024  // bytes each, the first 8 a sequence number
	fanHWM   = 1000  // the PUB's SendHWM (the default)
	fanBurst = 500   // messages published before waiting for the fast SUBs
	stuckHWM = 10    // the stuck SUB's RecvHWM
	// fanHeapBound bounds what the heap gains while 20 MB are published
	// to the stuck SUB. The PUB queues at most fanHWM messages of
	// fanSize+9 bytes (with the frame header) for it, and its writer holds
	// at most one batch taken from that queue while the kernel's buffers
	// are full: 2 × fanHWM × 1033 B, twice that for buffers that grow by
	// doubling. Each fast SUB's connection keeps two encoding buffers of
	// up to 16 KiB once idle: the janitor gives back those a burst grew
	// beyond that (a burst is 500 KiB; see fanBurst). 2 MiB of slack
	// cover the stuck SUB's stuckHWM messages and receive buffer.
	fanHeapBound = 4*fanHWM*(fanSize+9) + (fanSubs-1)*2*(16<<10) + 2<<20
	// fanHeapFlat bounds the growth from halfway to the end, when the
	// stuck SUB's share is already saturated.
	fanHeapFlat = 1 << 20
)

// E5: PUB → 100 SUBs with one stuck. 99 SUBs receive everything; one
// (RecvHWM 10) receives a single warm-up message and then nothing. The
// PUB publishes 20,000 sequence-numbered messages of 1 KiB in bursts of
// 500, each burst after the fast SUBs have received the previous one, so
// that no fast SUB ever has more than its high-water mark outstanding.
// The test proves that the 99 receive every message once and in order,
// that the PUB never blocks (TrySend never fails; the slowest is
// reported), that the stuck SUB's share is dropped at the PUB rather than
// queued (drained at the end, it has received the messages that fitted in
// its queues and the kernel's, in order, and none after), and that the
// heap grows by no more than fanHeapBound while 20 MB are published to
// the stuck SUB, and by less than 1 MiB in the second half.
//
// The heap is measured after the connections were idle for trimWait: a
// burst grows the encoding buffers of each fast SUB's connection to up to
// twice its size, and the janitor gives them back when it finds the
// connection idle (a PUB's connections are trimmed like a receiver's), so
// what stays is the stuck SUB's share.
//
// Bounded: 20,000 messages; every wait has its own limit (30 s); the
// test takes about half a minute.
func TestPubSlowSubscriber(t *testing.T) {
	needFiles(t, 2*fanSubs+500)
	zctx := zmq.NewContext()
	defer termWithin(t, zctx, 30*time.Second)
	pub, err := zctx.NewSocket(zmq.Pub, zmq.Linger(0), zmq.SendHWM(fanHWM))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep := pub.LastEndpoint()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	subs := make([]*zmq.Socket, fanSubs)
	for i := range subs {
		opts := []zmq.Option{zmq.Linger(0), zmq.Subscribe(nil)}
		if i == fanSubs-1 {
			opts = append(opts, zmq.RecvHWM(stuckHWM))
		}
		s, err := zctx.NewSocket(zmq.Sub, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
		subs[i] = s
	}
	stuck := subs[fanSubs-1]

	// Every SUB, the stuck one included, receives a warm-up message: then
	// its subscription has reached the PUB. The fast ones go on to check
	// the sequence; each reports the end of every burst on acks.
	synced := make(chan int, fanSubs)
	acks := make(chan int, fanSubs*(fanMsgs/fanBurst+1))
	errs := make(chan error, fanSubs)
	finished := make(chan int, fanSubs)
	for i, s := range subs[:fanSubs-1] {
		go func() {
			if err := fastSub(ctx, s, i, synced, acks); err != nil {
				errs <- err
				return
			}
			finished <- i
		}()
	}
	go func() {
		if _, err := stuck.Recv(ctx); err != nil {
			errs <- err
			return
		}
		synced <- fanSubs - 1
	}()
	probe := func() { pub.TrySend(zmq.NewMsgString("warm-up")) }
	collect(t, "warm-up messages", synced, errs, fanSubs, probe)

	time.Sleep(trimWait) // the janitor's period: a time bound, see trimWait
	before := measure(true)

	var slowest time.Duration
	var mid usage
	for seq := range fanMsgs {
		if seq > 0 && seq%fanBurst == 0 {
			collect(t, fmt.Sprintf("acks of burst %d", seq/fanBurst), acks, errs, fanSubs-1, nil)
			if seq == fanMsgs/2 {
				time.Sleep(trimWait)
				mid = measure(true)
			}
		}
		b := make([]byte, fanSize)
		binary.BigEndian.PutUint64(b, uint64(seq))
		start := time.Now()
		if err := pub.TrySend(zmq.NewMsg(b)); err != nil {
			t.Fatalf("TrySend of message %d: %v (a PUB never blocks)", seq, err)
		}
		slowest = max(slowest, time.Since(start))
	}
	collect(t, "the last acks", acks, errs, fanSubs-1, nil)
	collect(t, "the fast SUBs' ends", finished, errs, fanSubs-1, nil)
	time.Sleep(trimWait)
	end := measure(true)

	// The stuck SUB now drains: it gets what its queue and the kernel
	// held, then the PUB's queue of the newest messages, then "end".
	var got int
	var last int64 = -1
	drained := make(chan error, 1)
	var drainDone atomic.Bool
	go func() {
		defer drainDone.Store(true)
		for {
			m, err := stuck.Recv(ctx)
			if err != nil {
				drained <- err
				return
			}
			switch b := m.Frames[0]; {
			case string(b) == "end":
				drained <- nil
				return
			case len(b) == fanSize:
				seq := int64(binary.BigEndian.Uint64(b))
				if seq <= last {
					drained <- fmt.Errorf("stuck SUB: message %d after %d", seq, last)
					return
				}
				last = seq
				got++
			}
		}
	}()
	if !waitFor(30*time.Second, func() bool { probeEnd(pub); return drainDone.Load() }) {
		t.Fatal("the stuck SUB did not drain")
	}
	if err := <-drained; err != nil {
		t.Fatal(err)
	}

	t.Logf("E5: PUB → %d SUBs over tcp, %d messages of %d B in bursts of %d, PUB SendHWM %d, one SUB stuck (RecvHWM %d):", fanSubs, fanMsgs, fanSize, fanBurst, fanHWM, stuckHWM)
	t.Logf("- %d fast SUBs: every message, in order; PUB TrySend never failed, slowest %v", fanSubs-1, slowest.Round(time.Microsecond))
	t.Logf("- stuck SUB, drained at the end: %d of %d messages (%.1f MiB), in order, the last %d: %d dropped at the PUB", got, fanMsgs, float64(got*fanSize)/(1<<20), last, fanMsgs-got)
	t.Logf("- heap in use (after GC, each after %v idle): before %s, halfway %s, end %s: +%s for %s published to the stuck SUB (bound %s)",
		trimWait, mib(before.heapInuse), mib(mid.heapInuse), mib(end.heapInuse), mib(end.heapInuse-min(end.heapInuse, before.heapInuse)),
		mib(fanMsgs*fanSize), mib(fanHeapBound))
	t.Logf("- RSS: before %s, halfway %s, end %s", mib(before.rss), mib(mid.rss), mib(end.rss))
	if got >= fanMsgs || last >= fanMsgs-1 {
		t.Errorf("the stuck SUB received %d of %d messages, the last %d: the PUB did not drop for it", got, fanMsgs, last)
	}
	if end.heapInuse > before.heapInuse+fanHeapBound {
		t.Errorf("heap in use grew from %s to %s, more than %s", mib(before.heapInuse), mib(end.heapInuse), mib(fanHeapBound))
	}
	if end.heapInuse > mid.heapInuse+fanHeapFlat {
		t.Errorf("heap in use grew from %s halfway to %s at the end: the stuck SUB's share accumulates", mib(mid.heapInuse), mib(end.heapInuse))
	}
}

// fastSub receives the warm-up messages and then the whole sequence in
// order, reporting the end of each burst on acks and returning nil after
// the last message.
func fastSub(ctx context.Context, s *zmq.Socket, i int, synced, acks chan<- int) error {
	var m zmq.Msg
	defer m.Release()
	warm := false
	next := uint64(0)
	for next < fanMsgs {
		if err := s.RecvMsg(ctx, &m); err != nil {
			return fmt.Errorf("SUB %d at message %d: %w", i, next, err)
		}
		b := m.Frames[0]
		if len(b) != fanSize {
			if !warm {
				warm = true
				synced <- i
			}
			continue
		}
		if seq := binary.BigEndian.Uint64(b); seq != next {
			return fmt.Errorf("SUB %d: message %d, want %d", i, seq, next)
		}
		next++
		if next%fanBurst == 0 || next == fanMsgs {
			acks <- i
		}
	}
	return nil
}

// collect waits for n values on c, calling poke (if not nil) every few
// milliseconds meanwhile, and fails on an error from errs or after 30 s.
func collect[T any](t *testing.T, what string, c <-chan T, errs <-chan error, n int, poke func()) {
	t.Helper()
	limit := time.NewTimer(30 * time.Second)
	defer limit.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for got := 0; got < n; {
		select {
		case <-c:
			got++
		case err := <-errs:
			t.Fatalf("%s: %v", what, err)
		case <-tick.C:
			if poke != nil {
				poke()
			}
		case <-limit.C:
			t.Fatalf("%s: %d of %d within 30s", what, got, n)
		}
	}
}

// probeEnd publishes the end marker.
func probeEnd(pub *zmq.Socket) { pub.TrySend(zmq.NewMsgString("end")) }
