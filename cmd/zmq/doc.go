// Command zmq is ZeroMQ at the shell, in pure Go: it sends and receives
// messages on any socket type, runs the three classic devices, prints a
// socket's connection events and measures the transports. It speaks
// libzmq's wire protocol, so its peers may be libzmq, pyzmq, CZMQ's tools
// or any other ZeroMQ program.
//
//	zmq <subcommand> [flags] [arguments]
//
// Run it without installing it with go run ./cmd/zmq from the repository,
// or install it with go install github.com/zmq-go/zmq/cmd/zmq@latest.
//
// # Endpoints
//
// Endpoints are libzmq's: tcp://host:port (tcp://*:5555 and
// tcp://127.0.0.1:* to bind, a port the system picks) and ipc://path.
// As in CZMQ, a leading @ binds and a leading > connects; without either,
// send, recv and monitor connect and the devices bind. A shell takes a
// bare > for a redirection: quote it ('>tcp://host:5555'). Each endpoint
// argument may hold several endpoints separated by commas. inproc
// endpoints are refused: they reach only sockets of the same process.
//
// # zmq send and zmq recv
//
//	zmq send [flags] ENDPOINT...
//	zmq recv [flags] ENDPOINT...
//
// send reads messages from stdin and sends them (a PUSH socket by
// default); recv writes the messages it receives to stdout (a PULL socket
// by default). By default each line of stdin is a message of one frame,
// and each message received is printed on a line, its frames joined by a
// tab. Their flags:
//
//	-type TYPE        pair, pub, sub, req, rep, dealer, router, pull, push,
//	                  xpub, xsub or stream, in any case
//	-n COUNT          stop after COUNT messages (0, the default: no limit)
//	-sep STRING       a line is split into frames at STRING, and received
//	                  frames are joined with it; Go escapes (\t, \x01) work
//	-raw              stdin as a whole is one message (split at -sep if
//	                  given); each message received is written as its bytes,
//	                  with no newline
//	-subscribe PREFIX a SUB or XSUB receives messages beginning with PREFIX;
//	                  repeatable; a SUB given none receives everything
//	-identity ID      the routing id announced to ROUTER peers
//	-linger DURATION  at the end, wait at most this long for queued
//	                  messages to go out (default 5s; negative: as long as
//	                  the peer lives)
//	-timeout DURATION give up, with exit code 1, after waiting this long to
//	                  send or receive one message (default 0: wait forever)
//	-v                print the endpoints bound and the connection events
//	                  on stderr
//
// REQ and REP hold a dialogue under either subcommand: REQ sends each line
// of stdin as a request and prints the reply (-n counts replies); REP
// prints each request and answers it with the next line of stdin (-n
// counts answers), and ends when stdin has no answer left. At the end of
// stdin, send closes its socket, waiting up to -linger for queued messages
// to be delivered, and exits 0, or 1 if no peer ever connected (nothing
// can have been delivered then). A SUB or PULL cannot send and a PUB or
// PUSH cannot receive: such a -type is a usage error. A PUB drops what it
// sends before its subscribers have connected and subscribed, as in every
// ZeroMQ program.
//
// # zmq queue, zmq forwarder, zmq streamer
//
//	zmq queue [flags] FRONTEND BACKEND      ROUTER frontend, DEALER backend
//	zmq forwarder [flags] FRONTEND BACKEND  XSUB frontend, XPUB backend
//	zmq streamer [flags] FRONTEND BACKEND   PULL frontend, PUSH backend
//
// Each runs the device between its two sockets until SIGINT or SIGTERM
// (or -for), then exits 0. Both sides bind unless written >endpoint. The
// endpoints bound, with the ports the system picked, are printed on
// stderr, then the messages and bytes forwarded each way (from the
// proxy's statistics: a multipart message counts once), on a line
// refreshed in place when stderr is a terminal and otherwise on a line
// every -interval when they changed, and a last time at the end:
//
//	zmq queue: frontend->backend 2 msg 12 B, backend->frontend 2 msg 12 B
//
// Flags: -interval DURATION (default 1s), -for DURATION (default 0: until
// a signal), -linger DURATION (default 1s).
//
// # zmq monitor
//
//	zmq monitor -type TYPE [flags] ENDPOINT...
//
// monitor opens a socket of type TYPE, binds or connects it, and prints
// each of its events on stdout as it happens:
//
//	15:04:05.000000 EVENT ENDPOINT [peer=ADDRESS] [VALUE] [cause="..."]
//
// where EVENT is libzmq's name (LISTENING, ACCEPTED, CONNECTED,
// CONNECT_DELAYED, CONNECT_RETRIED, CLOSED, HANDSHAKE_SUCCEEDED,
// HANDSHAKE_FAILED_PROTOCOL, DISCONNECTED, ...) and VALUE is fd=, errno=,
// retry= (the reconnect interval), code= (a protocol error) or status= (a
// ZAP refusal). Messages the socket receives are discarded. Flags: -n
// COUNT (stop after COUNT events), -for DURATION, -events LIST (only
// these events, such as accepted,disconnected), -identity ID.
//
// # zmq bench
//
//	zmq bench [-time DURATION | -quick] [-sizes LIST] [-transports LIST]
//
// bench measures, in one process, the throughput of a PUSH socket sending
// to a PULL socket as fast as it can (msg/s, and MB/s of payload) and the
// latency of a REQ and a REP socket passing a message back and forth (half
// the mean round trip, as libzmq's perf tools report it) over inproc, ipc
// and tcp on 127.0.0.1, for each message size (-sizes, default 64,64KiB).
// It runs for about -time in all (default 40s; -quick: 6s), shows its
// progress on stderr (refreshed in place on a terminal, a line per
// measurement otherwise) and prints a table on stdout. ipc is left out,
// with a note, where the package has no ipc transport.
//
// # Help and exit codes
//
// zmq -h, zmq help and zmq help SUBCOMMAND (or zmq SUBCOMMAND -h) print
// usage on stdout and exit 0. Flags may come before or after the
// endpoints. Errors are printed on stderr as "zmq SUBCOMMAND: message",
// with the library's own words for their cause. The exit code is
//
//	0  success (also after SIGINT or SIGTERM, the normal end of recv,
//	   monitor and the devices)
//	1  a runtime failure: an address in use, a -timeout that passed,
//	   messages sent with no peer ever connected, a failed measurement,
//	   bench interrupted
//	2  a usage error: an unknown subcommand, flag or socket type, a bad
//	   value, an endpoint with no scheme or an unknown one
package main
