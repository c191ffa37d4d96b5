//go:build chaos

// Package chaos holds the fault tests (D1-D11 of the reliability checklist):
// peers killed with SIGKILL, frozen with SIGSTOP, connections destroyed with
// ss -K or cut by a fault proxy in the middle of a frame, networks black-holed
// with nftables between two network namespaces. Each test checks the oracle
// of oracle_test.go on what was sent and what was received. They need root,
// iproute2 (ip, ss) and nftables, and run only with the build tag chaos:
//
//	go test -tags chaos -count=1 -v ./chaos/
//
// Fault durations (how long a peer stays dead, frozen or cut off) are time
// bounds by nature; everything else waits for an observable condition (a
// monitor event, a line from a peer, a message) with a bounded timeout.
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/chaos/internal/seqmsg"
)

// TestMain removes the peer binary after the run, prints the figures the
// tests measured, and fails the run if a goroutine of the library outlived
// the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if peerDir != "" {
		os.RemoveAll(peerDir)
	}
	figMu.Lock()
	if len(figures) > 0 {
		fmt.Println("\nchaos figures:")
		for _, f := range figures {
			fmt.Println("  " + f)
		}
	}
	figMu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	leaked := libraryGoroutines()
	for len(leaked) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		leaked = libraryGoroutines()
	}
	if len(leaked) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d goroutines of the library outlived the tests:\n%s\n",
			len(leaked), strings.Join(leaked, "\n\n"))
		code = 1
	}
	os.Exit(code)
}

func libraryGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "created by github.com/zmq-go/zmq.") {
			out = append(out, g)
		}
	}
	return out
}

var (
	figMu   sync.Mutex
	figures []string
)

// figure logs a measured figure and keeps it for the summary at the end.
func figure(t testing.TB, format string, args ...any) {
	t.Helper()
	s := t.Name() + ": " + fmt.Sprintf(format, args...)
	t.Log("FIGURE " + s)
	figMu.Lock()
	figures = append(figures, s)
	figMu.Unlock()
}

// inCI reports whether the tests run in CI, where a missing tool fails the
// test instead of skipping it.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// need checks that the test runs as root and that the tools exist: it
// skips the test where they are missing, and fails it in CI.
func need(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if inCI() {
		t.Fatalf("missing %s (scripts/deps.sh installs the tools; the tests need root)", strings.Join(missing, ", "))
	}
	t.Skipf("missing %s", strings.Join(missing, ", "))
}

// envDuration reads a duration from the environment, or returns def.
func envDuration(t testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > 10*time.Minute {
		t.Fatalf("%s=%q: want a duration up to 10m", name, v)
	}
	return d
}

