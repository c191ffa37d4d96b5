//go:build load

package load

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// idleConns is E4's number of idle connections to one ROUTER.
	idleConns = 10000
	// bigMsg is the message each of them carries once.
	bigMsg = 64 << 10
	// trimWait is how long the tests leave connections idle for the
	// library's janitor to give their receive buffers back: its period
	// (idleTrim, 1 s) twice, as a connection is trimmed at the first tick
	// that finds it has read nothing since the previous one, plus a
	// margin. It is a time bound, not a synchronisation: nothing tells
	// the application that a buffer was given back, and the tests observe
	// the effect in the heap.
	trimWait = 2*time.Second + 500*time.Millisecond
	// perConnBound is the memory (heap in use plus goroutine stacks) an
	// idle connection of our ROUTER may cost after trimming. Measured:
	// about 11 KiB (4.6 KiB of heap: the engine, its pipe, queues and
	// frame reader; 6-7 KiB of stack for its two goroutines); the bound
	// leaves twice that for stacks that grew and runtime changes, and stays
	// far below the 64 KiB of a receive buffer, so that connections that
	// keep theirs fail it.
	perConnBound = 24 << 10
	// busyConnBound bounds the same while a good client keeps the ROUTER
	// busy: its receives read idle connections inline, which must not
	// take their buffers back to find nothing. The heap is sampled
	// without a GC there, so it also holds the round trips' garbage; the
	// bound still fails connections that take 64 KiB each.
	busyConnBound = 40 << 10
	// goodRoundTrip bounds a good client's round trip (connect included)
	// while the idle connections are there.
	goodRoundTrip = time.Second
	// busyFor is how long the good client goes on round-tripping, to see
	// what a busy ROUTER's receives do to its idle connections.
	busyFor = 15 * time.Second
)

// E4a: 10,000 idle connections to one ROUTER. Each client is a raw ZMTP
// 3.1 DEALER in a child process (see swarm_test.go). The test measures
// what the connections cost our ROUTER per connection: right after their
// handshakes, after the janitor trimmed them (they read nothing for a
// second), after each carried one 64 KiB message, and after they were
// trimmed again; then the same clients against a libzmq 4.3.4 ROUTER
// (pyzmq, in its own process) by its RSS. It proves that an idle
// connection costs ours less than perConnBound after trimming, also after
// a 64 KiB message, and right after the handshakes (a connection takes a
// receive buffer only when bytes arrive), and that a good client
// round-trips within a second while the 10,000 are connected. While that
// client keeps round-tripping for busyFor, the heap's peak stays below
// busyConnBound per connection: the busy ROUTER's receives read idle
// connections, but do not make them take their buffers back.
//
// Bounded: 10,000 connections; each step waits at most a few minutes (the
// swarm's set-up and sends); the whole test takes about 40 s.
func TestIdleConnections(t *testing.T) {
	needFiles(t, idleConns+1000)
	ours := idleOurs(t)
	theirs := idleLibzmq(t)

	t.Logf("E4a: %d idle tcp connections to one ROUTER, per connection (growth over the bound socket, divided by %d):", idleConns, idleConns)
	t.Logf("| State | ours: heap in use | ours: stacks | ours: goroutines | ours: RSS | libzmq 4.3.4: RSS |")
	t.Logf("|---|---|---|---|---|---|")
	row := func(name string, u usage, lib uint64) {
		t.Logf("| %s | %s | %s | %.2f | %s | %s |", name,
			perConn(ours.base.heapInuse, u.heapInuse, idleConns),
			perConn(ours.base.stackInuse, u.stackInuse, idleConns),
			float64(u.goroutines-ours.base.goroutines)/idleConns,
			perConn(ours.base.rss, u.rss, idleConns), perConn(theirs.base, lib, idleConns))
	}
	row("right after the handshakes", ours.connected, theirs.connected)
	row(fmt.Sprintf("idle for %v (trimmed)", trimWait), ours.trimmed, theirs.idle)
	row("after one 64 KiB message each", ours.big, theirs.big)
	row(fmt.Sprintf("then idle for %v", trimWait), ours.bigTrimmed, theirs.bigIdle)
	t.Logf("Good client (DEALER) while connected: first round trip (connect included) %v; %d more: p50 %v, p99 %v, max %v",
		ours.firstRT, len(ours.rts), percentile(ours.rts, 50), percentile(ours.rts, 99), percentile(ours.rts, 100))
	t.Logf("While the good client made %d round trips in %v, the heap peaked at %s per idle connection (heap in use + stacks, sampled every 0.5 s, without a GC): a receive that finds the ROUTER empty reads up to 4 idle connections itself, and they take no buffer to find nothing",
		len(ours.rts)+ours.busyRTs, busyFor, perConn(ours.base.heapInuse+ours.base.stackInuse, ours.busyPeak.heapInuse+ours.busyPeak.stackInuse, idleConns))

	// The bounds.
	for _, c := range []struct {
		name  string
		u     usage
		bound int
	}{
		{"right after the handshakes", ours.connected, perConnBound},
		{"idle, trimmed", ours.trimmed, perConnBound},
		{"while a good client kept the ROUTER busy (peak)", ours.busyPeak, busyConnBound},
		{"after a 64 KiB message, trimmed", ours.bigTrimmed, perConnBound},
	} {
		got := perConnKiB(ours.base.heapInuse+ours.base.stackInuse, c.u.heapInuse+c.u.stackInuse, idleConns)
		if got > float64(c.bound)/1024 {
			t.Errorf("%s: %.1f KiB per connection (heap in use + stacks), want at most %d KiB", c.name, got, c.bound>>10)
		}
	}
	if ours.firstRT > goodRoundTrip || percentile(ours.rts, 100) > goodRoundTrip {
		t.Errorf("a good client's round trip took %v (first) and %v (slowest), want at most %v",
			ours.firstRT, percentile(ours.rts, 100), goodRoundTrip)
	}
}

