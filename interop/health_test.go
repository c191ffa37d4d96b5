package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// Heartbeats (ZMTP 3.1 PING/PONG, RFC 37) and the socket monitor against
// libzmq: each side's heartbeats are answered by the other, the TTL a PING
// announces is honoured both ways, our monitor reports the event sequences
// libzmq's does (and reads and writes its wire form), handshake failures are
// reported as libzmq reports them, with one documented extra event, and a
// frozen peer (SIGSTOP) is dropped within HEARTBEAT_TIMEOUT plus an
// interval, by us and by libzmq.

// ---- monitors ----

// eventSource is a socket's monitor, ours or libzmq's, read one event at a
// time.
type eventSource interface {
	// nextWithin returns the next event, or false if none comes within d.
	nextWithin(t testing.TB, d time.Duration) (zmq.Event, bool)
}

// ourMonitor reads one of our monitors. Each event also goes through
// zmq.EncodeEvent and pebbe's RecvEvent (see wireTee): our wire form must
// read in libzmq's binding as the event it encodes.
type ourMonitor struct {
	m   *zmq.Monitor
	tee wireTee
}

func monitorOurs(t testing.TB, s *zmq.Socket, events zmq.EventType) ourMonitor {
	t.Helper()
	return ourMonitor{s.Monitor(events), newWireTee(t)}
}

func (o ourMonitor) nextWithin(t testing.TB, d time.Duration) (zmq.Event, bool) {
	t.Helper()
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case ev, ok := <-o.m.Events():
		if !ok {
			t.Fatal("ours: the monitor stopped")
		}
		enc := zmq.EncodeEvent(ev)
		typ, addr, val := o.tee.recvEvent(t, enc.Frames)
		if zmq.EventType(typ) != ev.Type || addr != ev.Endpoint || uint32(val) != ev.Value {
			t.Fatalf("ours: %v (value %d) encoded reads as %v %q value %d in libzmq's binding", ev, ev.Value, typ, addr, val)
		}
		return ev, true
	case <-tm.C:
		return zmq.Event{}, false
	}
}

// theirMonitor reads a libzmq socket's events (zmq_socket_monitor) from a
// PAIR connected to its monitor endpoint. It reads them raw, in libzmq's
// two-frame wire form, and decodes them with zmq.DecodeEvent; the same
// frames go through pebbe's RecvEvent (see wireTee), and the two readings
// must agree on type, value and endpoint.
type theirMonitor struct {
	pair *zmq4.Socket
	tee  wireTee
}

// monitorTheirs starts libzmq's monitor of s. The reading PAIR connects
// before anything happens on s: libzmq drops the events its monitor socket
// cannot deliver, and an inproc connect to a bound endpoint is immediate.
//
// The monitor is stopped before the reading PAIR closes: libzmq 4.3.4
// sends each event on its monitor socket without ZMQ_DONTWAIT, so an event
// after the reader has gone blocks the thread that reports it (an I/O
// thread, or the reaper with MONITOR_STOPPED) for good, and with it every
// other libzmq socket of the context.
func monitorTheirs(t testing.TB, s *zmq4.Socket, events zmq4.Event) theirMonitor {
	t.Helper()
	addr := fmt.Sprintf("inproc://monitor-%d", monitorSeq.Add(1))
	must(t, "libzmq: monitor", s.Monitor(addr, events))
	pair, err := zmq4.NewSocket(zmq4.PAIR)
	must(t, "libzmq: monitor PAIR", err)
	t.Cleanup(func() {
		s.Monitor("", 0) // fails harmlessly if s is closed already
		pair.Close()
	})
	must(t, "libzmq: monitor linger", pair.SetLinger(0))
	must(t, "libzmq: monitor connect", pair.Connect(addr))
	return theirMonitor{pair, newWireTee(t)}
}

func (m theirMonitor) nextWithin(t testing.TB, d time.Duration) (zmq.Event, bool) {
	t.Helper()
	must(t, "libzmq: monitor rcvtimeo", m.pair.SetRcvtimeo(max(d, time.Millisecond)))
	frames, err := m.pair.RecvMessageBytes(0)
	if zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) {
		return zmq.Event{}, false
	}
	must(t, "libzmq: monitor recv", err)
	ev, err := zmq.DecodeEvent(zmq.NewMsg(frames...))
	if err != nil {
		t.Fatalf("libzmq's monitor event %s does not decode: %v", show(frames), err)
	}
	typ, addr, val := m.tee.recvEvent(t, frames)
	if zmq.EventType(typ) != ev.Type || addr != ev.Endpoint || uint32(val) != ev.Value {
		t.Fatalf("libzmq's monitor event %s: DecodeEvent reads %v %q value %d, pebbe's RecvEvent %v %q value %d",
			show(frames), ev.Type, ev.Endpoint, ev.Value, typ, addr, val)
	}
	return ev, true
}

// wireTee is a pair of connected libzmq PAIR sockets: frames sent into one
// are read back with pebbe's RecvEvent, libzmq's binding's own reading of
// the wire form.
type wireTee struct{ in, out *zmq4.Socket }

