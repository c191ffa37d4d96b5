package zmq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
)

// EventType is a kind of socket event, with libzmq's ZMQ_EVENT_* value.
// Types combine into a mask for [Socket.Monitor].
type EventType uint32

// Socket events, in libzmq's order and with its values. Events concern tcp
// and ipc endpoints; inproc has none, as in libzmq.
const (
	// EventConnected: a connection to a connected endpoint was made.
	// Value: the connection's file descriptor.
	EventConnected EventType = 1 << iota
	// EventConnectDelayed: a tcp connection attempt is under way.
	EventConnectDelayed
	// EventConnectRetried: the socket will try the endpoint again after
	// Value milliseconds.
	EventConnectRetried
	// EventListening: a bind succeeded. Value: the listener's descriptor.
	EventListening
	// EventBindFailed: a bind failed. Value: the errno, Err: the cause.
	EventBindFailed
	// EventAccepted: a connection was accepted on a bound endpoint.
	// Value: its descriptor.
	EventAccepted
	// EventAcceptFailed: accepting failed (out of descriptors, say); the
	// socket goes on accepting after a pause. Value: the errno.
	EventAcceptFailed
	// EventClosed: a listener was closed (Value: its descriptor), or a
	// connection attempt failed and its socket was closed (Err says why;
	// Value: the errno, where libzmq reports the descriptor of the socket
	// it closed, which Go's dialer does not expose).
	EventClosed
	// EventCloseFailed: closing a listener failed. Value: the errno.
	EventCloseFailed
	// EventDisconnected: a connection ended other than by this socket's
	// own Close, Unbind or Disconnect. Err says why: a *TimeoutError for a
	// silent peer, a *ProtocolError, or the network error.
	EventDisconnected
	// EventMonitorStopped: the monitor stopped; it is the last event.
	EventMonitorStopped
	// EventHandshakeFailedNoDetail: the handshake failed for a reason other
	// than the protocol or authentication: a timeout, or the connection
	// closed or broke. Value: an errno.
	EventHandshakeFailedNoDetail
	// EventHandshakeSucceeded: the handshake completed; messages flow.
	EventHandshakeSucceeded
	// EventHandshakeFailedProtocol: the peer broke the protocol during the
	// handshake. Value: the [ProtocolCode]; Err is a *ProtocolError.
	EventHandshakeFailedProtocol
	// EventHandshakeFailedAuth: the peer refused us, or we refused it.
	// Value: the ZAP status code; Err is an *AuthError.
	EventHandshakeFailedAuth

	// EventAll selects every event.
	EventAll EventType = 1<<iota - 1
)

var eventNames = [...]string{
	"CONNECTED", "CONNECT_DELAYED", "CONNECT_RETRIED", "LISTENING",
	"BIND_FAILED", "ACCEPTED", "ACCEPT_FAILED", "CLOSED", "CLOSE_FAILED",
	"DISCONNECTED", "MONITOR_STOPPED", "HANDSHAKE_FAILED_NO_DETAIL",
	"HANDSHAKE_SUCCEEDED", "HANDSHAKE_FAILED_PROTOCOL", "HANDSHAKE_FAILED_AUTH",
}

// String returns libzmq's name of the event without its ZMQ_EVENT_ prefix,
// such as "HANDSHAKE_SUCCEEDED"; a mask of several reads "A|B".
func (t EventType) String() string {
	if t == 0 {
		return "0"
	}
	var names []string
	for i, name := range eventNames {
		if t&(1<<i) != 0 {
			names = append(names, name)
			t &^= 1 << i
		}
	}
	if t != 0 {
		names = append(names, fmt.Sprintf("%#x", uint32(t)))
	}
	return strings.Join(names, "|")
}

// An Event is something that happened to a socket's endpoints or
// connections.
type Event struct {
	Type EventType
	// Endpoint is the endpoint the event concerns, as libzmq reports it:
	// the address bound (with wildcards resolved) or connected to.
	Endpoint string
	// Remote is the peer's address for events of one connection, such as
	// "tcp://127.0.0.1:41234"; empty otherwise.
	Remote string
	// Value is libzmq's event value: a descriptor, an errno, a reconnect
	// interval in milliseconds, a protocol error code or a ZAP status code,
	// as each event type says.
	Value uint32
	// Err is the cause of a failure, a disconnection or a closed
	// connection attempt; nil otherwise.
	Err error
	// Time is when the event happened (libzmq's events carry no time; a
	// consumer that falls behind still learns when). Zero in an event
	// decoded from libzmq's wire form.
	Time time.Time
}

