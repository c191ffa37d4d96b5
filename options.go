package zmq

import (
	"fmt"
	"strings"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// options holds a socket's settings with libzmq's defaults.
type options struct {
	sendHWM, recvHWM  int
	linger            time.Duration // < 0: forever
	routingID         []byte
	metadata          zmtp.Metadata // the application's "X-" properties
	reconnectIvl      time.Duration // < 0: never
	reconnectIvlMax   time.Duration
	handshakeIvl      time.Duration
	connectTimeout    time.Duration
	maxMsgSize        int64
	backlog           int
	immediate         bool
	conflate          bool
	ipv6              bool
	tcpKeepalive      int
	tcpKeepaliveCnt   int
	tcpKeepaliveIdle  int
	tcpKeepaliveIntvl int
	routerMandatory   bool
	routerHandover    bool
	probeRouter       bool
	reqCorrelate      bool
	reqRelaxed        bool
	xpubVerbose       bool
	xpubVerboser      bool
	xpubNoDrop        bool
	xpubManual        bool
	xpubWelcome       []byte
	invertMatching    bool
	streamNotify      bool
	connectRoutingID  []byte
	heartbeatIvl      time.Duration
	heartbeatTimeout  time.Duration // < 0: heartbeatIvl
	heartbeatTTL      time.Duration
	reconnectStop     ReconnectStopFlags
	sendTimeout       time.Duration // < 0: none
	recvTimeout       time.Duration // < 0: none
	sock              transport.SockOpts
	socks             string // SOCKS5 proxy, host:port
	socksUser         string
	socksPass         string
	security
}

func defaultOptions() options {
	return options{
		sendHWM:           1000,
		recvHWM:           1000,
		linger:            -1,
		reconnectIvl:      100 * time.Millisecond,
		handshakeIvl:      30 * time.Second,
		maxMsgSize:        -1,
		backlog:           100,
		tcpKeepalive:      -1,
		tcpKeepaliveCnt:   -1,
		tcpKeepaliveIdle:  -1,
		tcpKeepaliveIntvl: -1,
		streamNotify:      true,
		heartbeatTimeout:  -1,
		sendTimeout:       -1,
		recvTimeout:       -1,
	}
}

// SendTimeout sets ZMQ_SNDTIMEO: how long a blocking Send waits before it
// gives up with [ErrWouldBlock] (EAGAIN), as libzmq's zmq_send does; the
// call's context can still end it sooner. 0 makes every Send behave as
// TrySend. Default -1: no limit but the context's.
func SendTimeout(d time.Duration) Option {
	return func(s *Socket) error {
		s.opts.sendTimeout = max(d, -1)
		return nil
	}
}

// RecvTimeout sets ZMQ_RCVTIMEO: how long a blocking Recv (or RecvMsg)
// waits before it gives up with [ErrWouldBlock], as SendTimeout does for
// Send. Default -1: no limit but the context's.
func RecvTimeout(d time.Duration) Option {
	return func(s *Socket) error {
		s.opts.recvTimeout = max(d, -1)
		return nil
	}
}

// Option sets a socket option, at creation with [NewSocket] or later with
// [Socket.SetOption]. Each option names the libzmq option it maps to and
// gives libzmq's default.
//
// An option set on an open socket takes effect:
//
//   - At once: SendHWM and RecvHWM, which also resize the queues of the
//     existing tcp and ipc peers (an inproc pair keeps the capacity it was
//     joined with); Linger, read when Close or Disconnect runs; Subscribe;
//     and the options the pattern reads as messages and subscriptions
//     pass: RouterMandatory, ReqCorrelate, ReqRelaxed, XPubVerbose,
//     XPubVerboser, XPubNoDrop, XPubManual and InvertMatching.
//   - For each connection that starts afterwards, reconnections and
//     connections accepted on an earlier Bind included (for inproc: each
//     pair joined afterwards): RoutingID, HandshakeInterval, MaxMsgSize,
//     RouterHandover, ProbeRouter, XPubWelcomeMsg, StreamNotify, and the
//     TCP keepalive options of accepted connections. Conflate applies to
//     the peer queues made afterwards: one per connection, except that a
//     Connect without Immediate makes its queue once, at the Connect.
//   - For endpoints bound or connected afterwards, as in libzmq: Backlog
//     and IPv6 at Bind; Immediate, ConnectRoutingID (the next Connect
//     only), ReconnectInterval, ReconnectIntervalMax, ConnectTimeout, IPv6,
//     the TCP keepalive options, SocksProxy, SocksUsername and
//     SocksPassword at Connect; SendBuffer, RecvBuffer, TOS, TCPMaxRT and
//     BindToDevice at either.
type Option func(s *Socket) error

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func forTypes(name string, apply func(o *options), types ...Type) Option {
	return func(s *Socket) error {
		for _, t := range types {
			if s.typ == t {
				apply(&s.opts)
				return nil
			}
		}
		return invalid("option %s does not apply to %v sockets", name, s.typ)
	}
}

// SendHWM sets ZMQ_SNDHWM, the number of outbound messages queued per peer
// before the socket blocks or drops (depending on its type). Default 1000;
// 0 means no limit.
func SendHWM(n int) Option {
	return func(s *Socket) error {
		if n < 0 {
			return invalid("SendHWM %d", n)
		}
		s.opts.sendHWM = n
		s.hwmChanged()
		return nil
	}
}

// RecvHWM sets ZMQ_RCVHWM, the number of inbound messages queued per peer
// before the socket stops reading from it. Default 1000; 0 means no limit.
func RecvHWM(n int) Option {
	return func(s *Socket) error {
		if n < 0 {
			return invalid("RecvHWM %d", n)
		}
		s.opts.recvHWM = n
		s.hwmChanged()
		return nil
	}
}

// Linger sets ZMQ_LINGER, how long Close (and Disconnect) waits for queued
// messages to be sent. Default -1: wait until they are sent, or until the
// peer has shown no sign of life for 30 seconds (see [Socket.Close]); 0:
// drop them.
func Linger(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			d = -1
		}
		s.opts.linger = d
		return nil
	}
}