func newWireTee(t testing.TB) wireTee {
	t.Helper()
	addr := fmt.Sprintf("inproc://tee-%d", monitorSeq.Add(1))
	in, out := newTheirs(t, zmq.Pair), newTheirs(t, zmq.Pair)
	must(t, "libzmq: tee bind", out.Bind(addr))
	must(t, "libzmq: tee connect", in.Connect(addr))
	return wireTee{in, out}
}

func (w wireTee) recvEvent(t testing.TB, frames [][]byte) (zmq4.Event, string, int) {
	t.Helper()
	sendTheirs(t, w.in, frames...)
	typ, addr, val, err := w.out.RecvEvent(0)
	must(t, "libzmq: RecvEvent", err)
	return typ, addr, val
}

// eventLog records the events read from a monitor.
type eventLog struct {
	name string // "ours DEALER", for failure messages
	src  eventSource
	evs  []zmq.Event
}

// await reads events until one of type typ, which it returns, failing the
// test if none comes within opTimeout.
func (l *eventLog) await(t testing.TB, typ zmq.EventType) zmq.Event {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for {
		ev, ok := l.src.nextWithin(t, time.Until(deadline))
		if !ok {
			t.Fatalf("%s: no %v within %v; events so far: %s", l.name, typ, opTimeout, l)
		}
		l.evs = append(l.evs, ev)
		if ev.Type == typ {
			return ev
		}
	}
}

// next reads the next event, failing the test if none comes within
// opTimeout.
func (l *eventLog) next(t testing.TB) zmq.Event {
	t.Helper()
	ev, ok := l.src.nextWithin(t, opTimeout)
	if !ok {
		t.Fatalf("%s: no event within %v; events so far: %s", l.name, opTimeout, l)
	}
	l.evs = append(l.evs, ev)
	return ev
}

// quiet reads events for d, failing the test on any of the types in mask.
// It can only show that such an event does not come that soon: d bounds it.
func (l *eventLog) quiet(t testing.TB, mask zmq.EventType, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		ev, ok := l.src.nextWithin(t, left)
		if !ok {
			return
		}
		l.evs = append(l.evs, ev)
		if ev.Type&mask != 0 {
			t.Fatalf("%s: %v within %v; events: %s", l.name, ev, d, l)
		}
	}
}

