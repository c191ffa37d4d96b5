package zmq

import (
	"slices"
	"time"
)

// SocketOptions is a snapshot of a socket's options, what libzmq's
// zmq_getsockopt reads one at a time. Each field is named after the
// [Option] that sets it (and so after a libzmq option), and holds libzmq's
// default until that option is set. Slices are copies.
type SocketOptions struct {
	Type Type // ZMQ_TYPE

	SendHWM, RecvHWM            int           // ZMQ_SNDHWM, ZMQ_RCVHWM
	SendTimeout, RecvTimeout    time.Duration // ZMQ_SNDTIMEO, ZMQ_RCVTIMEO; -1: none
	Linger                      time.Duration // ZMQ_LINGER; -1: forever
	RoutingID                   []byte        // ZMQ_ROUTING_ID
	Metadata                    map[string]string
	ReconnectInterval           time.Duration // ZMQ_RECONNECT_IVL; -1: never
	ReconnectIntervalMax        time.Duration // ZMQ_RECONNECT_IVL_MAX
	ReconnectStop               ReconnectStopFlags
	HandshakeInterval           time.Duration // ZMQ_HANDSHAKE_IVL
	ConnectTimeout              time.Duration // ZMQ_CONNECT_TIMEOUT
	MaxMsgSize                  int64         // ZMQ_MAXMSGSIZE; -1: none
	Backlog                     int           // ZMQ_BACKLOG
	Immediate, Conflate, IPv6   bool          // ZMQ_IMMEDIATE, ZMQ_CONFLATE, ZMQ_IPV6
	TCPKeepalive                int           // ZMQ_TCP_KEEPALIVE; -1: the system's
	TCPKeepaliveCount           int           // ZMQ_TCP_KEEPALIVE_CNT
	TCPKeepaliveIdle            int           // ZMQ_TCP_KEEPALIVE_IDLE, seconds
	TCPKeepaliveInterval        int           // ZMQ_TCP_KEEPALIVE_INTVL, seconds
	RouterMandatory             bool          // ZMQ_ROUTER_MANDATORY
	RouterHandover, ProbeRouter bool          // ZMQ_ROUTER_HANDOVER, ZMQ_PROBE_ROUTER
	ReqCorrelate, ReqRelaxed    bool          // ZMQ_REQ_CORRELATE, ZMQ_REQ_RELAXED
	XPubVerbose, XPubVerboser   bool          // ZMQ_XPUB_VERBOSE, ZMQ_XPUB_VERBOSER
	XPubNoDrop, XPubManual      bool          // ZMQ_XPUB_NODROP, ZMQ_XPUB_MANUAL
	XPubWelcomeMsg              []byte        // ZMQ_XPUB_WELCOME_MSG
	InvertMatching              bool          // ZMQ_INVERT_MATCHING
	StreamNotify                bool          // ZMQ_STREAM_NOTIFY
	HeartbeatInterval           time.Duration // ZMQ_HEARTBEAT_IVL; 0: none
	HeartbeatTimeout            time.Duration // ZMQ_HEARTBEAT_TIMEOUT; -1: the interval
	HeartbeatTTL                time.Duration // ZMQ_HEARTBEAT_TTL
	SendBuffer, RecvBuffer      int           // ZMQ_SNDBUF, ZMQ_RCVBUF; -1: the system's
	TOS                         int           // ZMQ_TOS
	TCPMaxRT                    time.Duration // ZMQ_TCP_MAXRT
	BindToDevice                string        // ZMQ_BINDTODEVICE
	SocksProxy                  string        // ZMQ_SOCKS_PROXY
	SocksUsername               string        // ZMQ_SOCKS_USERNAME
	SocksPassword               string        // ZMQ_SOCKS_PASSWORD

	Mechanism        Mechanism // ZMQ_MECHANISM
	PlainServer      bool      // ZMQ_PLAIN_SERVER
	PlainUsername    string    // ZMQ_PLAIN_USERNAME
	PlainPassword    string    // ZMQ_PLAIN_PASSWORD
	ZAPDomain        string    // ZMQ_ZAP_DOMAIN
	ZAPEnforceDomain bool      // ZMQ_ZAP_ENFORCE_DOMAIN
	CurveServer      bool      // ZMQ_CURVE_SERVER
	CurvePublic      CurvePublicKey
	CurveServerKey   CurvePublicKey
	CurveSecret      *CurveSecretKey // the key given to CurveSecret, or nil
}

// Options returns a snapshot of the socket's options. It works on a closed
// socket too.
func (s *Socket) Options() SocketOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.opts
	out := SocketOptions{
		Type:                 s.typ,
		SendHWM:              o.sendHWM,
		RecvHWM:              o.recvHWM,
		SendTimeout:          o.sendTimeout,
		RecvTimeout:          o.recvTimeout,
		Linger:               o.linger,
		RoutingID:            slices.Clone(o.routingID),
		ReconnectInterval:    o.reconnectIvl,
		ReconnectIntervalMax: o.reconnectIvlMax,
		ReconnectStop:        o.reconnectStop,
		HandshakeInterval:    o.handshakeIvl,
		ConnectTimeout:       o.connectTimeout,
		MaxMsgSize:           o.maxMsgSize,
		Backlog:              o.backlog,
		Immediate:            o.immediate,
		Conflate:             o.conflate,
		IPv6:                 o.ipv6,
		TCPKeepalive:         o.tcpKeepalive,
		TCPKeepaliveCount:    o.tcpKeepaliveCnt,
		TCPKeepaliveIdle:     o.tcpKeepaliveIdle,
		TCPKeepaliveInterval: o.tcpKeepaliveIntvl,
		RouterMandatory:      o.routerMandatory,
		RouterHandover:       o.routerHandover,
		ProbeRouter:          o.probeRouter,
		ReqCorrelate:         o.reqCorrelate,
		ReqRelaxed:           o.reqRelaxed,
		XPubVerbose:          o.xpubVerbose,
		XPubVerboser:         o.xpubVerboser,
		XPubNoDrop:           o.xpubNoDrop,
		XPubManual:           o.xpubManual,
		XPubWelcomeMsg:       slices.Clone(o.xpubWelcome),
		InvertMatching:       o.invertMatching,
		StreamNotify:         o.streamNotify,
		HeartbeatInterval:    o.heartbeatIvl,
		HeartbeatTimeout:     o.heartbeatTimeout,
		HeartbeatTTL:         o.heartbeatTTL,
		SendBuffer:           o.sock.SendBuffer.Bytes(),
		RecvBuffer:           o.sock.RecvBuffer.Bytes(),
		TOS:                  o.sock.TOS,
		TCPMaxRT:             o.sock.MaxRT,
		BindToDevice:         o.sock.Device,
		SocksProxy:           o.socks,
		SocksUsername:        o.socksUser,
		SocksPassword:        o.socksPass,
		Mechanism:            o.mechanism,
		PlainServer:          o.mechanism == MechanismPlain && o.asServer,
		PlainUsername:        o.plainUsername,
		PlainPassword:        o.plainPassword,
		ZAPDomain:            o.zapDomain,
		ZAPEnforceDomain:     o.zapEnforceDomain,
		CurveServer:          o.mechanism == MechanismCurve && o.asServer,
		CurvePublic:          o.curvePublic,
		CurveServerKey:       o.curveServerKey,
		CurveSecret:          o.curveSecret,
	}
	if len(o.metadata) > 0 {
		out.Metadata = make(map[string]string, len(o.metadata))
		for _, p := range o.metadata {
			out.Metadata[p.Name] = string(p.Value)
		}
	}
	return out
}