// RoutingID sets ZMQ_ROUTING_ID (ZMQ_IDENTITY), the identity a REQ, DEALER
// or ROUTER socket announces to ROUTER peers: 1 to 255 bytes. Default none.
func RoutingID(id []byte) Option {
	return func(s *Socket) error {
		if len(id) == 0 || len(id) > 255 {
			return invalid("routing id of %d bytes", len(id))
		}
		s.opts.routingID = append([]byte(nil), id...)
		return nil
	}
}

// Metadata adds a property to those the socket sends its peers in every
// handshake, as libzmq's ZMQ_METADATA does with "name:value": the peer
// reads it from each message as [Msg.Property] does (zmq_msg_gets in C).
// The name must begin with "X-" (the properties ZMTP defines are the
// socket's own) and be at most 255 letters, digits and "-_.+"; the same
// name given twice keeps the last value.
func Metadata(name, value string) Option {
	return func(s *Socket) error {
		if len(name) <= 2 || len(name) > 255 || !strings.EqualFold(name[:2], "X-") || !zmtp.ValidName(name) {
			return invalid("metadata name %q: want X- and up to 253 letters, digits or -_.+", name)
		}
		md := make(zmtp.Metadata, 0, len(s.opts.metadata)+1)
		for _, p := range s.opts.metadata {
			if !strings.EqualFold(p.Name, name) {
				md = append(md, p)
			}
		}
		s.opts.metadata = append(md, zmtp.Property{Name: name, Value: []byte(value)})
		return nil
	}
}

// ConnectRoutingID sets ZMQ_CONNECT_ROUTING_ID: the routing id a ROUTER or
// STREAM socket gives the peer of its next Connect.
func ConnectRoutingID(id []byte) Option {
	set := forTypes("ConnectRoutingID", func(o *options) { o.connectRoutingID = append([]byte(nil), id...) }, Router, Stream)
	return func(s *Socket) error {
		if len(id) == 0 || len(id) > 255 {
			return invalid("connect routing id of %d bytes", len(id))
		}
		return set(s)
	}
}

// ReconnectInterval sets ZMQ_RECONNECT_IVL, the wait before reconnecting a
// lost or failed connection, plus a random jitter of up to the same again
// when ReconnectIntervalMax is not set. Default 100ms; negative disables
// reconnection.
func ReconnectInterval(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			d = -1
		}
		s.opts.reconnectIvl = d
		return nil
	}
}

// ReconnectIntervalMax sets ZMQ_RECONNECT_IVL_MAX: when larger than
// ReconnectInterval, each failed attempt doubles the wait up to this cap.
// Default 0 (no backoff).
func ReconnectIntervalMax(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			return invalid("ReconnectIntervalMax %v", d)
		}
		s.opts.reconnectIvlMax = d
		return nil
	}
}

