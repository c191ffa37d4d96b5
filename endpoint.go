package zmq

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
)

// An endpoint is one Bind or Connect of a socket.
type endpoint struct {
	s      *Socket
	name   string // the key: resolved for binds, as given for connects
	bind   bool
	te     transport.Endpoint
	stream transport.Stream // nil for inproc
	ln     net.Listener
	inproc *inprocListener // a bound inproc endpoint

	// persistent is the pipe of a connect endpoint that outlives its
	// connections (ZMQ_IMMEDIATE off), so messages queue while the peer is
	// away and survive reconnection.
	persistent *peerPipe
	connectRID []byte // ZMQ_CONNECT_ROUTING_ID for the connection's peer

	established atomic.Bool // a connection completed its handshake
	lastConn    time.Time   // when the last connection ended; guarded by the socket's mutex

	ctx    context.Context // cancelled to stop accepting or dialling
	cancel context.CancelFunc

	mu       sync.Mutex
	engines  map[*engine]struct{}
	stopped  bool
	draining bool // stopped, but a new connection may still flush the queue
}

func (s *Socket) newEndpoint(name string, te transport.Endpoint, bind bool) *endpoint {
	ctx, cancel := context.WithCancel(context.Background())
	return &endpoint{s: s, name: name, te: te, bind: bind, ctx: ctx, cancel: cancel, engines: make(map[*engine]struct{})}
}

// addEngine registers a live connection; false if the endpoint is stopped.
func (ep *endpoint) addEngine(e *engine) bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.stopped && !ep.draining {
		return false
	}
	if ep.draining {
		e.startLinger()
	}
	ep.engines[e] = struct{}{}
	return true
}

func (ep *endpoint) removeEngine(e *engine) {
	ep.mu.Lock()
	delete(ep.engines, e)
	ep.mu.Unlock()
}

// stop ends accepting or dialling and closes the endpoint's connections:
// at once, or (linger) after flushing what is queued.
func (ep *endpoint) stop(linger bool) {
	drain := linger && ep.persistent != nil && ep.s.pending(ep.persistent)
	ep.mu.Lock()
	first := !ep.stopped
	ep.stopped = true
	ep.draining = drain
	engines := make([]*engine, 0, len(ep.engines))
	for e := range ep.engines {
		engines = append(engines, e)
	}
	ep.mu.Unlock()
	if ep.ln != nil && first {
		fd := connFD(ep.ln)
		if err := ep.ln.Close(); err != nil {
			ep.s.emit(EventCloseFailed, ep.name, errnoOf(err), err)
		} else {
			ep.s.emit(EventClosed, ep.name, fd, nil)
		}
	}
	if !drain {
		ep.cancel()
	}
	for _, e := range engines {
		if linger {
			e.linger()
		} else {
			e.close()
		}
	}
}

// pending reports whether p has queued data not yet handed to a connection.
func (s *Socket) pending(p *peerPipe) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.undeliveredLocked(p)
}

// undeliveredLocked reports whether p holds messages not yet handed to a
// connection that a closing socket should wait to deliver. A SUB's queue
// holds only its subscriptions, of no use to a publisher it has not
// reached: its Close does not wait for them (nor does libzmq's). s.mu is
// held.
func (s *Socket) undeliveredLocked(p *peerPipe) bool {
	return s.typ != Sub && !p.gone && p.out.pending()
}

func (ep *endpoint) isStopped() bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.stopped
}

// mapNetError joins an operating-system or transport error to the matching
// sentinel, keeping it as the cause: both match with errors.Is.
func mapNetError(err error) error {
	var sentinel error
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		sentinel = ErrAddrInUse
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, transport.ErrNoAddress):
		sentinel = ErrAddrNotAvailable
	case errors.Is(err, transport.ErrSyntax):
		sentinel = ErrInvalid
	case errors.Is(err, transport.ErrScheme):
		sentinel = ErrProtocolNotSupported
	default:
		return err
	}
	return &causeError{sentinel: sentinel, cause: err}
}

// transportConfig gathers the options that shape listeners and
// connections. s.mu is held.
func (s *Socket) transportConfig() transport.Config {
	o := &s.opts
	return transport.Config{
		IPv6:           o.ipv6,
		Backlog:        o.backlog,
		ConnectTimeout: o.connectTimeout,
		Keepalive:      o.tcpKeepalive,
		KeepaliveIdle:  o.tcpKeepaliveIdle,
		KeepaliveIntvl: o.tcpKeepaliveIntvl,
		KeepaliveCnt:   o.tcpKeepaliveCnt,
		Sock:           o.sock,
		Socks:          o.socks,
		SocksUser:      o.socksUser,
		SocksPass:      o.socksPass,
	}
}

// Bind makes the socket accept connections on endpoint, such as
// "tcp://*:5555", "tcp://127.0.0.1:*", "ipc:///tmp/feed", "ipc://@name" or
// "inproc://workers". A socket may bind to many endpoints.
func (s *Socket) Bind(endpoint string) error {
	err := s.bind(endpoint)
	if err != nil {
		return &OpError{Op: "bind", Endpoint: endpoint, Err: err}
	}
	return nil
}

