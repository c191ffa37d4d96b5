// Package interop proves wire compatibility between github.com/zmq-go/zmq
// and the reference C implementation, libzmq (4.3.x), driven through cgo by
// github.com/pebbe/zmq4.
//
// Everything lives in the tests: every compatible socket-type pair over tcp
// and ipc with either side binding, multipart messages across the ZMTP
// short/long frame boundary, subscriptions in both directions, ROUTER
// routing ids, and reconnection after the libzmq peer restarts. Running them
// needs cgo and libzmq's development files (Debian: libzmq3-dev).
package interop