// HandshakeInterval sets ZMQ_HANDSHAKE_IVL, the time a new connection has
// to complete the ZMTP handshake. Default 30s; 0 means no limit.
func HandshakeInterval(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			return invalid("HandshakeInterval %v", d)
		}
		s.opts.handshakeIvl = d
		return nil
	}
}

// ConnectTimeout sets ZMQ_CONNECT_TIMEOUT, the limit on one TCP connection
// attempt. Default 0: the operating system's.
func ConnectTimeout(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			return invalid("ConnectTimeout %v", d)
		}
		s.opts.connectTimeout = d
		return nil
	}
}

// MaxMsgSize sets ZMQ_MAXMSGSIZE: a peer that sends a frame larger than n
// bytes is disconnected. Default -1: no limit but the 2^48-1 bytes (2^31-1
// on 32-bit platforms) a frame can have in memory. On a PUB or XPUB this bounds
// subscriptions too, as in libzmq: a subscription or cancel arrives in a
// frame of the topic plus a few bytes (1 for a ZMTP 3.0 message, 10 for a
// SUBSCRIBE command, 7 for CANCEL), and one larger than n disconnects the
// subscriber before it reaches the socket.
func MaxMsgSize(n int64) Option {
	return func(s *Socket) error {
		if n < 0 {
			n = -1
		}
		s.opts.maxMsgSize = n
		return nil
	}
}

// Backlog sets ZMQ_BACKLOG, the listen queue length of tcp and ipc endpoints
// bound afterwards: how many connections the kernel completes and holds
// until the socket accepts them. Default 100; 0 keeps Go's default, the
// system's maximum (libzmq passes 0 to listen(2) as it is).
//
// Go's listeners always ask for the system's maximum; the socket then sets
// the backlog by calling listen(2) again on the listening socket. Linux and
// the BSDs (Darwin included) take that as the new backlog, capped by their
// own maximum (net.core.somaxconn on Linux, kern.ipc.somaxconn on Darwin).
// On other systems, Windows among them, listen(2) cannot change it and the
// listener keeps the system's maximum.
func Backlog(n int) Option {
	return func(s *Socket) error {
		if n < 0 {
			return invalid("Backlog %d", n)
		}
		s.opts.backlog = n
		return nil
	}
}

// Immediate sets ZMQ_IMMEDIATE: when true, messages are queued only to
// completed connections, and a connected endpoint gets no queue until its
// connection is up. Default false.
func Immediate(on bool) Option { return func(s *Socket) error { s.opts.immediate = on; return nil } }

// Conflate sets ZMQ_CONFLATE: keep only the last inbound and outbound
// message. For PUSH, PULL, PUB, SUB and DEALER; single-part messages only.
// Default false.
func Conflate(on bool) Option {
	return forTypes("Conflate", func(o *options) { o.conflate = on }, Push, Pull, Pub, Sub, Dealer)
}

// IPv6 sets ZMQ_IPV6: tcp endpoints may use IPv6, and "*" binds both
// families. Default false.
func IPv6(on bool) Option { return func(s *Socket) error { s.opts.ipv6 = on; return nil } }

// TCPKeepalive sets ZMQ_TCP_KEEPALIVE: -1 leaves the system default, 0
// disables, 1 enables SO_KEEPALIVE. Default -1.
func TCPKeepalive(v int) Option {
	return func(s *Socket) error {
		if v < -1 || v > 1 {
			return invalid("TCPKeepalive %d", v)
		}
		s.opts.tcpKeepalive = v
		return nil
	}
}

// TCPKeepaliveCount sets ZMQ_TCP_KEEPALIVE_CNT. Default -1 (system).
func TCPKeepaliveCount(n int) Option {
	return func(s *Socket) error { s.opts.tcpKeepaliveCnt = max(n, -1); return nil }
}

// TCPKeepaliveIdle sets ZMQ_TCP_KEEPALIVE_IDLE in seconds. Default -1
// (system).
func TCPKeepaliveIdle(sec int) Option {
	return func(s *Socket) error { s.opts.tcpKeepaliveIdle = max(sec, -1); return nil }
}

// TCPKeepaliveInterval sets ZMQ_TCP_KEEPALIVE_INTVL in seconds. Default -1
// (system).
func TCPKeepaliveInterval(sec int) Option {
	return func(s *Socket) error { s.opts.tcpKeepaliveIntvl = max(sec, -1); return nil }
}

