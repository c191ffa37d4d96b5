//go:build load

package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// soakDefault is the soak's length unless LOAD_SOAK says otherwise.
	soakDefault = 2 * time.Minute
	// soakMin is the shortest soak: fewer samples than it gives after the
	// warm-up (9) make the fitted slope mostly noise.
	soakMin = time.Minute
	// soakSample is the sampling period.
	soakSample = 5 * time.Second
	// soakSlope bounds the growth of heap and RSS over the measured part
	// of the run, as fitted by a linear regression: at most 5% of their
	// mean.
	soakSlope = 0.05
)

// The soak (§6.5), bounded: steady PUSH/PULL traffic over tcp (10
// messages a millisecond, 100 B mostly, every 100th 8 KiB, every 1000th
// 100 KiB; the PULL checks their order), REQ/REP round trips over ipc (two
// clients, one a millisecond each), and connection churn (a DEALER
// connects to a ROUTER over tcp, round-trips, and closes, 50 times a
// second). Every 5 s the test samples heap, RSS, goroutines and open
// descriptors, and the REQ/REP p99 of the period. It passes if, after a
// warm-up (a quarter of the run, at most a minute), the least-squares
// slopes of heap in use and RSS, over the rest of the run, add up to less
// than 5% of their mean, and goroutines and descriptors return to their
// baseline when everything is closed.
//
// Bounded: 2 minutes by default, LOAD_SOAK=duration (e.g. 30m, at least
// 1m) to change it; the traffic is paced by tickers, not as fast as
// possible.
func TestSoak(t *testing.T) {
	dur := soakDefault
	if v := os.Getenv("LOAD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < soakMin {
			t.Fatalf("LOAD_SOAK=%q: want a duration of at least %v", v, soakMin)
		}
		dur = d
	}
	warmup := min(dur/4, time.Minute)
	needFiles(t, 1000)
	base := measure(true)

	zctx := zmq.NewContext()
	defer termWithin(t, zctx, 30*time.Second) // after a failure; Term twice is harmless
	newSocket := func(typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
		s, err := zctx.NewSocket(typ, append([]zmq.Option{zmq.Linger(0)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bind := func(s *zmq.Socket, ep string) string {
		if err := s.Bind(ep); err != nil {
			t.Fatal(err)
		}
		return s.LastEndpoint()
	}
	connect := func(s *zmq.Socket, ep string) {
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
	}
	pull := newSocket(zmq.Pull)
	push := newSocket(zmq.Push)
	connect(push, bind(pull, "tcp://127.0.0.1:*"))
	rep := newSocket(zmq.Rep)
	repEP := bind(rep, "ipc://"+filepath.Join(t.TempDir(), "rep.ipc"))
	reqs := []*zmq.Socket{newSocket(zmq.Req), newSocket(zmq.Req)}
	for _, r := range reqs {
		connect(r, repEP)
	}
	router := newSocket(zmq.Router)
	routerEP := bind(router, "tcp://127.0.0.1:*")

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if ctx.Err() == nil && failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
			stop()
		}
	}
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	var pushed, pulled, roundTrips, churned atomic.Int64
	var rttMu sync.Mutex
	var rtts []time.Duration

	// PUSH → PULL, in order.
	run(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for seq := uint64(0); ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for range 10 {
				size := 100
				switch {
				case seq%1000 == 999:
					size = 100 << 10
				case seq%100 == 99:
					size = 8 << 10
				}
				b := make([]byte, size)
				binary.BigEndian.PutUint64(b, seq)
				if err := push.Send(ctx, zmq.NewMsg(b)); err != nil {
					fail("push %d: %v", seq, err)
					return
				}
				seq++
				pushed.Add(1)
			}
		}
	})
	run(func() {
		var m zmq.Msg
		defer m.Release()
		for want := uint64(0); ; want++ {
			if err := pull.RecvMsg(ctx, &m); err != nil {
				fail("pull %d: %v", want, err)
				return
			}
			if got := binary.BigEndian.Uint64(m.Frames[0]); got != want {
				fail("pull: message %d, want %d", got, want)
				return
			}
			pulled.Add(1)
		}
	})
	// REQ/REP.
	run(func() {
		for {
			m, err := rep.Recv(ctx)
			if err == nil {
				err = rep.Send(ctx, m)
			}
			if err != nil {
				fail("rep: %v", err)
				return
			}
		}
	})
	for i, req := range reqs {
		run(func() {
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				body := fmt.Sprintf("req %d/%d", i, n)
				start := time.Now()
				if err := req.Send(ctx, zmq.NewMsgString(body)); err != nil {
					fail("req: %v", err)
					return
				}
				m, err := req.Recv(ctx)
				if err != nil || string(m.Frames[0]) != body {
					fail("req: %v, %v", m, err)
					return
				}
				d := time.Since(start)
				rttMu.Lock()
				rtts = append(rtts, d)
				rttMu.Unlock()
				roundTrips.Add(1)
			}
		})
	}
	// Churn: DEALERs that come, round-trip through the ROUTER, and go.
	run(func() {
		for {
			m, err := router.Recv(ctx)
			if err == nil {
				err = router.Send(ctx, m)
			}
			if err != nil {
				fail("router: %v", err)
				return
			}
		}
	})
	run(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			d, err := zctx.NewSocket(zmq.Dealer, zmq.Linger(0))
			if err != nil {
				fail("dealer: %v", err)
				return
			}
			err = d.Connect(routerEP)
			if err == nil {
				err = d.Send(ctx, zmq.NewMsgString("hi"))
			}
			if err == nil {
				var m zmq.Msg
				m, err = d.Recv(ctx)
				if err == nil && string(m.Frames[0]) != "hi" {
					err = fmt.Errorf("echo %v", m)
				}
			}
			d.Close()
			if err != nil {
				fail("churn: %v", err)
				return
			}
			churned.Add(1)
		}
	})

	// Sample.
	type sample struct {
		at                          time.Duration
		u                           usage
		p99                         time.Duration
		pushed, roundTrips, churned int64
	}
	var samples []sample
	start := time.Now()
	tick := time.NewTicker(soakSample)
	for time.Since(start) < dur && !failed.Load() {
		<-tick.C
		rttMu.Lock()
		p99 := percentile(rtts, 99)
		rtts = rtts[:0]
		rttMu.Unlock()
		samples = append(samples, sample{time.Since(start), measure(false), p99, pushed.Load(), roundTrips.Load(), churned.Load()})
	}
	tick.Stop()
	stop()
	wg.Wait()
	if failed.Load() {
		t.FailNow()
	}
	if pulled.Load() != pushed.Load() {
		// The PULL stopped with the context; what was in flight is not
		// lost, only not received.
		t.Logf("pushed %d, pulled %d when the traffic stopped", pushed.Load(), pulled.Load())
	}
	termStart := time.Now()
	termWithin(t, zctx, 30*time.Second)
	termTook := time.Since(termStart)
	waitGoroutines(t, base.goroutines, 30*time.Second, "after the soak")
	waitFDs(t, base.fds, 30*time.Second, "after the soak")
	end := measure(true)

	t.Logf("Soak: %v (warm-up %v), samples every %v (heap after GC):", dur, warmup, soakSample)
	t.Logf("| t | heap in use | live heap | RSS | goroutines | fds | PUSH msgs | REQ round trips | REQ p99 | churn cycles |")
	t.Logf("|---|---|---|---|---|---|---|---|---|---|")
	var xs, heap, rss []float64
	for _, s := range samples {
		t.Logf("| %v | %s | %s | %s | %d | %d | %d | %d | %v | %d |", s.at.Round(time.Second), mib(s.u.heapInuse), mib(s.u.heapAlloc), mib(s.u.rss),
			s.u.goroutines, s.u.fds, s.pushed, s.roundTrips, s.p99.Round(time.Microsecond), s.churned)
		if s.at >= warmup {
			xs = append(xs, s.at.Seconds())
			heap = append(heap, float64(s.u.heapInuse))
			rss = append(rss, float64(s.u.rss))
		}
	}
	t.Logf("After Term (%v): %v; baseline %v", termTook.Round(time.Millisecond), end, base)
	if len(xs) < 3 {
		t.Fatalf("only %d samples after the warm-up", len(xs))
	}
	span := xs[len(xs)-1] - xs[0]
	for _, m := range []struct {
		name string
		ys   []float64
	}{{"heap in use", heap}, {"RSS", rss}} {
		growth := slope(xs, m.ys) * span
		rel := growth / mean(m.ys)
		t.Logf("%s after the warm-up: slope %+.1f KiB/min, %+.2f%% of its mean (%s) over %v (bound %.0f%%)",
			m.name, slope(xs, m.ys)*60/1024, 100*rel, mib(uint64(mean(m.ys))), time.Duration(span*float64(time.Second)).Round(time.Second), 100*soakSlope)
		if rel > soakSlope {
			t.Errorf("%s grows: %+.2f%% of its mean over %v, bound %.0f%%", m.name, 100*rel, time.Duration(span*float64(time.Second)), 100*soakSlope)
		}
	}
}