// idleResult is what idleOurs measured.
type idleResult struct {
	base, connected, trimmed, big, bigTrimmed usage
	firstRT                                   time.Duration
	rts                                       []time.Duration
	busyRTs                                   int
	busyPeak                                  usage
}

func idleOurs(t *testing.T) idleResult {
	var r idleResult
	zctx := zmq.NewContext()
	defer termWithin(t, zctx, 30*time.Second)
	router, err := zctx.NewSocket(zmq.Router, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := router.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep := router.LastEndpoint()
	var handshakes atomic.Int64
	mon := router.Monitor(zmq.EventHandshakeSucceeded)
	monDone := make(chan struct{})
	go func() {
		defer close(monDone)
		for range mon.Events() {
			handshakes.Add(1)
		}
	}()
	defer func() { mon.Close(); <-monDone }()

	// The ROUTER is served as a server would: always in RecvMsg (which
	// releases each message when it receives the next), answering pings
	// and counting the 64 KiB messages.
	var bigs atomic.Int64
	srvCtx, stopServer := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- serveRouter(srvCtx, router, &bigs) }()
	defer func() {
		stopServer()
		if err := <-srvDone; err != nil {
			t.Errorf("server: %v", err)
		}
	}()

	r.base = measure(true)
	t.Logf("ours: bound ROUTER: %v", r.base)
	start := time.Now()
	sw := startSwarm(t, ep, idleConns, 5*time.Minute)
	if !waitFor(time.Minute, func() bool { return handshakes.Load() >= idleConns }) {
		t.Fatalf("%d of %d handshakes succeeded (monitor dropped %d events)", handshakes.Load(), idleConns, mon.Dropped())
	}
	r.connected = measure(true)
	t.Logf("ours: %d connections in %v: %v", idleConns, time.Since(start).Round(time.Millisecond), r.connected)

	time.Sleep(trimWait) // the janitor's period: a time bound, see trimWait
	r.trimmed = measure(true)
	t.Logf("ours: idle for %v: %v", trimWait, r.trimmed)

	// A good client round-trips while the 10,000 are connected.
	// Meanwhile the heap is sampled every half second, for its peak.
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
			if u := measure(false); u.heapInuse+u.stackInuse > r.busyPeak.heapInuse+r.busyPeak.stackInuse {
				r.busyPeak = u
			}
		}
	}()
	r.firstRT, r.rts, r.busyRTs = goodDealer(t, zctx, ep, 200, busyFor)
	close(sampling)
	<-sampled
	t.Logf("ours: the good client's 200 + %d round trips (%v); the heap's peak meanwhile: %v", r.busyRTs, busyFor, r.busyPeak)
	time.Sleep(trimWait) // the janitor's period: a time bound, see trimWait
	t.Logf("ours: idle for %v: %v", trimWait, measure(true))

	// Each connection carries one 64 KiB message, which the server
	// receives.
	start = time.Now()
	sw.send(bigMsg, 5*time.Minute)
	if !waitFor(5*time.Minute, func() bool { return bigs.Load() >= idleConns }) {
		t.Fatalf("the server received %d of %d messages of 64 KiB", bigs.Load(), idleConns)
	}
	r.big = measure(true)
	t.Logf("ours: %d messages of 64 KiB received in %v: %v", idleConns, time.Since(start).Round(time.Millisecond), r.big)
	time.Sleep(trimWait) // the janitor's period: a time bound, see trimWait
	r.bigTrimmed = measure(true)
	t.Logf("ours: idle for %v: %v", trimWait, r.bigTrimmed)

	sw.close()
	// The server and monitor goroutines are in the baseline.
	waitGoroutines(t, r.base.goroutines, 30*time.Second, "after the clients left")
	t.Logf("ours: clients gone: %v", measure(true))
	return r
}