func (ev Event) String() string {
	s := ev.Type.String() + " " + ev.Endpoint
	if ev.Remote != "" {
		s += " (" + ev.Remote + ")"
	}
	if ev.Err != nil {
		s += ": " + ev.Err.Error()
	}
	return s
}

// monitorBuffer is how many events a Monitor holds for a consumer that has
// not taken them yet; beyond it, events are dropped and counted.
const monitorBuffer = 1024

// A Monitor receives a socket's events. A consumer that falls behind never
// blocks the socket: events that find the buffer full are dropped and
// counted by [Monitor.Dropped].
type Monitor struct {
	s      *Socket
	events EventType
	c      chan Event

	// Guarded by the socket's monMu.
	dropped uint64
	stopped bool
}

// Monitor starts reporting the socket's events of the given types (a mask,
// such as EventAll or EventConnected|EventDisconnected) on the channel
// [Monitor.Events]. A socket may have several monitors. The monitor stops
// when it is closed or the socket is: then it sends EventMonitorStopped, if
// selected, as its last event and closes the channel.
func (s *Socket) Monitor(events EventType) *Monitor {
	m := &Monitor{s: s, events: events, c: make(chan Event, monitorBuffer)}
	s.monMu.Lock()
	defer s.monMu.Unlock()
	if s.monClosed {
		m.stopLocked()
		return m
	}
	s.monitors = append(s.monitors, m)
	s.monAny.Store(true)
	return m
}

// Events returns the channel the events arrive on. It is closed when the
// monitor stops.
func (m *Monitor) Events() <-chan Event { return m.c }

// Dropped returns how many events were dropped because the consumer had
// not taken the earlier ones.
func (m *Monitor) Dropped() uint64 {
	m.s.monMu.Lock()
	defer m.s.monMu.Unlock()
	return m.dropped
}

// Close stops the monitor. Events already buffered can still be read.
func (m *Monitor) Close() error {
	s := m.s
	s.monMu.Lock()
	defer s.monMu.Unlock()
	for i, x := range s.monitors {
		if x == m {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			break
		}
	}
	s.monAny.Store(len(s.monitors) > 0)
	m.stopLocked()
	return nil
}

// stopLocked ends the monitor. s.monMu is held.
func (m *Monitor) stopLocked() {
	if m.stopped {
		return
	}
	m.stopped = true
	if m.events&EventMonitorStopped != 0 {
		m.c <- Event{Type: EventMonitorStopped, Time: time.Now()} // deliver keeps a slot free for it
	}
	close(m.c)
}

// deliver queues ev unless the buffer is full. One slot is kept for
// EventMonitorStopped. s.monMu is held.
func (m *Monitor) deliver(ev Event) {
	if m.events&ev.Type == 0 {
		return
	}
	if len(m.c) >= cap(m.c)-1 {
		m.dropped++
		return
	}
	m.c <- ev
}

// emit reports an event to the socket's monitors. It costs one atomic load
// when nobody monitors. monMu is a leaf lock: emit may be called with any
// other lock held, and takes none while holding it.
func (s *Socket) emit(t EventType, endpoint string, value uint32, err error) {
	if !s.monAny.Load() {
		return
	}
	s.emitEvent(Event{Type: t, Endpoint: endpoint, Value: value, Err: err})
}

// emitConn reports an event of one connection.
func (s *Socket) emitConn(t EventType, endpoint string, conn net.Conn, value uint32, err error) {
	if !s.monAny.Load() {
		return
	}
	s.emitEvent(Event{Type: t, Endpoint: endpoint, Remote: remoteAddr(conn), Value: value, Err: err})
}

func (s *Socket) emitEvent(ev Event) {
	s.monMu.Lock()
	defer s.monMu.Unlock()
	ev.Time = time.Now() // under monMu: delivered in the order of their times
	for _, m := range s.monitors {
		m.deliver(ev)
	}
}

// stopMonitors stops every monitor, when the socket is closed: their
// EventMonitorStopped comes after every other event.
func (s *Socket) stopMonitors() {
	s.monMu.Lock()
	s.monClosed = true
	for _, m := range s.monitors {
		m.stopLocked()
	}
	s.monitors = nil
	s.monAny.Store(false)
	wire := s.wireMon
	s.wireMon = nil
	s.monMu.Unlock()
	if wire != nil {
		<-wire.done
	}
}