// run runs a command and fails the test if it fails.
func run(t testing.TB, stdin string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// runErr runs a command, with a bound on its time.
func runErr(stdin string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// checkLeaks fails the test if goroutines started during it outlive it.
// Call it first, so that its cleanup runs after every other.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines leaked (before %d, now %d):\n%s", n-before, before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// newSock makes a socket closed at the test's end, with a short linger so
// that a failing test cannot hang.
func newSock(t testing.TB, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	opts = append([]zmq.Option{zmq.Linger(0)}, opts...)
	s, err := zmq.NewSocket(typ, opts...)
	if err != nil {
		t.Fatalf("new %v: %v", typ, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// freePort returns a loopback tcp port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	s, err := zmq.NewSocket(zmq.Pull, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep := s.LastEndpoint()
	port, err := strconv.Atoi(ep[strings.LastIndexByte(ep, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// ---- events ----

// eventWatch records a monitor's events, so a test can wait for the next
// one of a type and time it.
type eventWatch struct {
	m  *zmq.Monitor
	mu sync.Mutex
	ev []timedEvent
	ch chan struct{} // closed and replaced at each event
	// done is closed when the monitor's channel is.
	done chan struct{}
	next map[zmq.EventType]int // per type: index of the next event to return
}

type timedEvent struct {
	zmq.Event
	at time.Time
}

func watch(s *zmq.Socket, types zmq.EventType) *eventWatch {
	w := &eventWatch{m: s.Monitor(types), ch: make(chan struct{}), done: make(chan struct{}), next: map[zmq.EventType]int{}}
	go func() {
		defer close(w.done)
		for ev := range w.m.Events() {
			w.mu.Lock()
			w.ev = append(w.ev, timedEvent{ev, time.Now()})
			close(w.ch)
			w.ch = make(chan struct{})
			w.mu.Unlock()
		}
	}()
	return w
}

// close stops the monitor and waits for the recording goroutine.
func (w *eventWatch) close() {
	w.m.Close()
	<-w.done
}

// wait returns the next event of type typ not returned before, waiting at
// most d for it.
func (w *eventWatch) wait(t testing.TB, typ zmq.EventType, d time.Duration) timedEvent {
	t.Helper()
	ev, ok := w.waitOK(typ, d)
	if !ok {
		t.Fatalf("no %v within %v; events: %v", typ, d, w.all())
	}
	return ev
}

func (w *eventWatch) waitOK(typ zmq.EventType, d time.Duration) (timedEvent, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		for i := w.next[typ]; i < len(w.ev); i++ {
			if w.ev[i].Type == typ {
				w.next[typ] = i + 1
				ev := w.ev[i]
				w.mu.Unlock()
				return ev, true
			}
		}
		w.next[typ] = len(w.ev)
		ch := w.ch
		w.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return timedEvent{}, false
		}
	}
}

// count returns how many events of type typ have been recorded.
func (w *eventWatch) count(typ zmq.EventType) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, ev := range w.ev {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func (w *eventWatch) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.ev))
	for i, ev := range w.ev {
		out[i] = ev.String()
	}
	return out
}

// ---- the peer process ----

var (
	peerOnce sync.Once
	peerDir  string
	peerBin  string
	peerErr  error
)

// peerBinary builds the peer program once per run.
func peerBinary(t testing.TB) string {
	t.Helper()
	peerOnce.Do(func() {
		peerDir, peerErr = os.MkdirTemp("", "zmq-chaos-peer-")
		if peerErr != nil {
			return
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			peerErr = err
			return
		}
		peerBin = filepath.Join(peerDir, "peer")
		out, err := exec.Command(gobin, "build", "-tags", "chaos", "-o", peerBin, "./internal/peer").CombinedOutput()
		if err != nil {
			peerErr = fmt.Errorf("building the peer: %v\n%s", err, out)
		}
	})
	if peerErr != nil {
		t.Fatal(peerErr)
	}
	return peerBin
}

// A peer is a running peer program.
type peer struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser

	sent atomic.Uint64 // the last "s" line

	mu     sync.Mutex
	lines  []string       // every line but m and s
	cursor map[string]int // per line kind: index of the next line to return
	ch     chan struct{}  // closed and replaced at each line
	stderr bytes.Buffer
	exited chan struct{} // closed when the process has ended and its output is read
}

// startPeer starts the peer program with args, in network namespace ns
// unless ns is empty. Messages it prints go to col. The test's cleanup
// kills it.
func startPeer(t testing.TB, name string, col *collector, ns string, args ...string) *peer {
	t.Helper()
	bin := peerBinary(t)
	var cmd *exec.Cmd
	if ns != "" {
		cmd = exec.Command("ip", append([]string{"netns", "exec", ns, bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	p := &peer{t: t, name: name, cmd: cmd, cursor: map[string]int{}, ch: make(chan struct{}), exited: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.line(sc.Text(), col)
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("peer %s stderr:\n%s", p.name, p.stderrText())
		}
	})
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

func (p *peer) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// line handles one line of the peer's output.
func (p *peer) line(l string, col *collector) {
	f := strings.Fields(l)
	if len(f) == 0 {
		return
	}
	switch f[0] {
	case "m":
		if len(f) == 6 && col != nil {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			prod, _ := strconv.ParseUint(f[2], 10, 32)
			seq, _ := strconv.ParseUint(f[3], 10, 64)
			frames, _ := strconv.Atoi(f[4])
			col.add(rec{prod: uint32(prod), seq: seq, frames: frames, status: f[5], at: time.Unix(0, ns), by: p.name})
		}
		return
	case "s":
		if len(f) == 2 {
			seq, _ := strconv.ParseUint(f[1], 10, 64)
			p.sent.Store(seq)
		}
	}
	p.mu.Lock()
	if f[0] != "s" {
		p.lines = append(p.lines, l)
	}
	close(p.ch)
	p.ch = make(chan struct{})
	p.mu.Unlock()
}

// next returns the fields of the next line of the given kind (its first
// field) not returned before, waiting at most d.
func (p *peer) next(kind string, d time.Duration) ([]string, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for i := p.cursor[kind]; i < len(p.lines); i++ {
			if f := strings.Fields(p.lines[i]); f[0] == kind {
				p.cursor[kind] = i + 1
				p.mu.Unlock()
				return f, true
			}
		}
		p.cursor[kind] = len(p.lines)
		ch := p.ch
		p.mu.Unlock()
		select {
		case <-ch:
		case <-p.exited:
			// Lines read before the end were handled; look once more.
			p.mu.Lock()
			for i := p.cursor[kind]; i < len(p.lines); i++ {
				if f := strings.Fields(p.lines[i]); f[0] == kind {
					p.cursor[kind] = i + 1
					p.mu.Unlock()
					return f, true
				}
			}
			p.mu.Unlock()
			return nil, false
		case <-deadline.C:
			return nil, false
		}
	}
}

// expect is next that fails the test when no such line comes.
func (p *peer) expect(kind string, d time.Duration) []string {
	p.t.Helper()
	f, ok := p.next(kind, d)
	if !ok {
		p.t.Fatalf("peer %s: no %q line within %v; lines %q; stderr %s", p.name, kind, d, p.allLines(), p.stderrText())
	}
	return f
}

// ready waits for the peer's socket to be bound or connecting, and returns
// the endpoint and when (the peer's clock).
func (p *peer) ready() (string, time.Time) {
	p.t.Helper()
	f := p.expect("ready", 10*time.Second)
	ns, _ := strconv.ParseInt(f[2], 10, 64)
	return f[1], time.Unix(0, ns)
}

func (p *peer) allLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// peerEvent is an "ev" line.
type peerEvent struct {
	at                  time.Time // the peer's clock, when it printed the event
	typ, kind, endpoint string
	msg                 string
	seenAt              time.Time // when the test read it
}

// event returns the next event of type typ (such as "DISCONNECTED"),
// waiting at most d; ok is false if none came.
func (p *peer) event(typ string, d time.Duration) (peerEvent, bool) {
	deadline := time.Now().Add(d)
	for {
		f, ok := p.next("ev", time.Until(deadline))
		if !ok {
			return peerEvent{}, false
		}
		if len(f) >= 6 && f[2] == typ {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			return peerEvent{at: time.Unix(0, ns), typ: f[2], kind: f[3], endpoint: f[4],
				msg: strings.Join(f[5:], " "), seenAt: time.Now()}, true
		}
	}
}

func (p *peer) expectEvent(typ string, d time.Duration) peerEvent {
	p.t.Helper()
	ev, ok := p.event(typ, d)
	if !ok {
		p.t.Fatalf("peer %s: no %s event within %v; lines %q", p.name, typ, d, p.allLines())
	}
	return ev
}

// command writes a command line to the peer's stdin.
func (p *peer) command(format string, args ...any) {
	p.t.Helper()
	if _, err := fmt.Fprintf(p.in, format+"\n", args...); err != nil {
		p.t.Fatalf("peer %s: command: %v", p.name, err)
	}
}

func (p *peer) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("peer %s: %v: %v", p.name, sig, err)
	}
}

// kill kills the peer with SIGKILL (after SIGCONT, should it be stopped)
// and waits for it to end.
func (p *peer) kill() {
	p.cmd.Process.Signal(syscall.SIGCONT)
	p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.t.Errorf("peer %s did not end within 10s of SIGKILL", p.name)
	}
}

// ---- in-process senders and receivers ----

// A sender sends numbered messages of one producer on a socket, from a
// goroutine, at a rate. Only sends that returned nil are counted: the
// messages sent are 1..last().
type sender struct {
	s      *zmq.Socket
	prod   uint32
	frames int
	size   int

	last     atomic.Uint64
	maxBlock atomic.Int64 // the longest a Send took, in nanoseconds
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
}

func newSender(s *zmq.Socket, prod uint32, frames, size int) *sender {
	return &sender{s: s, prod: prod, frames: frames, size: size}
}

// sendOne sends the next message, blocking until ctx is done.
func (x *sender) sendOne(ctx context.Context) error {
	next := x.last.Load() + 1
	m := zmq.NewMsg(seqmsg.Encode(x.prod, next, x.frames, x.size)...)
	start := time.Now()
	err := x.s.Send(ctx, m)
	if d := int64(time.Since(start)); d > x.maxBlock.Load() {
		x.maxBlock.Store(d)
	}
	if err == nil {
		x.last.Store(next)
	}
	return err
}

// trySend sends the next message unless the socket would block.
func (x *sender) trySend() error {
	next := x.last.Load() + 1
	err := x.s.TrySend(zmq.NewMsg(seqmsg.Encode(x.prod, next, x.frames, x.size)...))
	if err == nil {
		x.last.Store(next)
	}
	return err
}

// stream starts sending rate messages a second, in bursts every
// millisecond; after a blocked send it catches up by at most 50 ms worth.
func (x *sender) stream(rate int) {
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	x.done = make(chan struct{})
	go func() {
		defer close(x.done)
		start := time.Now()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var n int64
		slack := int64(rate/20 + 1)
		for {
			due := int64(time.Since(start).Seconds() * float64(rate))
			n = max(n, due-slack)
			for ; n < due; n++ {
				if err := x.sendOne(ctx); err != nil {
					if ctx.Err() == nil {
						x.err = err
					}
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// stop stops streaming and returns the last message sent.
func (x *sender) stop(t testing.TB) uint64 {
	t.Helper()
	if x.cancel != nil {
		x.cancel()
		<-x.done
		x.cancel = nil
		if x.err != nil {
			t.Fatalf("sender %d: %v", x.prod, x.err)
		}
	}
	return x.last.Load()
}

// receive records every message s receives in col until s is closed; the
// returned function closes s and waits for the goroutine.
func receive(s *zmq.Socket, col *collector, name string) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m zmq.Msg
		for {
			if err := s.RecvMsg(context.Background(), &m); err != nil {
				return
			}
			prod, seq, err := seqmsg.Check(m.Frames)
			status := "ok"
			if err != nil {
				status = "bad:" + strings.ReplaceAll(err.Error(), " ", "_")
			}
			col.add(rec{prod: prod, seq: seq, frames: len(m.Frames), status: status, at: time.Now(), by: name})
		}
	}()
	return func() {
		s.Close()
		<-done
	}
}

// ---- bounds ----

// sysctlMax returns the largest value of a tcp_wmem or tcp_rmem sysctl.
func sysctlMax(t testing.TB, name string) int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// inflightBound is the most messages of wireSize bytes one broken tcp
// connection can lose (§6.4): the sender's queue and the batch its writer
// took from it (2 SendHWM), the kernel's send and receive buffers at their
// autotuning maxima, the receiver's read buffer (64 KiB) and inbound queue
// (RecvHWM), and what a peer program had received but not printed yet
// (its 4 KiB output buffer and 2 ms of messages: 200).
func inflightBound(t testing.TB, sndHWM, rcvHWM, wireSize int) int {
	kernel := sysctlMax(t, "tcp_wmem") + sysctlMax(t, "tcp_rmem") + 64<<10
	return 2*sndHWM + rcvHWM + kernel/wireSize + 200
}

// wireSize is the size of a message of frames frames of size payload bytes
// on the wire.
func wireSize(frames, size int) int {
	body := seqmsg.HeaderSize + size
	head := 2
	if body > 255 {
		head = 9
	}
	return frames * (head + body)
}

// waitFor waits until cond holds, at most d; what says what is awaited.
func waitFor(t testing.TB, what string, d time.Duration, col *collector, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	if !col.waitUntil(d, cond) {
		t.Fatalf("timed out after %v waiting for %s (%s)", d, what, col.summary())
	}
	return time.Since(start)
}