// count returns how many events of type typ were recorded.
func (l *eventLog) count(typ zmq.EventType) int {
	n := 0
	for _, ev := range l.evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// types returns the recorded event types.
func (l *eventLog) types() []zmq.EventType {
	out := make([]zmq.EventType, len(l.evs))
	for i, ev := range l.evs {
		out[i] = ev.Type
	}
	return out
}

func (l *eventLog) String() string {
	parts := make([]string, len(l.evs))
	for i, ev := range l.evs {
		parts[i] = fmt.Sprintf("%v(%d)", ev, ev.Value)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ---- sockets with heartbeats ----

// hb are heartbeat settings; zero values leave the option alone.
type hb struct{ ivl, timeout, ttl time.Duration }

func (h hb) ours() []zmq.Option {
	var opts []zmq.Option
	if h.ivl > 0 {
		opts = append(opts, zmq.HeartbeatInterval(h.ivl))
	}
	if h.timeout > 0 {
		opts = append(opts, zmq.HeartbeatTimeout(h.timeout))
	}
	if h.ttl > 0 {
		opts = append(opts, zmq.HeartbeatTTL(h.ttl))
	}
	return opts
}

func (h hb) theirs(t testing.TB, s *zmq4.Socket) {
	t.Helper()
	if h.ivl > 0 {
		must(t, "libzmq: heartbeat ivl", s.SetHeartbeatIvl(h.ivl))
	}
	if h.timeout > 0 {
		must(t, "libzmq: heartbeat timeout", s.SetHeartbeatTimeout(h.timeout))
	}
	if h.ttl > 0 {
		must(t, "libzmq: heartbeat ttl", s.SetHeartbeatTtl(h.ttl))
	}
}

// monitoredSock is one socket of a test with its monitor's log.
type monitoredSock struct {
	end
	log *eventLog
	// close closes the socket now.
	close func(t testing.TB)
}

// newMonitored makes a socket of type typ, ours or libzmq's, with the
// heartbeat settings h, reconnecting every ivl (zero: the default of the
// helpers), monitored for every event.
func newMonitored(t testing.TB, ours bool, typ zmq.Type, h hb, ivl time.Duration) monitoredSock {
	t.Helper()
	if ours {
		opts := h.ours()
		if ivl > 0 {
			opts = append(opts, zmq.ReconnectInterval(ivl))
		}
		s := newOurs(t, typ, opts...)
		e := ourEnd{s}
		return monitoredSock{e, &eventLog{name: e.String(), src: monitorOurs(t, s, zmq.EventAll)},
			func(t testing.TB) { must(t, "ours: close", s.Close()) }}
	}
	s := newTheirs(t, typ)
	h.theirs(t, s)
	if ivl > 0 {
		must(t, "libzmq: reconnect ivl", s.SetReconnectIvl(ivl))
	}
	e := theirEnd{s}
	return monitoredSock{e, &eventLog{name: e.String(), src: monitorTheirs(t, s, zmq4.EVENT_ALL)},
		func(t testing.TB) { must(t, "libzmq: close", s.Close()) }}
}

func side(ours bool) string {
	if ours {
		return "ours"
	}
	return "libzmq"
}

// roundTrip sends text from a DEALER to a ROUTER and the ROUTER's answer
// back.
func roundTrip(t testing.TB, dealer, router end, text string) {
	t.Helper()
	dealer.send(t, []byte(text))
	m := router.recv(t)
	if len(m) != 2 || string(m[1]) != text {
		t.Fatalf("%v received %s, want [id %q]", router, show(m), text)
	}
	router.send(t, m[0], []byte(text+" back"))
	expect(t, dealer, []byte(text+" back"))
}

// routerDealer makes our socket and libzmq's, with the given heartbeats,
// and connects them over tcp: the binding side is a ROUTER, the connecting
// side a DEALER.
func routerDealer(t *testing.T, oursBinds bool, ourHB, theirHB hb) (ours, theirs, router, dealer monitoredSock) {
	t.Helper()
	ourType, theirType := zmq.Dealer, zmq.Router
	if oursBinds {
		ourType, theirType = zmq.Router, zmq.Dealer
	}
	ours = newMonitored(t, true, ourType, ourHB, 0)
	theirs = newMonitored(t, false, theirType, theirHB, 0)
	router, dealer = theirs, ours
	if oursBinds {
		router, dealer = ours, theirs
	}
	dealer.connect(t, router.bind(t, "tcp"))
	return ours, theirs, router, dealer
}

// ---- 1. healthy peers ----

// TestHeartbeatHealthy: with heartbeats on libzmq's side, on ours, or on
// both, and either side binding, a healthy connection stays up. libzmq
// (HEARTBEAT_IVL 50ms, HEARTBEAT_TIMEOUT 100ms) drops a peer that sends
// nothing within the timeout of its PING, so its staying up through ten
// intervals of application silence shows that our PONGs reach it in time;
// the other way round, libzmq's PONGs keep our heartbeats satisfied.
// Neither monitor reports anything at all in the window.
func TestHeartbeatHealthy(t *testing.T) {
	checkLeaks(t)
	beat := hb{ivl: 50 * time.Millisecond, timeout: 100 * time.Millisecond}
	const window = 500 * time.Millisecond
	for _, c := range []struct {
		name         string
		ours, theirs hb
	}{
		{"libzmq-beats", hb{}, beat},
		{"ours-beats", beat, hb{}},
		{"both-beat", beat, beat},
	} {
		for _, oursBinds := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/%s-binds", c.name, side(oursBinds)), func(t *testing.T) {
				checkLeaks(t)
				ours, theirs, router, dealer := routerDealer(t, oursBinds, c.ours, c.theirs)
				router.log.await(t, zmq.EventHandshakeSucceeded)
				dealer.log.await(t, zmq.EventHandshakeSucceeded)
				roundTrip(t, dealer, router, "before")
				// Bounded: a window of application silence, ten heartbeat
				// intervals; any event at all (a disconnection first of
				// all) fails the test. libzmq's events of the window are
				// in its monitor PAIR's queue by the end of ours.
				start := time.Now()
				ours.log.quiet(t, zmq.EventAll, window)
				theirs.log.quiet(t, zmq.EventAll, window-time.Since(start))
				roundTrip(t, dealer, router, "after")
			})
		}
	}
}

// ---- 2. the TTL of a PING ----

// TestHeartbeatTTL: a PING announces a time-to-live (HEARTBEAT_TTL, in
// deciseconds on the wire) after which its receiver may drop a sender it
// has heard nothing more from. The pinging side sends a PING every 250ms
// announcing 100ms; the other side has no heartbeats of its own and must
// drop the connection about 100ms after the first PING, before the second.
//   - ours pings: libzmq's monitor shows DISCONNECTED, which proves that our
//     PING carries the TTL in libzmq's encoding;
//   - libzmq pings: our monitor shows EventDisconnected with a
//     *TimeoutError{Op: "heartbeat ttl", After: 100ms}.
//
// Either side binds.
func TestHeartbeatTTL(t *testing.T) {
	checkLeaks(t)
	pinger := hb{ivl: 250 * time.Millisecond, ttl: 100 * time.Millisecond}
	for _, oursPings := range []bool{true, false} {
		for _, oursBinds := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s-pings/%s-binds", side(oursPings), side(oursBinds)), func(t *testing.T) {
				checkLeaks(t)
				ourHB, theirHB := hb{}, pinger
				if oursPings {
					ourHB, theirHB = pinger, hb{}
				}
				ours, theirs, _, _ := routerDealer(t, oursBinds, ourHB, theirHB)
				pinged := theirs // the side without heartbeats
				if !oursPings {
					pinged = ours
				}
				pinged.log.await(t, zmq.EventHandshakeSucceeded)
				start := time.Now()
				ev := pinged.log.await(t, zmq.EventDisconnected)
				took := time.Since(start)
				t.Logf("%v dropped the connection %v after its handshake", pinged, took)
				// Not before the first PING, one interval after the
				// handshake; the upper bound is generous.
				if took < pinger.ivl-20*time.Millisecond || took > 2*time.Second {
					t.Errorf("%v: DISCONNECTED %v after the handshake, want about interval + TTL (350ms)", pinged, took)
				}
				if !oursPings {
					var te *zmq.TimeoutError
					if !errors.As(ev.Err, &te) || te.Op != "heartbeat ttl" || te.After != pinger.ttl {
						t.Errorf("ours: DISCONNECTED cause %v, want a heartbeat ttl timeout after %v", ev.Err, pinger.ttl)
					}
				}
			})
		}
	}
}

