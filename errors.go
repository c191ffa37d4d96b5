package zmq

import (
	"errors"
	"net"
)

// Sentinel errors. Each matches the libzmq errno named in its comment; test
// for them with [errors.Is].
var (
	// ErrWouldBlock is EAGAIN: a non-blocking call could not proceed now.
	ErrWouldBlock = errors.New("zmq: operation would block")
	// ErrTerminated is ETERM: the socket's context was terminated.
	ErrTerminated = errors.New("zmq: context terminated")
	// ErrClosed reports use of a closed socket. It matches [net.ErrClosed].
	ErrClosed = &closedError{}
	// ErrState is EFSM: the operation is not allowed in the socket's current
	// state, such as a second Send on a REQ socket before a Recv.
	ErrState = errors.New("zmq: operation not allowed in the current socket state")
	// ErrNotSupported is ENOTSUP: the socket type does not support the
	// operation, such as Recv on PUSH.
	ErrNotSupported = errors.New("zmq: operation not supported by the socket type")
	// ErrHostUnreachable is EHOSTUNREACH: a ROUTER (with RouterMandatory) or
	// STREAM socket has no peer with the message's routing id.
	ErrHostUnreachable = errors.New("zmq: host unreachable")
	// ErrInvalid is EINVAL: a bad argument, option value or endpoint.
	ErrInvalid = errors.New("zmq: invalid argument")
	// ErrAddrInUse is EADDRINUSE: the endpoint is already bound.
	ErrAddrInUse = errors.New("zmq: address already in use")
	// ErrAddrNotAvailable is EADDRNOTAVAIL: the local address does not exist.
	ErrAddrNotAvailable = errors.New("zmq: address not available")
	// ErrIncompatibleProtocol is ENOCOMPATPROTO: the transport does not
	// support the socket type.
	ErrIncompatibleProtocol = errors.New("zmq: transport incompatible with the socket type")
	// ErrProtocolNotSupported is EPROTONOSUPPORT: unknown transport scheme.
	ErrProtocolNotSupported = errors.New("zmq: transport protocol not supported")
	// ErrNoEndpoint is ENOENT: Unbind or Disconnect of an endpoint the socket
	// is not bound or connected to.
	ErrNoEndpoint = errors.New("zmq: no such endpoint")
	// ErrMsgTooLarge is EMSGSIZE: a peer sent a message above MaxMsgSize.
	ErrMsgTooLarge = errors.New("zmq: message too large")
)

type closedError struct{}

func (*closedError) Error() string        { return "zmq: socket closed" }
func (*closedError) Is(target error) bool { return target == net.ErrClosed }

// OpError is the error returned by Bind, Connect, Unbind and Disconnect.
// It wraps one of the sentinel errors or an error from the operating system.
type OpError struct {
	Op       string // "bind", "connect", "unbind", "disconnect"
	Endpoint string
	Err      error
}

func (e *OpError) Error() string {
	return "zmq: " + e.Op + " " + e.Endpoint + ": " + trimPrefix(e.Err.Error())
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	if len(s) > 5 && s[:5] == "zmq: " {
		return s[5:]
	}
	return s
}