// serveRouter answers "ping" with "pong" and counts messages of bigMsg
// bytes until ctx is done.
func serveRouter(ctx context.Context, router *zmq.Socket, bigs *atomic.Int64) error {
	var m zmq.Msg
	defer m.Release()
	for {
		if err := router.RecvMsg(ctx, &m); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch {
		case len(m.Frames) != 2:
			return fmt.Errorf("unexpected message of %d frames", len(m.Frames))
		case string(m.Frames[1]) == "ping":
			if err := router.Send(ctx, zmq.NewMsg(append([]byte(nil), m.Frames[0]...), []byte("pong"))); err != nil {
				return err
			}
		case len(m.Frames[1]) == bigMsg:
			bigs.Add(1)
		default:
			return fmt.Errorf("unexpected message of %d bytes", len(m.Frames[1]))
		}
	}
}

// goodDealer connects a DEALER to the ROUTER at ep and times its first
// round trip (connect and handshake included), then n more; then it goes
// on round-tripping for busy and returns how many more it made.
func goodDealer(t *testing.T, zctx *zmq.Context, ep string, n int, busy time.Duration) (first time.Duration, rts []time.Duration, more int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dealer, err := zctx.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer dealer.Close()
	roundTrip := func() time.Duration {
		start := time.Now()
		if err := dealer.Send(ctx, zmq.NewMsgString("ping")); err != nil {
			t.Fatal(err)
		}
		rep, err := dealer.Recv(ctx)
		if err != nil || string(rep.Frames[0]) != "pong" {
			t.Fatalf("dealer received %v, %v", rep, err)
		}
		return time.Since(start)
	}
	start := time.Now()
	if err := dealer.Connect(ep); err != nil {
		t.Fatal(err)
	}
	roundTrip()
	first = time.Since(start)
	for range n {
		rts = append(rts, roundTrip())
	}
	for end := time.Now().Add(busy); time.Now().Before(end); more++ {
		roundTrip()
	}
	return first, rts, more
}

// libzmqResult is the pyzmq ROUTER's RSS at each step.
type libzmqResult struct {
	base, connected, idle, big, bigIdle uint64
}

func idleLibzmq(t *testing.T) libzmqResult {
	var r libzmqResult
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq; assert zmq.zmq_version() == '4.3.4', zmq.zmq_version()").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq with libzmq 4.3.4 is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "router.py"))
	if err != nil {
		t.Fatal(err)
	}
	p := startPy(t, py, script)
	f := strings.Fields(p.line("endpoint", time.Minute))
	ep := f[1]
	r.base, _ = strconv.ParseUint(f[3], 10, 64)
	t.Logf("libzmq: bound ROUTER at %s, RSS %s", ep, mib(r.base))

	start := time.Now()
	sw := startSwarm(t, ep, idleConns, 5*time.Minute)
	r.connected = p.rss(fmt.Sprintf("handshakes %d", idleConns), time.Minute)
	t.Logf("libzmq: %d connections in %v: RSS %s", idleConns, time.Since(start).Round(time.Millisecond), mib(r.connected))
	time.Sleep(trimWait) // the same idle time as ours had
	r.idle = p.rss("rss", time.Minute)
	t.Logf("libzmq: idle for %v: RSS %s", trimWait, mib(r.idle))

	fmt.Fprintf(p.stdin, "recv %d %d\n", idleConns, bigMsg)
	start = time.Now()
	sw.send(bigMsg, 5*time.Minute)
	r.big = p.rss("", 5*time.Minute)
	t.Logf("libzmq: %d messages of 64 KiB received in %v: RSS %s", idleConns, time.Since(start).Round(time.Millisecond), mib(r.big))
	time.Sleep(trimWait)
	r.bigIdle = p.rss("rss", time.Minute)
	t.Logf("libzmq: idle for %v: RSS %s", trimWait, mib(r.bigIdle))
	sw.close()
	fmt.Fprintln(p.stdin, "exit")
	p.wait()
	return r
}

// pyProc is a running Python peer that speaks in lines.
type pyProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin *os.File
	lines chan string
}

func startPy(t *testing.T, args ...string) *pyProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = inR
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	p := &pyProc{t: t, cmd: cmd, stdin: inW, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// line waits (at most limit) for a line starting with word.
func (p *pyProc) line(word string, limit time.Duration) string {
	p.t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("python peer exited while waiting for %q", word)
			}
			if strings.HasPrefix(l, "error") {
				p.t.Fatalf("python peer: %s", l)
			}
			if strings.HasPrefix(l, word) {
				return l
			}
		case <-timer.C:
			p.t.Fatalf("python peer: no %q within %v", word, limit)
		}
	}
}

// rss sends cmd (unless empty) and returns the RSS the peer answers with.
func (p *pyProc) rss(cmd string, limit time.Duration) uint64 {
	p.t.Helper()
	if cmd != "" {
		fmt.Fprintln(p.stdin, cmd)
	}
	f := strings.Fields(p.line("rss", limit))
	n, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

func (p *pyProc) wait() {
	p.t.Helper()
	p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		p.t.Errorf("python peer: %v", err)
	}
}

// termWithin terminates a context and fails the test if that takes longer
// than limit.
func termWithin(t *testing.T, zctx *zmq.Context, limit time.Duration) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		zctx.Term()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Errorf("Context.Term did not return within %v", limit)
		return
	}
	if d := time.Since(start); d > limit/2 {
		t.Logf("Context.Term took %v", d)
	}
}