// ---- 3. monitor fidelity ----

// fixedTCP returns a tcp endpoint on the loopback that bind accepts,
// retrying other ports while bind reports the address in use. Its ports lie
// below Linux's ephemeral range (32768-60999 by default), so that a socket
// reconnecting to it while nothing listens cannot get it as its own source
// port and connect to itself.
func fixedTCP(t testing.TB, bind func(ep string) error) string {
	t.Helper()
	deadline := time.Now().Add(opTimeout)
	for {
		ep := fmt.Sprintf("tcp://127.0.0.1:%d", 20000+rand.IntN(12000))
		err := bind(ep)
		if err == nil {
			return ep
		}
		inUse := errors.Is(err, zmq.ErrAddrInUse) || zmq4.AsErrno(err) == zmq4.EADDRINUSE
		if !inUse || time.Now().After(deadline) {
			t.Fatalf("bind %s: %v", ep, err)
		}
	}
}

// bindFixed binds e to a fixed endpoint of transport tr: fixedTCP, or a
// new ipc path.
func bindFixed(t testing.TB, e end, tr string) string {
	t.Helper()
	if tr == "ipc" {
		return e.bind(t, tr)
	}
	return fixedTCP(t, func(ep string) error {
		switch e := e.(type) {
		case ourEnd:
			return e.s.Bind(ep)
		case theirEnd:
			return e.s.Bind(ep)
		}
		panic(fmt.Sprintf("bindFixed: %T", e))
	})
}

// seqIvl is the reconnect interval of the monitored connecting socket in
// TestMonitorSequence. libzmq and ours wait it plus a random jitter below it.
const seqIvl = 200 * time.Millisecond

// connectingScenario plays the connecting side's life against a peer of
// the given kind and returns the monitored socket's events: it connects a
// DEALER (reconnecting every seqIvl) to a bound ROUTER, exchanges one
// message each way, the ROUTER closes, the DEALER's reconnection fails
// twice, and the DEALER closes.
func connectingScenario(t *testing.T, oursMonitored, oursPeer bool, tr string) (*eventLog, string) {
	peer := newMonitored(t, oursPeer, zmq.Router, hb{}, 0)
	ep := bindFixed(t, peer.end, tr)
	x := newMonitored(t, oursMonitored, zmq.Dealer, hb{}, seqIvl)
	x.connect(t, ep)
	x.log.await(t, zmq.EventHandshakeSucceeded)
	roundTrip(t, x, peer, "hello")
	peer.close(t)
	x.log.await(t, zmq.EventDisconnected)
	// The retry the disconnection schedules, then two failed attempts,
	// each ending with the next retry scheduled.
	for x.log.count(zmq.EventConnectRetried) < 3 {
		x.log.await(t, zmq.EventConnectRetried)
	}
	// Closed at once: the next attempt is due a whole interval (seqIvl
	// plus jitter) after the last CONNECT_RETRIED, so none begins first.
	x.close(t)
	x.log.await(t, zmq.EventMonitorStopped)
	return x.log, ep
}

// boundScenario plays the bound side's life: a ROUTER binds, a DEALER
// connects and exchanges one message each way, then closes; a second
// DEALER connects and stays; the ROUTER closes.
func boundScenario(t *testing.T, oursMonitored, oursPeer bool, tr string) (*eventLog, string) {
	x := newMonitored(t, oursMonitored, zmq.Router, hb{}, 0)
	ep := x.bind(t, tr)
	first := newMonitored(t, oursPeer, zmq.Dealer, hb{}, 0)
	first.connect(t, ep)
	x.log.await(t, zmq.EventHandshakeSucceeded)
	roundTrip(t, first, x, "hello")
	first.close(t)
	x.log.await(t, zmq.EventDisconnected)
	second := newMonitored(t, oursPeer, zmq.Dealer, hb{}, 0)
	second.connect(t, ep)
	x.log.await(t, zmq.EventHandshakeSucceeded)
	second.log.await(t, zmq.EventHandshakeSucceeded)
	x.close(t)
	x.log.await(t, zmq.EventMonitorStopped)
	return x.log, ep
}