// remoteAddr returns conn's peer address in endpoint form.
func remoteAddr(conn net.Conn) string {
	a := conn.RemoteAddr()
	if a == nil {
		return ""
	}
	switch a.Network() {
	case "tcp", "tcp4", "tcp6":
		return "tcp://" + a.String()
	case "unix":
		return "ipc://" + a.String()
	}
	return a.Network() + "://" + a.String()
}

// connFD returns the descriptor of a tcp or ipc connection or listener, or
// 0 where there is none to report.
func connFD(c any) uint32 {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var fd uintptr
	rc.Control(func(f uintptr) { fd = f })
	return uint32(fd)
}

// errnoOf returns the errno behind err as libzmq's events carry it, or a
// close equivalent: ETIMEDOUT for timeouts, EPIPE for a connection the peer
// closed.
func errnoOf(err error) uint32 {
	var errno syscall.Errno
	var te *TimeoutError
	switch {
	case errors.As(err, &errno):
		return uint32(errno)
	case errors.As(err, &te):
		return uint32(syscall.ETIMEDOUT)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return uint32(syscall.EPIPE)
	case errors.Is(err, errNoZAPHandler):
		return uint32(syscall.EFAULT) // as libzmq reports it
	}
	return 0
}

// MonitorTo reports the socket's events of the given types in libzmq's
// wire form (zmq_socket_monitor), for code ported from C: a PAIR socket is
// bound to endpoint, which must be inproc, and each event goes to its peer
// as two frames, the event type (16 bits) and value (32 bits) in host byte
// order, then the endpoint. Connect a PAIR socket of the same context to
// endpoint to receive them; [DecodeEvent] parses them. An empty endpoint
// stops the wire monitor; a new call replaces it. Events that the peer's
// queue has no room for, or that happen before it connects, are dropped.
func (s *Socket) MonitorTo(endpoint string, events EventType) error {
	s.monMu.Lock()
	old := s.wireMon
	s.wireMon = nil
	s.monMu.Unlock()
	if old != nil {
		old.m.Close()
		<-old.done
	}
	if endpoint == "" {
		return nil
	}
	if te, err := transport.Parse(endpoint); err != nil || te.Scheme != "inproc" {
		return &OpError{Op: "monitor", Endpoint: endpoint, Err: ErrProtocolNotSupported}
	}
	pair, err := s.ctx.NewSocket(Pair, Linger(0))
	if err != nil {
		return err
	}
	if err := pair.Bind(endpoint); err != nil {
		pair.Close()
		return err
	}
	w := &wireMonitor{m: s.Monitor(events), done: make(chan struct{})}
	s.monMu.Lock()
	if s.monClosed {
		s.monMu.Unlock()
		pair.Close()
		return s.closeErr
	}
	s.wireMon = w
	s.monMu.Unlock()
	go w.forward(pair)
	return nil
}

// wireMonitor forwards a Monitor's events to a PAIR socket in libzmq's
// two-frame form.
type wireMonitor struct {
	m    *Monitor
	done chan struct{}
}

// forward runs until the monitor stops. Events the PAIR cannot take at
// once are dropped (and counted by the Monitor), so a peer that does not
// read never holds up the socket or its Close.
func (w *wireMonitor) forward(pair *Socket) {
	defer close(w.done)
	defer pair.Close()
	for ev := range w.m.Events() {
		if err := pair.TrySend(EncodeEvent(ev)); err != nil && ev.Type != EventMonitorStopped {
			w.m.s.monMu.Lock()
			w.m.dropped++
			w.m.s.monMu.Unlock()
		}
	}
}

// EncodeEvent returns ev in libzmq's two-frame monitor form.
func EncodeEvent(ev Event) Msg {
	head := make([]byte, 6)
	binary.NativeEndian.PutUint16(head, uint16(ev.Type))
	binary.NativeEndian.PutUint32(head[2:], ev.Value)
	return NewMsg(head, []byte(ev.Endpoint))
}

// DecodeEvent parses an event in libzmq's two-frame monitor form, as
// [Socket.MonitorTo] and libzmq's zmq_socket_monitor send it. Only Type,
// Value and Endpoint travel.
func DecodeEvent(m Msg) (Event, error) {
	if len(m.Frames) != 2 || len(m.Frames[0]) != 6 {
		return Event{}, fmt.Errorf("%w: a monitor event is 2 frames, the first of 6 bytes", ErrInvalid)
	}
	head := m.Frames[0]
	return Event{
		Type:     EventType(binary.NativeEndian.Uint16(head)),
		Value:    binary.NativeEndian.Uint32(head[2:]),
		Endpoint: string(m.Frames[1]),
	}, nil
}
