package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

const (
	// opTimeout bounds every blocking send or receive on either side.
	opTimeout = 5 * time.Second
	// linger is the short linger both sides close with.
	linger = 100 * time.Millisecond
	// reconnectIvl is our side's reconnect interval.
	reconnectIvl = 10 * time.Millisecond
)

// transports is the matrix every pair runs over.
var transports = []string{"tcp", "ipc"}

var ipcSeq atomic.Int64

// bindAddr returns an endpoint to bind for transport tr: a wildcard tcp
// port on the loopback, or an ipc path in the test's temporary directory.
func bindAddr(t testing.TB, tr string) string {
	t.Helper()
	switch tr {
	case "tcp":
		return "tcp://127.0.0.1:*"
	case "ipc":
		p := filepath.Join(t.TempDir(), fmt.Sprintf("s%d.ipc", ipcSeq.Add(1)))
		if len(p) > 100 { // sun_path holds 108 bytes on Linux
			t.Fatalf("ipc path too long for a unix socket: %s", p)
		}
		return "ipc://" + p
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// end is one socket of a test, ours or libzmq's, driven through the same
// methods so that a scenario runs unchanged with either side in either role.
// Every method is bounded by opTimeout and fails the test on error.
type end interface {
	String() string // "ours PUSH", "libzmq PULL"
	bind(t testing.TB, tr string) string
	connect(t testing.TB, ep string)
	send(t testing.TB, frames ...[]byte)
	// sendErr sends without failing the test; used to retry while a
	// mandatory ROUTER does not know its peer yet.
	sendErr(frames ...[]byte) error
	recv(t testing.TB) [][]byte
	// recvWithin waits at most d for a message.
	recvWithin(t testing.TB, d time.Duration) ([][]byte, bool)
	subscribe(t testing.TB, prefix string)
	unsubscribe(t testing.TB, prefix string)
	// pump lets the socket act on its peers' comings and goings. A libzmq
	// socket does that only inside calls the application makes on it (a
	// bound SUB sends its subscriptions to a new peer only then), so a side
	// that is only waited on must be pumped; ours needs nothing.
	pump(t testing.TB)
}

// sockOpts are the options a scenario needs, applied to either side.
type sockOpts struct {
	routingID  string // ZMQ_ROUTING_ID, when not empty
	mandatory  bool   // ZMQ_ROUTER_MANDATORY
	connectRID string // ZMQ_CONNECT_ROUTING_ID, for the next connect
}

// ---- our side ----

type ourEnd struct{ s *zmq.Socket }

// newOurs makes one of our sockets with a short linger, closed at the end of
// the test.
func newOurs(t testing.TB, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	opts = append([]zmq.Option{zmq.Linger(linger), zmq.ReconnectInterval(reconnectIvl)}, opts...)
	s, err := zmq.NewSocket(typ, opts...)
	if err != nil {
		t.Fatalf("ours: new %v: %v", typ, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ourSide(t testing.TB, typ zmq.Type, o sockOpts) end {
	t.Helper()
	var opts []zmq.Option
	if o.routingID != "" {
		opts = append(opts, zmq.RoutingID([]byte(o.routingID)))
	}
	if o.mandatory {
		opts = append(opts, zmq.RouterMandatory(true))
	}
	if o.connectRID != "" {
		opts = append(opts, zmq.ConnectRoutingID([]byte(o.connectRID)))
	}
	return ourEnd{newOurs(t, typ, opts...)}
}

func (e ourEnd) String() string { return "ours " + e.s.Type().String() }

func (e ourEnd) bind(t testing.TB, tr string) string {
	t.Helper()
	return bindOurs(t, e.s, tr)
}

func (e ourEnd) connect(t testing.TB, ep string) {
	t.Helper()
	if err := e.s.Connect(ep); err != nil {
		t.Fatalf("%v: connect %s: %v", e, ep, err)
	}
}

func (e ourEnd) send(t testing.TB, frames ...[]byte) {
	t.Helper()
	sendOurs(t, e.s, frames...)
}

func (e ourEnd) sendErr(frames ...[]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return e.s.Send(ctx, zmq.NewMsg(cloneFrames(frames)...))
}

func (e ourEnd) recv(t testing.TB) [][]byte {
	t.Helper()
	return recvOurs(t, e.s)
}

func (e ourEnd) recvWithin(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := e.s.Recv(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("%v: recv: %v", e, err)
	}
	return m.Frames, true
}

func (e ourEnd) subscribe(t testing.TB, prefix string) {
	t.Helper()
	if err := e.s.Subscribe([]byte(prefix)); err != nil {
		t.Fatalf("%v: subscribe %q: %v", e, prefix, err)
	}
}

func (e ourEnd) unsubscribe(t testing.TB, prefix string) {
	t.Helper()
	if err := e.s.Unsubscribe([]byte(prefix)); err != nil {
		t.Fatalf("%v: unsubscribe %q: %v", e, prefix, err)
	}
}

func (e ourEnd) pump(testing.TB) {}

func bindOurs(t testing.TB, s *zmq.Socket, tr string) string {
	t.Helper()
	ep := bindAddr(t, tr)
	if err := s.Bind(ep); err != nil {
		t.Fatalf("ours %v: bind %s: %v", s.Type(), ep, err)
	}
	got := s.LastEndpoint()
	if got == "" || strings.HasSuffix(got, ":*") {
		t.Fatalf("ours %v: LastEndpoint after binding %s = %q", s.Type(), ep, got)
	}
	return got
}

func sendOurs(t testing.TB, s *zmq.Socket, frames ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	// The socket takes ownership of what it sends: hand it copies so that
	// the caller's frames stay valid as expected values.
	if err := s.Send(ctx, zmq.NewMsg(cloneFrames(frames)...)); err != nil {
		t.Fatalf("ours %v: send %s: %v", s.Type(), show(frames), err)
	}
}

func recvOurs(t testing.TB, s *zmq.Socket) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	m, err := s.Recv(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ours %v received nothing within %v", s.Type(), opTimeout)
	}
	if err != nil {
		t.Fatalf("ours %v: recv: %v", s.Type(), err)
	}
	return m.Frames
}

// ---- libzmq's side ----

type theirEnd struct{ s *zmq4.Socket }

// newTheirs makes a libzmq socket with a short linger and bounded sends and
// receives, closed at the end of the test. Our socket types carry libzmq's
// numbers, so the conversion is the identity.
func newTheirs(t testing.TB, typ zmq.Type) *zmq4.Socket {
	t.Helper()
	ltyp := zmq4.Type(typ)
	if ltyp.String() != typ.String() {
		t.Fatalf("type %v maps to libzmq %v", typ, ltyp)
	}
	s, err := zmq4.NewSocket(ltyp)
	if err != nil {
		t.Fatalf("libzmq: new %v: %v", ltyp, err)
	}
	t.Cleanup(func() { s.Close() })
	must(t, "set linger", s.SetLinger(linger))
	must(t, "set rcvtimeo", s.SetRcvtimeo(opTimeout))
	must(t, "set sndtimeo", s.SetSndtimeo(opTimeout))
	return s
}

func theirSide(t testing.TB, typ zmq.Type, o sockOpts) end {
	t.Helper()
	s := newTheirs(t, typ)
	if o.routingID != "" {
		must(t, "set routing id", s.SetIdentity(o.routingID))
	}
	if o.mandatory {
		must(t, "set router mandatory", s.SetRouterMandatory(1))
	}
	if o.connectRID != "" {
		must(t, "set connect routing id", s.SetConnectRid(o.connectRID))
	}
	return theirEnd{s}
}

func (e theirEnd) String() string {
	typ, _ := e.s.GetType()
	return "libzmq " + typ.String()
}

func (e theirEnd) bind(t testing.TB, tr string) string {
	t.Helper()
	return bindTheirs(t, e.s, tr)
}

func (e theirEnd) connect(t testing.TB, ep string) {
	t.Helper()
	must(t, e.String()+": connect "+ep, e.s.Connect(ep))
}

func (e theirEnd) send(t testing.TB, frames ...[]byte) {
	t.Helper()
	sendTheirs(t, e.s, frames...)
}

func (e theirEnd) sendErr(frames ...[]byte) error {
	for i, f := range frames {
		flag := zmq4.SNDMORE
		if i == len(frames)-1 {
			flag = 0
		}
		if _, err := e.s.SendBytes(f, flag); err != nil {
			return err
		}
	}
	return nil
}

func (e theirEnd) recv(t testing.TB) [][]byte {
	t.Helper()
	return recvTheirs(t, e.s)
}

func (e theirEnd) recvWithin(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	must(t, "set rcvtimeo", e.s.SetRcvtimeo(d))
	defer func() { must(t, "set rcvtimeo", e.s.SetRcvtimeo(opTimeout)) }()
	m, err := e.s.RecvMessageBytes(0)
	if zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("%v: recv: %v", e, err)
	}
	return m, true
}

func (e theirEnd) subscribe(t testing.TB, prefix string) {
	t.Helper()
	must(t, e.String()+": subscribe", e.s.SetSubscribe(prefix))
}

func (e theirEnd) unsubscribe(t testing.TB, prefix string) {
	t.Helper()
	must(t, e.String()+": unsubscribe", e.s.SetUnsubscribe(prefix))
}

func (e theirEnd) pump(t testing.TB) {
	t.Helper()
	_, err := e.s.GetEvents() // ZMQ_EVENTS processes pending commands
	must(t, e.String()+": get events", err)
}

func bindTheirs(t testing.TB, s *zmq4.Socket, tr string) string {
	t.Helper()
	ep := bindAddr(t, tr)
	must(t, "libzmq: bind "+ep, s.Bind(ep))
	got, err := s.GetLastEndpoint()
	must(t, "libzmq: last endpoint", err)
	return got
}

func sendTheirs(t testing.TB, s *zmq4.Socket, frames ...[]byte) {
	t.Helper()
	if err := (theirEnd{s}).sendErr(frames...); err != nil {
		t.Fatalf("libzmq: send %s: %v", show(frames), err)
	}
}

func recvTheirs(t testing.TB, s *zmq4.Socket) [][]byte {
	t.Helper()
	m, err := s.RecvMessageBytes(0)
	if zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) {
		t.Fatalf("%v received nothing within %v", theirEnd{s}, opTimeout)
	}
	if err != nil {
		t.Fatalf("%v: recv: %v", theirEnd{s}, err)
	}
	return m
}

// ---- common ----

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func cloneFrames(frames [][]byte) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = bytes.Clone(f)
		if out[i] == nil {
			out[i] = []byte{}
		}
	}
	return out
}