// TestMonitorSequence: the same scenario is played with a libzmq socket as
// the monitored one and with ours, against the same kind of peer (libzmq's
// or ours), over tcp and ipc; our event sequence must equal libzmq's, and
// each event must name the scenario's endpoint as libzmq's does (the bound
// address with the wildcard port resolved, or the address connected to).
//
// The sequences libzmq 4.3.4 reports, which ours must match exactly:
//
//	connecting, tcp: CONNECT_DELAYED CONNECTED HANDSHAKE_SUCCEEDED
//	    DISCONNECTED CONNECT_RETRIED (CONNECT_DELAYED CLOSED CONNECT_RETRIED)x2
//	    MONITOR_STOPPED
//	connecting, ipc: the same without CONNECT_DELAYED (a unix socket
//	    connects or fails at once)
//	bound: LISTENING ACCEPTED HANDSHAKE_SUCCEEDED DISCONNECTED ACCEPTED
//	    HANDSHAKE_SUCCEEDED CLOSED MONITOR_STOPPED (closing the socket
//	    reports the listener's CLOSED and no DISCONNECTED for the peer
//	    still connected)
//
// No nondeterminism is allowed for: the scenario waits for each step's
// events before the next step, and closes the reconnecting socket right
// after a CONNECT_RETRIED, a whole reconnect interval before the next
// attempt. Values are compared where libzmq's are deterministic (see
// checkValues).
func TestMonitorSequence(t *testing.T) {
	checkLeaks(t)
	scenarios := []struct {
		name string
		play func(t *testing.T, oursMonitored, oursPeer bool, tr string) (*eventLog, string)
	}{{"connecting", connectingScenario}, {"bound", boundScenario}}
	for _, sc := range scenarios {
		for _, tr := range transports {
			for _, oursPeer := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/%s-peer", sc.name, tr, side(oursPeer)), func(t *testing.T) {
					checkLeaks(t)
					var logs [2]*eventLog
					for i, oursMonitored := range []bool{false, true} {
						t.Run(side(oursMonitored), func(t *testing.T) {
							checkLeaks(t)
							l, ep := sc.play(t, oursMonitored, oursPeer, tr)
							t.Logf("%s: %v", l.name, l.types())
							checkEndpoints(t, l, ep)
							checkValues(t, l, oursMonitored, tr)
							logs[i] = l
						})
					}
					if logs[0] == nil || logs[1] == nil {
						return // a run failed and said why
					}
					if !slices.Equal(logs[0].types(), logs[1].types()) {
						t.Errorf("event sequences differ:\nlibzmq: %v\nours:   %v", logs[0].types(), logs[1].types())
					}
				})
			}
		}
	}
}

// checkEndpoints: every event but MONITOR_STOPPED names the scenario's
// endpoint, as libzmq reports it (the address bound, its wildcard
// resolved, or connected to); MONITOR_STOPPED names none.
func checkEndpoints(t *testing.T, l *eventLog, ep string) {
	t.Helper()
	for _, ev := range l.evs {
		want := ep
		if ev.Type == zmq.EventMonitorStopped {
			want = ""
		}
		if ev.Endpoint != want {
			t.Errorf("%s: %v names %q, want %q", l.name, ev.Type, ev.Endpoint, want)
		}
	}
}

// checkValues checks the event values libzmq fixes: a descriptor for
// LISTENING, ACCEPTED, CONNECTED and DISCONNECTED; the reconnect interval
// plus a jitter below it for CONNECT_RETRIED (libzmq's
// get_new_reconnect_ivl); 0 for HANDSHAKE_SUCCEEDED and MONITOR_STOPPED.
//
// One allowed difference: for the CLOSED of a failed connection attempt
// libzmq reports the descriptor of the socket it closed (now meaningless;
// zmq_socket_monitor(3): "the FD of the former socket"), ours the errno of
// the failure (ECONNREFUSED, or ENOENT for a missing ipc path), as the
// library's own TestReconnectStopOnRefused expects. A listener's CLOSED
// carries its descriptor in both. CONNECT_DELAYED's value is unspecified
// in libzmq's documentation (4.3.4 sends the errno EINPROGRESS, ours 0) and
// is not checked.
func checkValues(t *testing.T, l *eventLog, ours bool, tr string) {
	t.Helper()
	ivl := uint32(seqIvl.Milliseconds())
	listening := false
	for _, ev := range l.evs {
		bad := false
		switch ev.Type {
		case zmq.EventListening:
			listening = true
			bad = ev.Value == 0
		case zmq.EventAccepted, zmq.EventConnected, zmq.EventDisconnected:
			bad = ev.Value == 0
		case zmq.EventConnectRetried:
			bad = ev.Value < ivl || ev.Value >= 2*ivl
		case zmq.EventHandshakeSucceeded, zmq.EventMonitorStopped:
			bad = ev.Value != 0
		case zmq.EventClosed:
			switch {
			case listening || !ours:
				bad = ev.Value == 0
			case tr == "tcp":
				bad = ev.Value != uint32(syscall.ECONNREFUSED)
			default:
				bad = ev.Value != uint32(syscall.ENOENT) && ev.Value != uint32(syscall.ECONNREFUSED)
			}
		}
		if bad {
			t.Errorf("%s: %v has value %d", l.name, ev.Type, ev.Value)
		}
	}
}

// ---- 4. handshake failures ----

