// Package zmq implements ZeroMQ sockets and the ZMTP 3.1 wire protocol in
// pure Go, with no cgo. Its sockets talk to libzmq, pyzmq, JeroMQ and every
// other ZeroMQ peer over tcp and ipc, and to each other over inproc.
//
// A server:
//
//	rep, _ := zmq.NewSocket(zmq.Rep)
//	defer rep.Close()
//	rep.Bind("tcp://*:5555")
//	request, _ := rep.Recv(ctx)
//	fmt.Println(request)
//	rep.Send(ctx, zmq.NewMsgString("World"))
//
// and a client:
//
//	req, _ := zmq.NewSocket(zmq.Req)
//	defer req.Close()
//	req.Connect("tcp://localhost:5555")
//	req.Send(ctx, zmq.NewMsgString("Hello"))
//	reply, _ := req.Recv(ctx)
//	fmt.Println(reply)
//
// # Socket types
//
//	Type    Peers            Send                          Receive
//	PAIR    PAIR             to its one peer               from its one peer       (RFC 31)
//	PUB     SUB, XSUB        to matching subscribers       -                       (RFC 29)
//	SUB     PUB, XPUB        -                             fair-queued, filtered   (RFC 29)
//	XPUB    SUB, XSUB        as PUB                        subscriptions           (RFC 29)
//	XSUB    PUB, XPUB        subscriptions, to all         fair-queued             (RFC 29)
//	REQ     REP, ROUTER      round-robin, then wait        the reply               (RFC 28)
//	REP     REQ, DEALER      the reply, to the requester   fair-queued requests    (RFC 28)
//	DEALER  REP, DEALER,     round-robin                   fair-queued             (RFC 28)
//	        ROUTER
//	ROUTER  REQ, DEALER,     by routing id (first frame)   fair-queued, id first   (RFC 28)
//	        ROUTER
//	PUSH    PULL             round-robin                   -                       (RFC 30)
//	PULL    PUSH             -                             fair-queued             (RFC 30)
//	STREAM  raw TCP          [id][data] to that peer       [id][data]              (libzmq)
//
// # Choosing a pattern
//
// Start from what the messages are for:
//
//   - A question that needs its answer: REQ and REP (the package
//     example). REQ waits for each reply, so one lost message stalls it; a
//     client that must survive a dead server closes and reopens its socket
//     after a timeout (the zguide's Lazy Pirate, examples/lpclient). A
//     server that answers many clients at once, or out of order, is a
//     ROUTER; a client with several requests in flight is a DEALER
//     (example dealerRep).
//   - Data for whoever is interested: PUB and SUB (example pubSub).
//     Subscribers filter by prefix; the publisher never blocks, and drops
//     what a slow or not yet connected subscriber cannot take. When the
//     publisher must see subscriptions come and go (a last-value cache, a
//     forwarder), use XPUB and XSUB (example xsubXpub).
//   - Work to share out: PUSH and PULL ([Socket.Send]). Each message goes
//     to one worker, round-robin; workers push results to a sink. Nothing
//     is dropped: a PUSH with every worker full blocks.
//   - Routing by name, brokers and asynchronous servers: ROUTER, which
//     knows each peer by its routing id (example router), with DEALER
//     peers or workers.
//   - Two goroutines or two processes that only talk to each other: PAIR
//     (example pair).
//   - Peers that do not speak ZeroMQ (raw TCP, HTTP): STREAM
//     (example stream).
//
// The zguide (https://zguide.zeromq.org) tells each pattern's story, and
// examples/ holds its programs in Go.
//
// # From hello world to a broker
//
// The client and server above talk directly: the client must know the
// server's address, and one server answers everyone. A broker in between
// lets clients and servers come and go: clients connect REQ sockets to a
// ROUTER, workers connect REP sockets to a DEALER, and [Device] (or
// [Proxy]) passes each request to a worker in turn and each reply back to
// the client it came from, the ROUTER's routing id finding the way (the
// example of [Device]). Bind the broker's two sockets on well-known
// endpoints and every client and worker connects to them: neither needs
// to know of the other. From there the zguide's examples add reliability step by step:
// a client that retries (examples/lpclient), a queue that knows its
// workers are ready (examples/lbbroker, examples/spqueue), heartbeats
// between queue and workers (examples/ppqueue), and a service-oriented
// broker (examples/mdbroker, the Majordomo protocol).
//
// # Endpoints
//
// A socket may bind and connect to many endpoints at once:
//
//	tcp://*:5555           all IPv4 interfaces (all interfaces with the IPv6 option)
//	tcp://127.0.0.1:*      an ephemeral port; LastEndpoint tells which
//	tcp://eth0:5555        an interface's address
//	tcp://[::1]:5555       IPv6
//	tcp://host:5555        connect by name
//	tcp://10.0.0.2:0;host:5555  connect from a source address (and port; 0 or * for any)
//	ipc:///tmp/feed.ipc    a Unix domain socket; ipc://* picks a fresh path
//	ipc://@feed            a Linux abstract socket
//	inproc://workers       within one Context; connect may come before bind
//
// Connect returns at once: the socket connects in the background and again
// after every loss, every ReconnectInterval. Messages sent meanwhile are
// queued (up to SendHWM) unless Immediate is set. [SocksProxy] sends tcp
// connects through a SOCKS5 proxy; [SendBuffer], [RecvBuffer], [TOS],
// [TCPMaxRT] and [BindToDevice] tune the tcp sockets themselves.
//
// # Messages
//
// A [Msg] is a list of frames sent and delivered whole. After a successful
// Send the frames' bytes must not be modified: inproc peers receive the sent
// slices themselves, and tcp and ipc copy small frames into the connection's
// write buffer but write large ones (32 KiB and more) from the caller's
// memory. The Msg value itself may be reused at once.
//
// Received frames may point into a receive buffer shared with other
// messages. A message received with [Socket.RecvMsg] holds a reference to
// it that [Msg.Release] hands back for reuse; RecvMsg does it for the
// previous message it filled, so a receive loop need not allocate. A
// message that is never released, or comes from [Socket.Recv], is left to
// the garbage collector, and it keeps the (64 KiB) buffer it points into
// alive. Copies of a Msg value share its frames and references: releasing
// any one copy releases them once for all (see [Msg]). A received message
// may be sent on (as a proxy does) and then released or received into
// again: the socket keeps its own hold on what it still needs.
//
// # High-water marks and blocking
//
// Each peer has a queue of at most SendHWM outbound and RecvHWM inbound
// messages (1000 by default; an inproc pair shares their sum, as in libzmq).
// When every eligible peer is full, Send blocks on PUSH, DEALER, REQ and PAIR,
// drops the message for that peer on PUB and XPUB (unless XPubNoDrop), and
// drops it on ROUTER (unless RouterMandatory). [Socket.TrySend] and
// [Socket.TryRecv] never block: they return [ErrWouldBlock] (EAGAIN).
//
// # How messages move
//
// Each tcp or ipc connection has a writer goroutine that sends everything
// queued since its last write in one system call, and a reader goroutine
// that decodes large reads into the inbound queue, no further than RecvHWM.
// A receive that finds the socket empty first reads what the kernel already
// holds itself (on Unix); while such reads keep finding messages, the reader
// goroutine stands aside, so a receiver that keeps up with a stream reads it
// without a hand-off per batch. Over inproc a sender hands its messages over
// in batches, at the latest when the receiver asks for them. None of this
// changes what is delivered or how many messages a pipe holds. BENCHMARKS.md
// has the measurements, and what GOMAXPROCS and timer slack do to them.
//
// # Cancellation and deadlines
//
// Send and Recv take a [context.Context]: its cancellation or deadline ends a
// blocked call with the context's error. A context that is already done does
// not stop a call that need not block.
//
// # Concurrency
//
// A [Socket] is safe for concurrent use by multiple goroutines (libzmq's
// sockets are not): every Send and Recv moves one whole message. Close waits
// until queued messages are sent, at most Linger, and returns when every
// goroutine of the socket has ended; with the default Linger it gives up on
// a peer that shows no sign of life for 30 seconds (libzmq's zmq_close
// returns at once and its zmq_ctx_term can wait forever; see
// [Socket.Close]).
// [Context.Term] closes every socket of a context and ends blocked calls with
// [ErrTerminated].
//
// # Connection health and events
//
// A connection that breaks is noticed when the operating system says so.
// A peer that freezes, or a network that silently drops everything, is
// noticed only with heartbeats: [HeartbeatInterval] sends a ZMTP PING that
// often, and a peer that sends nothing within [HeartbeatTimeout] is
// disconnected; [HeartbeatTTL] asks the peer to do the same. A connecting
// socket then reconnects. A peer that breaks the protocol, or refuses our
// credentials, is not reconnected to (libzmq's rule); network errors always
// are. [ReconnectStop] adds libzmq's other conditions for giving up.
//
// [Socket.Monitor] reports every libzmq event (LISTENING, ACCEPTED,
// CONNECTED, HANDSHAKE_SUCCEEDED, DISCONNECTED, ...) with its endpoint and
// cause on a channel; a consumer that falls behind loses events, counted,
// and never slows the socket. [Socket.MonitorTo] sends them in libzmq's
// two-frame form to a PAIR socket, for code ported from C. Connections the
// socket ends itself (Close, Unbind, Disconnect) are not reported as
// DISCONNECTED.
//
// # Errors
//
// Errors are the sentinels of errors.go, each matching a libzmq errno
// (ErrWouldBlock is EAGAIN, ErrState is EFSM, ...), possibly wrapped in an
// [*OpError] naming the operation and endpoint and keeping the operating
// system's error as well: after a failed Bind both errors.Is(err,
// [ErrAddrInUse]) and errors.Is(err, syscall.EADDRINUSE) hold. Why a
// connection ended, as events report it, is a [*ProtocolError] (with
// libzmq's protocol error code), a [*TimeoutError] (the handshake or
// heartbeats timed out), an [*AuthError] (the peer refused us with a ZAP
// status code), or the network error itself.
//
// # Compatibility
//
// The wire protocol is ZMTP 3.1 (RFC 37) with the NULL, PLAIN (RFC 24; see
// [PlainServer]) or CURVE mechanism (RFC 25 and 26, byte for byte as libzmq
// speaks it; see [CurveServer] and [CurveServerKey]), and [ZAPEndpoint] for
// authentication; ZMTP 3.0
// (RFC 23) and ZMTP 2.0 (RFC 15) peers are served too, and get their
// subscriptions as messages. A peer whose first byte cannot start a ZMTP 2.0
// or later greeting (ZMTP 1.0, or not ZMTP at all) is refused at once.
// Interoperation is tested in both directions against libzmq 4.3.4 (tcp and
// ipc), pyzmq and JeroMQ 0.3 (tcp). RELIABILITY.md lists what is promised
// when networks and peers misbehave, and the tests that show it.
//
// # Devices
//
// [Proxy] connects a frontend socket to a backend socket as libzmq's
// zmq_proxy does, [ProxySteerable] adds libzmq's control socket, and a
// [SteerableProxy] is paused, resumed, terminated and asked for its
// statistics from Go. [Device] runs the three classic devices, [Queue]
// (ROUTER to DEALER), [Forwarder] (XSUB to XPUB) and [Streamer] (PULL to
// PUSH), after checking the sockets' types.
//
// # Polling
//
// A [Poller] waits on many sockets at once, as libzmq's zmq_poller does:
// [Poller.Wait] and [Poller.Poll] return the sockets on which a Recv
// ([PollIn]) or a Send ([PollOut]) would not block, on every transport,
// and [Poller.Ready] gives a channel to select on beside others. A
// goroutine per socket, each blocked in Recv, is the other Go way.
//
// # Coming from libzmq
//
// PORTING.md in the repository maps each libzmq, pyzmq and pebbe/zmq4
// call to its counterpart here: options are values ([SendHWM]) and read
// back with [Socket.Options]; a multipart message is one [Msg]; blocking
// calls take a context, with [SendTimeout] and [RecvTimeout] for ported
// code; libzmq's errno values are error values ([ErrWouldBlock] is
// EAGAIN).
//
// # Limitations
//
// Not yet implemented: the pgm/epgm multicast
// transports, ZMTP 1.0 peers, and libzmq's draft socket types (SERVER,
// CLIENT, RADIO, DISH, ...). A CURVE socket without its secret key (or a
// client without the server's key) fails its handshakes with
// ZMTP_CRYPTOGRAPHIC rather than go on, as libzmq would, with an all-zero
// key. An explicit IPv6 address works without the
// IPv6 option (libzmq requires it); the option still decides what "*" and
// host names resolve to.
package zmq