// RouterMandatory sets ZMQ_ROUTER_MANDATORY: a ROUTER returns
// [ErrHostUnreachable] for a message to an unknown routing id, and blocks
// (or returns [ErrWouldBlock]) when that peer's queue is full, instead of
// dropping silently. Default false.
func RouterMandatory(on bool) Option {
	return forTypes("RouterMandatory", func(o *options) { o.routerMandatory = on }, Router)
}

// RouterHandover sets ZMQ_ROUTER_HANDOVER: a new connection announcing a
// routing id already in use takes it over instead of being refused.
// Default false.
func RouterHandover(on bool) Option {
	return forTypes("RouterHandover", func(o *options) { o.routerHandover = on }, Router)
}

// ProbeRouter sets ZMQ_PROBE_ROUTER: send an empty message to each new
// peer as soon as it connects, so a ROUTER learns its routing id. For
// ROUTER, DEALER and REQ. Default false.
func ProbeRouter(on bool) Option {
	return forTypes("ProbeRouter", func(o *options) { o.probeRouter = on }, Router, Dealer, Req)
}

// ReqCorrelate sets ZMQ_REQ_CORRELATE: a REQ socket prefixes each request
// with a request id and accepts only the matching reply. Default false.
func ReqCorrelate(on bool) Option {
	return forTypes("ReqCorrelate", func(o *options) { o.reqCorrelate = on }, Req)
}

// ReqRelaxed sets ZMQ_REQ_RELAXED: a REQ socket may send a new request
// before the previous reply arrived; that reply is then ignored. Use it with
// ReqCorrelate. Default false.
func ReqRelaxed(on bool) Option {
	return forTypes("ReqRelaxed", func(o *options) { o.reqRelaxed = on }, Req)
}

// XPubVerbose sets ZMQ_XPUB_VERBOSE: an XPUB passes every subscription to
// the application, not only the first for each topic. Default false.
func XPubVerbose(on bool) Option {
	return forTypes("XPubVerbose", func(o *options) { o.xpubVerbose = on }, XPub)
}

// XPubVerboser sets ZMQ_XPUB_VERBOSER: like XPubVerbose, and every
// unsubscription too. Default false.
func XPubVerboser(on bool) Option {
	return forTypes("XPubVerboser", func(o *options) { o.xpubVerboser = on }, XPub)
}

// XPubNoDrop sets ZMQ_XPUB_NODROP: a PUB or XPUB blocks (or returns
// [ErrWouldBlock]) when a matching subscriber's queue is full instead of
// dropping the message for it. Default false.
func XPubNoDrop(on bool) Option {
	return forTypes("XPubNoDrop", func(o *options) { o.xpubNoDrop = on }, XPub, Pub)
}

// XPubManual sets ZMQ_XPUB_MANUAL: subscriptions are passed to the
// application and not applied; it applies them with [Socket.Subscribe] and
// [Socket.Unsubscribe], which act on the peer of the last subscription
// received. Default false.
func XPubManual(on bool) Option {
	return forTypes("XPubManual", func(o *options) { o.xpubManual = on }, XPub)
}

// XPubWelcomeMsg sets ZMQ_XPUB_WELCOME_MSG: a message sent to each new
// subscriber when it connects. Default none.
func XPubWelcomeMsg(msg []byte) Option {
	return forTypes("XPubWelcomeMsg", func(o *options) {
		o.xpubWelcome = nil
		if msg != nil {
			o.xpubWelcome = append([]byte{}, msg...)
		}
	}, XPub)
}

// InvertMatching sets ZMQ_INVERT_MATCHING: a PUB or XPUB sends each message
// to the subscribers that do not match it, and a SUB receives the messages
// that match none of its subscriptions. Default false.
func InvertMatching(on bool) Option {
	return forTypes("InvertMatching", func(o *options) { o.invertMatching = on }, Pub, XPub, Sub)
}

// StreamNotify sets ZMQ_STREAM_NOTIFY: a STREAM socket delivers an empty
// message when a peer connects or disconnects. Default true.
func StreamNotify(on bool) Option {
	return forTypes("StreamNotify", func(o *options) { o.streamNotify = on }, Stream)
}

// Subscribe sets ZMQ_SUBSCRIBE at creation: a SUB socket receives messages
// whose first frame begins with prefix. An empty prefix matches everything.
// See also [Socket.Subscribe], which tells how long a prefix may be.
func Subscribe(prefix []byte) Option {
	return func(s *Socket) error { return s.subscribe(prefix, true) }
}