// TestMonitorHandshakeFailure: a PUSH and a PUB cannot talk (RFC 28). Each
// side of a NULL handshake sends READY with its socket type and checks the
// peer's.
//
//   - Ours reports HANDSHAKE_FAILED_PROTOCOL with ZMTP_INVALID_METADATA (a
//     *zmq.ProtocolError), then DISCONNECTED.
//   - libzmq 4.3.4 reports DISCONNECTED alone: its NULL mechanism rejects
//     the socket type (mechanism_t::parse_metadata fails with EINVAL) without
//     a handshake event; only its PLAIN and CURVE clients report
//     ZMTP_INVALID_METADATA for it. This is the one difference allowed: our
//     extra HANDSHAKE_FAILED_PROTOCOL before the DISCONNECTED.
//   - Nondeterministic: libzmq sends its READY once it has processed the
//     input that completed the greeting, and our READY follows the end of
//     our greeting at once; when both arrive in one read, libzmq rejects our
//     READY and closes before sending its own. Ours then sees the connection
//     close in the handshake: HANDSHAKE_FAILED_NO_DETAIL (EOF), DISCONNECTED,
//     a connection error after which a connecting socket reconnects, as
//     libzmq's does. Each outcome is about as likely as the other, so the
//     test tries again until ours has read libzmq's READY, at most
//     maxHandshakeTries times.
//   - After the protocol error the connecting side, ours or libzmq's, does
//     not reconnect.
func TestMonitorHandshakeFailure(t *testing.T) {
	checkLeaks(t)
	t.Run("libzmq-PUSH-connects", func(t *testing.T) {
		checkLeaks(t)
		pub := newMonitored(t, true, zmq.Pub, hb{}, 0)
		ep := pub.bind(t, "tcp")
		pub.log.await(t, zmq.EventListening)
		// A libzmq PUSH does not reconnect after a protocol error: each try
		// takes a new one.
		var push monitoredSock
		for try := 1; ; try++ {
			push = newMonitored(t, false, zmq.Push, hb{}, 0)
			push.connect(t, ep)
			pub.log.await(t, zmq.EventAccepted)
			if ourHandshakeFailure(t, pub.log, try) {
				break
			}
			push.close(t)
		}
		// libzmq's PUSH: no handshake event, and no reconnection. Bounded:
		// three of its reconnect intervals (100ms).
		push.log.await(t, zmq.EventDisconnected)
		push.log.quiet(t, zmq.EventAll&^zmq.EventMonitorStopped, 300*time.Millisecond)
		want := []zmq.EventType{zmq.EventConnectDelayed, zmq.EventConnected, zmq.EventDisconnected}
		if !slices.Equal(push.log.types(), want) {
			t.Errorf("libzmq PUSH: events %v, want %v", push.log.types(), want)
		}
		pub.log.quiet(t, zmq.EventAll, 10*time.Millisecond)
	})
	t.Run("ours-PUSH-connects", func(t *testing.T) {
		checkLeaks(t)
		pub := newMonitored(t, false, zmq.Pub, hb{}, 0)
		push := newMonitored(t, true, zmq.Push, hb{}, 0)
		push.connect(t, pub.bind(t, "tcp"))
		// Our PUSH reconnects after a connection error, not after the
		// protocol error: each try is a reconnection.
		tries := 0
		for try := 1; ; try++ {
			push.log.await(t, zmq.EventConnected)
			if ourHandshakeFailure(t, push.log, try) {
				tries = try
				break
			}
		}
		// Bounded: thirty of our reconnect intervals without an attempt.
		push.log.quiet(t, zmq.EventConnectDelayed|zmq.EventConnected, 300*time.Millisecond)
		// libzmq's PUB saw each connection come and go, with no handshake
		// event.
		pub.log.quiet(t, zmq.EventAll&^(zmq.EventListening|zmq.EventAccepted|zmq.EventDisconnected), 10*time.Millisecond)
		want := []zmq.EventType{zmq.EventListening}
		for range tries {
			want = append(want, zmq.EventAccepted, zmq.EventDisconnected)
		}
		if !slices.Equal(pub.log.types(), want) {
			t.Errorf("libzmq PUB: events %v, want %v", pub.log.types(), want)
		}
	})
}

// maxHandshakeTries bounds the tries of TestMonitorHandshakeFailure; all of
// them failing the same way by chance has a probability near 2^-20.
const maxHandshakeTries = 20

// ourHandshakeFailure reads our side's report of a handshake with an
// incompatible libzmq peer, which must come next in l: true for
// HANDSHAKE_FAILED_PROTOCOL with ZMTP_INVALID_METADATA then DISCONNECTED;
// false for HANDSHAKE_FAILED_NO_DETAIL then DISCONNECTED, when libzmq
// closed before sending its READY (see TestMonitorHandshakeFailure).
func ourHandshakeFailure(t *testing.T, l *eventLog, try int) bool {
	t.Helper()
	ev := l.next(t)
	switch ev.Type {
	case zmq.EventHandshakeFailedProtocol:
		var pe *zmq.ProtocolError
		if zmq.ProtocolCode(ev.Value) != zmq.ProtocolInvalidMetadata || !errors.As(ev.Err, &pe) || pe.Code != zmq.ProtocolInvalidMetadata {
			t.Errorf("%s: %v with code %v, want %v and a *zmq.ProtocolError with it",
				l.name, ev, zmq.ProtocolCode(ev.Value), zmq.ProtocolInvalidMetadata)
		}
	case zmq.EventHandshakeFailedNoDetail:
		if !errors.Is(ev.Err, io.EOF) && !errors.Is(ev.Err, syscall.ECONNRESET) {
			t.Errorf("%s: %v, want the connection closed by libzmq", l.name, ev)
		}
		t.Logf("try %d: libzmq closed before its READY: %v", try, ev)
		if try == maxHandshakeTries {
			t.Fatalf("%s: libzmq's READY never came in %d tries: %s", l.name, try, l)
		}
	default:
		t.Fatalf("%s: %v after the connection, want a handshake failure; events: %s", l.name, ev, l)
	}
	if ev := l.next(t); ev.Type != zmq.EventDisconnected {
		t.Fatalf("%s: %v after the handshake failure, want DISCONNECTED", l.name, ev)
	}
	return ev.Type == zmq.EventHandshakeFailedProtocol
}