// b turns strings into frames.
func b(frames ...string) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = []byte(f)
	}
	return out
}

// show prints frames for failure messages, eliding long ones.
func show(frames [][]byte) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		if len(f) > 64 {
			parts[i] = fmt.Sprintf("%q...(%d bytes)", f[:32], len(f))
		} else {
			parts[i] = fmt.Sprintf("%q", f)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sameFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// expect receives one message on e and fails unless it is exactly want.
func expect(t testing.TB, e end, want ...[]byte) {
	t.Helper()
	if got := e.recv(t); !sameFrames(got, want) {
		t.Fatalf("%v received %s, want %s", e, show(got), show(want))
	}
}

// expectPumping waits for want on e while pumping other, the socket whose
// action e waits for.
func expectPumping(t testing.TB, e, other end, want ...[]byte) {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for {
		other.pump(t)
		if got, ok := e.recvWithin(t, 10*time.Millisecond); ok {
			if !sameFrames(got, want) {
				t.Fatalf("%v received %s, want %s", e, show(got), show(want))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v received nothing in %v, want %s", e, opTimeout, show(want))
		}
	}
}

// ---- goroutine leaks ----

// checkLeaks fails the test if goroutines started during it outlive it.
// Call it first so that its cleanup runs after every socket is closed.
// Goroutines of pebbe/zmq4 (finalizers closing libzmq sockets) are not ours
// and are ignored.
func checkLeaks(t *testing.T) {
	before := countGoroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, stacks := countGoroutinesStacks()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines leaked (before %d, now %d):\n%s", n-before, before, n, stacks)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func countGoroutines() int {
	n, _ := countGoroutinesStacks()
	return n
}

func countGoroutinesStacks() (int, string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var kept []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.TrimSpace(g) == "" ||
			strings.Contains(g, "github.com/pebbe/zmq4") ||
			strings.Contains(g, "runtime.runfinq") {
			continue
		}
		kept = append(kept, g)
	}
	return len(kept), strings.Join(kept, "\n\n")
}

// eventually retries f until it reports true, failing the test after d.
// f paces itself (it usually waits for a message a short while).
func eventually(t testing.TB, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}
