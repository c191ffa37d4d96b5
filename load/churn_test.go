//go:build load

package load

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// churnWorkers and churnCycles are E3's 100 goroutines and 100,000
	// create/connect/close cycles in all; churnLimit stops the cycles
	// earlier if they take longer.
	churnWorkers = 100
	churnCycles  = 100000
	churnLimit   = 3 * time.Minute
	// churnHeapSlack is how far the heap in use may stay above its
	// baseline once everything is closed: the runtime's own growth
	// (timers, netpoll and sync.Pool bookkeeping), not per-cycle state.
	// Measured: 0.6 MiB; 100,000 cycles that each left 42 bytes behind
	// would exceed it.
	churnHeapSlack = 4 << 20
)

// E3: connection churn, libzmq's test_shutdown_stress scaled up. A PUB
// binds a tcp and an ipc endpoint and publishes a tick every millisecond;
// 100 goroutines each create a SUB, connect it (half of them over tcp,
// half over ipc), and close it, 100,000 times in all (or for 3 minutes).
// Every fourth cycle first waits for a tick, so that many connections
// complete and carry traffic; the others close while connecting or in the
// handshake. Then 100 more SUBs connect, receive, and are left open, and
// Context.Term closes everything, the PUB with its default Linger
// included. The test proves that Term returns (within 30 s), and that
// goroutines, open descriptors and the heap return to their baseline.
//
// Bounded: 100,000 cycles or 3 minutes, whichever comes first; each wait
// for a tick 10 s; Term 30 s.
func TestConnectionChurn(t *testing.T) {
	needFiles(t, 4*churnWorkers+1000)
	base := measure(true)
	t.Logf("E3 baseline: %v", base)

	zctx := zmq.NewContext()
	pub, err := zctx.NewSocket(zmq.Pub) // default Linger: Term must still return
	if err != nil {
		t.Fatal(err)
	}
	eps := make([]string, 2)
	for i, ep := range []string{"tcp://127.0.0.1:*", "ipc://" + filepath.Join(t.TempDir(), "pub.ipc")} {
		if err := pub.Bind(ep); err != nil {
			t.Fatal(err)
		}
		eps[i] = pub.LastEndpoint()
	}
	stopTicks := make(chan struct{})
	ticksDone := make(chan struct{})
	go func() {
		defer close(ticksDone)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopTicks:
				return
			case <-tick.C:
				pub.TrySend(zmq.NewMsgString("tick"))
			}
		}
	}()

	var cycles, waited, failures atomic.Int64
	var maxClose atomic.Int64
	deadline := time.Now().Add(churnLimit)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range churnWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep := eps[w%2]
			for i := 0; time.Now().Before(deadline); i++ {
				if cycles.Add(1) > churnCycles {
					cycles.Add(-1)
					return
				}
				if err := churnCycle(zctx, ep, i%4 == 0, &maxClose); err != nil {
					failures.Add(1)
					t.Errorf("worker %d cycle %d: %v", w, i, err)
					return
				}
				if i%4 == 0 {
					waited.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("E3: %d goroutines × create/connect/close: %d cycles in %v (%.0f/s), %d of them waited for a message; slowest Close %v",
		churnWorkers, cycles.Load(), elapsed.Round(time.Millisecond), float64(cycles.Load())/elapsed.Seconds(),
		waited.Load(), time.Duration(maxClose.Load()).Round(time.Microsecond))
	if failures.Load() > 0 {
		t.FailNow()
	}
	afterChurn := measure(true)
	t.Logf("E3: after the churn, PUB still open: %v", afterChurn)

	// 100 SUBs left open for Term to close.
	for i := range churnWorkers {
		s, err := zctx.NewSocket(zmq.Sub, zmq.Subscribe(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(eps[i%2]); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = s.Recv(ctx)
		cancel()
		if err != nil {
			t.Fatalf("open SUB %d: %v", i, err)
		}
	}
	close(stopTicks)
	<-ticksDone
	termStart := time.Now()
	termWithin(t, zctx, 30*time.Second)
	termTook := time.Since(termStart)

	waitGoroutines(t, base.goroutines, 30*time.Second, "after Term")
	waitFDs(t, base.fds, 30*time.Second, "after Term")
	end := measure(true)
	t.Logf("E3: Context.Term with 101 open sockets (PUB with default Linger, 100 connected SUBs) returned in %v", termTook.Round(time.Microsecond))
	t.Logf("E3: after Term: %v", end)
	t.Logf("| E3 churn | cycles | time | goroutines | fds | heap in use | RSS |")
	t.Logf("|---|---|---|---|---|---|---|")
	t.Logf("| baseline | | | %d | %d | %s | %s |", base.goroutines, base.fds, mib(base.heapInuse), mib(base.rss))
	t.Logf("| after %d cycles, PUB open | %d | %v | %d | %d | %s | %s |", cycles.Load(), cycles.Load(), elapsed.Round(time.Second),
		afterChurn.goroutines, afterChurn.fds, mib(afterChurn.heapInuse), mib(afterChurn.rss))
	t.Logf("| after Term (%v) | | | %d | %d | %s | %s |", termTook.Round(time.Millisecond), end.goroutines, end.fds, mib(end.heapInuse), mib(end.rss))
	if end.heapInuse > base.heapInuse+churnHeapSlack {
		t.Errorf("heap in use %s after Term, baseline %s: more than %s above it", mib(end.heapInuse), mib(base.heapInuse), mib(churnHeapSlack))
	}
}

// churnCycle creates a SUB, connects it to ep, waits for a message if
// wait is set, and closes it. It records the slowest Close in maxClose.
func churnCycle(zctx *zmq.Context, ep string, wait bool, maxClose *atomic.Int64) error {
	s, err := zctx.NewSocket(zmq.Sub, zmq.Subscribe(nil))
	if err != nil {
		return err
	}
	if err := s.Connect(ep); err != nil {
		s.Close()
		return err
	}
	if wait {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = s.Recv(ctx)
		cancel()
		if err != nil {
			s.Close()
			return fmt.Errorf("no message: %w", err)
		}
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		return err
	}
	d := int64(time.Since(start))
	for {
		old := maxClose.Load()
		if d <= old || maxClose.CompareAndSwap(old, d) {
			return nil
		}
	}
}