// TestMonitorHandshakeAuthFailure: a libzmq ROUTER with a ZAP domain asks
// the ZAP handler of its context (RFC 27: a REP bound to
// inproc://zeromq.zap.01, here played by the test) about each NULL peer;
// the handler refuses with status 400. libzmq's NULL mechanism then sends an
// ERROR command with the reason "400" and reports HANDSHAKE_FAILED_AUTH
// with value 400. The client, ours or libzmq's in the same place, reports
// HANDSHAKE_FAILED_AUTH with value 400 (ours: a *zmq.AuthError with Status
// 400), then DISCONNECTED, and does not reconnect: libzmq treats an ERROR in
// the handshake as a protocol error, which ends the session.
func TestMonitorHandshakeAuthFailure(t *testing.T) {
	checkLeaks(t)
	zap := newTheirs(t, zmq.Rep)
	must(t, "libzmq: bind the ZAP handler", zap.Bind("inproc://zeromq.zap.01"))
	var logs [2]*eventLog
	for i, oursConnects := range []bool{false, true} {
		t.Run(side(oursConnects)+"-connects", func(t *testing.T) {
			checkLeaks(t)
			server := newMonitored(t, false, zmq.Router, hb{}, 0)
			must(t, "libzmq: zap domain", server.end.(theirEnd).s.SetZapDomain("interop"))
			client := newMonitored(t, oursConnects, zmq.Dealer, hb{}, 0)
			client.connect(t, server.bind(t, "tcp"))

			// The ZAP request for NULL: version, request id, domain,
			// address, the server's routing id, mechanism; no credentials.
			req := recvTheirs(t, zap)
			if len(req) != 6 || string(req[0]) != "1.0" || string(req[2]) != "interop" ||
				string(req[3]) != "127.0.0.1" || string(req[5]) != "NULL" {
				t.Fatalf("ZAP request %s", show(req))
			}
			sendTheirs(t, zap, []byte("1.0"), req[1], []byte("400"), []byte("go away"), nil, nil)

			ev := server.log.await(t, zmq.EventHandshakeFailedAuth)
			if ev.Value != 400 {
				t.Errorf("%v: %v with value %d, want 400", server, ev.Type, ev.Value)
			}
			server.log.await(t, zmq.EventDisconnected)
			ev = client.log.await(t, zmq.EventHandshakeFailedAuth)
			if ev.Value != 400 {
				t.Errorf("%v: %v with value %d, want 400", client, ev.Type, ev.Value)
			}
			if oursConnects {
				var ae *zmq.AuthError
				// The reason travels as sent: the status code alone.
				if !errors.As(ev.Err, &ae) || ae.Status != 400 || ae.Reason != "400" {
					t.Errorf("%v: cause %#v, want a *zmq.AuthError with status 400 and reason \"400\"", client, ev.Err)
				}
			}
			client.log.await(t, zmq.EventDisconnected)
			// Bounded: thirty of our reconnect intervals, three of
			// libzmq's default, without another attempt. The ZAP handler
			// gets no second request either.
			client.log.quiet(t, zmq.EventConnectDelayed|zmq.EventConnected, 300*time.Millisecond)
			if m, ok := (theirEnd{zap}).recvWithin(t, 0); ok {
				t.Errorf("a second ZAP request: %s", show(m))
			}
			t.Logf("%s: %v", client.log.name, client.log.types())
			logs[i] = client.log
		})
	}
	if logs[0] != nil && logs[1] != nil && !slices.Equal(logs[0].types(), logs[1].types()) {
		t.Errorf("client event sequences differ:\nlibzmq: %v\nours:   %v", logs[0].types(), logs[1].types())
	}
}

// ---- 5. a frozen peer ----

const (
	frozenIvl     = 50 * time.Millisecond
	frozenTimeout = 200 * time.Millisecond
	// frozenBound is the generous upper bound on detecting a frozen peer;
	// the expected time is HEARTBEAT_TIMEOUT plus up to one interval.
	frozenBound = 2 * time.Second
)

// freeze stops p with SIGSTOP and makes sure, whatever happens to the
// test, that it is continued before the cleanup of startPeer kills it.
func freeze(t *testing.T, p *peerProc) {
	t.Helper()
	t.Cleanup(func() { p.cmd.Process.Signal(syscall.SIGCONT) })
	must(t, "SIGSTOP", p.cmd.Process.Signal(syscall.SIGSTOP))
}