func (s *Socket) bind(name string) error {
	te, err := transport.Parse(name)
	if err != nil {
		return mapNetError(err)
	}
	st, ok := transport.StreamFor(te.Scheme)
	if !ok {
		// inproc joins sockets of one context without a connection.
		if s.typ == Stream {
			return ErrIncompatibleProtocol
		}
		return s.bindInproc(te)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	ln, addr, err := st.Listen(te.Addr, s.transportConfig())
	if err != nil {
		s.emit(EventBindFailed, name, errnoOf(err), err)
		return mapNetError(err)
	}
	resolved := te.Scheme + "://" + addr
	s.emit(EventListening, resolved, connFD(ln), nil)
	ep := s.newEndpoint(resolved, transport.Endpoint{Scheme: te.Scheme, Addr: addr}, true)
	ep.ln, ep.stream = ln, st
	s.endpoints[resolved] = append(s.endpoints[resolved], ep)
	s.lastEP, s.lastAddr = resolved, ln.Addr()
	s.wg.Add(1)
	go s.acceptLoop(ep)
	return nil
}

// Connect makes the socket connect to endpoint, now and again whenever the
// connection is lost. It succeeds without a peer being there: the socket
// keeps trying every ReconnectInterval. A socket may connect to many
// endpoints.
func (s *Socket) Connect(endpoint string) error {
	err := s.connect(endpoint)
	if err != nil {
		return &OpError{Op: "connect", Endpoint: endpoint, Err: err}
	}
	return nil
}

func (s *Socket) connect(name string) error {
	te, err := transport.Parse(name)
	if err != nil {
		return mapNetError(err)
	}
	st, isStream := transport.StreamFor(te.Scheme)
	if isStream {
		if err := st.CheckDial(te.Addr); err != nil {
			return mapNetError(err)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	// DEALER, SUB, PUB and REQ ignore a second connect to the same endpoint.
	if len(s.endpoints[name]) > 0 && !s.endpoints[name][0].bind {
		switch s.typ {
		case Dealer, Sub, Pub, Req:
			s.mu.Unlock()
			return nil
		}
	}
	if !isStream {
		s.mu.Unlock()
		if s.typ == Stream {
			return ErrIncompatibleProtocol
		}
		return s.connectInproc(te)
	}
	defer s.mu.Unlock()
	ep := s.newEndpoint(name, te, false)
	ep.stream = st
	ep.connectRID, s.opts.connectRoutingID = s.opts.connectRoutingID, nil
	if !s.opts.immediate && s.typ != Router && s.typ != Stream {
		ep.persistent = s.newStreamPipe(ep)
		s.attachPipe(ep.persistent)
	}
	s.endpoints[name] = append(s.endpoints[name], ep)
	s.lastEP, s.lastAddr = name, nil
	s.wg.Add(1)
	go s.connectLoop(ep)
	return nil
}

// Unbind stops accepting connections on an endpoint given as it was bound,
// or as LastEndpoint reported it after a wildcard bind, and closes the
// connections it accepted.
func (s *Socket) Unbind(endpoint string) error {
	if err := s.removeEndpoint(endpoint, true); err != nil {
		return &OpError{Op: "unbind", Endpoint: endpoint, Err: err}
	}
	return nil
}

// Disconnect stops connecting to an endpoint and closes its connection,
// after sending what is queued for it within Linger.
func (s *Socket) Disconnect(endpoint string) error {
	if err := s.removeEndpoint(endpoint, false); err != nil {
		return &OpError{Op: "disconnect", Endpoint: endpoint, Err: err}
	}
	return nil
}

func (s *Socket) removeEndpoint(name string, bind bool) error {
	if _, err := transport.Parse(name); err != nil {
		return mapNetError(err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	eps := s.endpoints[name]
	var keep, drop []*endpoint
	for _, ep := range eps {
		if ep.bind == bind {
			drop = append(drop, ep)
		} else {
			keep = append(keep, ep)
		}
	}
	if len(drop) == 0 {
		s.mu.Unlock()
		return ErrNoEndpoint
	}
	if len(keep) == 0 {
		delete(s.endpoints, name)
	} else {
		s.endpoints[name] = keep
	}
	var pipes []*peerPipe
	for _, ep := range drop {
		if ep.inproc != nil {
			s.ctx.unbindInproc(ep)
		}
		for p := range s.pipes {
			if p.ep == ep && p.eng == nil {
				pipes = append(pipes, p)
			}
		}
	}
	for _, p := range pipes {
		s.terminatePipe(p)
	}
	s.mu.Unlock()
	for _, ep := range drop {
		ep.stop(!bind)
	}
	return nil
}

// Accept failures (out of descriptors, say) pause the accept loop,
// doubling from minAcceptPause to maxAcceptPause, so that a process that
// has run out does not spin on them; connections already served go on.
const (
	minAcceptPause = 5 * time.Millisecond
	maxAcceptPause = time.Second
)

func (s *Socket) acceptLoop(ep *endpoint) {
	defer s.wg.Done()
	var pause time.Duration
	for {
		conn, err := ep.ln.Accept()
		if err != nil {
			if ep.isStopped() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.emit(EventAcceptFailed, ep.name, errnoOf(err), err)
			pause = min(max(2*pause, minAcceptPause), maxAcceptPause)
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-ep.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		pause = 0
		s.emitConn(EventAccepted, ep.name, conn, connFD(conn), nil)
		s.mu.Lock()
		cfg := s.transportConfig()
		s.mu.Unlock()
		ep.stream.Accepted(conn, cfg)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConnOf(conn, ep)
		}()
	}
}