func thaw(t *testing.T, p *peerProc) {
	t.Helper()
	must(t, "SIGCONT", p.cmd.Process.Signal(syscall.SIGCONT))
}

// checkDetection checks the time a frozen peer took to be dropped, from
// the SIGSTOP. The first PING left unanswered goes within one interval
// after the freeze (or just before it, if the freeze came between a PING
// and its PONG), and the connection is dropped HEARTBEAT_TIMEOUT after
// that PING: from about TIMEOUT to TIMEOUT + IVL; the lower bound checked
// is TIMEOUT - IVL. The tests freeze the peer a few milliseconds after the
// handshake, before the first PING, so expect nearly TIMEOUT + IVL.
func checkDetection(t *testing.T, who string, took time.Duration) {
	t.Helper()
	t.Logf("%s detected the frozen peer after %v (HEARTBEAT_IVL %v, HEARTBEAT_TIMEOUT %v)", who, took, frozenIvl, frozenTimeout)
	if took < frozenTimeout-frozenIvl || took > frozenBound {
		t.Errorf("%s dropped the frozen peer after %v, want about %v to %v (at most %v)",
			who, took, frozenTimeout-frozenIvl, frozenTimeout+frozenIvl, frozenBound)
	}
}

// TestHeartbeatFrozenPyZMQ: a pyzmq ROUTER without heartbeats (a process of
// its own) answers our DEALER's PINGs (IVL 50ms, TIMEOUT 200ms) until it is
// frozen with SIGSTOP; its kernel still takes our bytes, but no PONG comes,
// and our DEALER must drop the connection within TIMEOUT plus up to one
// interval (EventDisconnected with a *TimeoutError), then reconnect once the
// peer is continued: the handshake succeeds again and a round trip works.
func TestHeartbeatFrozenPyZMQ(t *testing.T) {
	checkLeaks(t)
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "echo.py"))
	must(t, "echo.py", err)
	p := startPeer(t, py, script, "tcp://127.0.0.1:*")
	ep := strings.TrimPrefix(p.line(t, "endpoint "), "endpoint ")

	dealer := newMonitored(t, true, zmq.Dealer, hb{ivl: frozenIvl, timeout: frozenTimeout}, 0)
	dealer.connect(t, ep)
	dealer.log.await(t, zmq.EventHandshakeSucceeded)
	dealer.send(t, b("one")...)
	expect(t, dealer, b("one")...)

	freeze(t, p)
	start := time.Now()
	ev := dealer.log.await(t, zmq.EventDisconnected)
	checkDetection(t, "ours", time.Since(start))
	var te *zmq.TimeoutError
	if !errors.As(ev.Err, &te) || te.Op != "heartbeat" || te.After != frozenTimeout {
		t.Errorf("ours: DISCONNECTED cause %v, want a heartbeat timeout after %v", ev.Err, frozenTimeout)
	}

	// While the peer is frozen our reconnection gets as far as the
	// kernel's accept queue and waits in the handshake.
	thaw(t, p)
	dealer.log.await(t, zmq.EventHandshakeSucceeded)
	dealer.send(t, b("two")...)
	expect(t, dealer, b("two")...)
	p.stdin.Close()
	p.finish(t, "bye")
}

// TestHeartbeatFrozenGoPeer: the reverse. A DEALER of this library in a
// process of its own (internal/cmd/gopeer, built here) connects to a libzmq
// ROUTER with HEARTBEAT_IVL 50ms and HEARTBEAT_TIMEOUT 200ms and exchanges a
// message; frozen with SIGSTOP, it answers no PING, and libzmq's monitor
// must show DISCONNECTED within TIMEOUT plus up to one interval. Continued,
// the Go peer finds its connection closed, reconnects, and a round trip
// works.
func TestHeartbeatFrozenGoPeer(t *testing.T) {
	checkLeaks(t)
	bin := buildGoPeer(t)

	router := newMonitored(t, false, zmq.Router, hb{ivl: frozenIvl, timeout: frozenTimeout}, 0)
	ep := router.bind(t, "tcp")
	p := startPeer(t, bin, ep)
	p.line(t, "ready")
	echo := func(text string) {
		t.Helper()
		if _, err := fmt.Fprintf(p.stdin, "send %s\n", text); err != nil {
			t.Fatalf("telling the Go peer to send: %v", err)
		}
		m := router.recv(t)
		if len(m) != 2 || string(m[1]) != text {
			t.Fatalf("libzmq ROUTER received %s, want [id %q]", show(m), text)
		}
		router.send(t, m...)
		p.line(t, "got "+text)
	}
	echo("one")
	router.log.await(t, zmq.EventHandshakeSucceeded)

	freeze(t, p)
	start := time.Now()
	router.log.await(t, zmq.EventDisconnected)
	checkDetection(t, "libzmq", time.Since(start))

	thaw(t, p)
	router.log.await(t, zmq.EventHandshakeSucceeded)
	echo("two")
	p.stdin.Close()
	p.finish(t, "bye")
}

// buildGoPeer builds internal/cmd/gopeer into the test's temporary
// directory.
func buildGoPeer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gopeer")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./internal/cmd/gopeer")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/cmd/gopeer: %v\n%s", err, out)
	}
	return bin
}
