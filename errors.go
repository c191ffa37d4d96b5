package zmq

import (
	"errors"
	"net"
	"os"
	"strconv"
	"time"
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

// causeError joins a sentinel to the error that caused it: it matches both
// with [errors.Is] and [errors.As], and reads as the cause, which says more.
type causeError struct {
	sentinel error
	cause    error
}

func (e *causeError) Error() string   { return e.cause.Error() }
func (e *causeError) Unwrap() []error { return []error{e.sentinel, e.cause} }

// ProtocolError reports a connection closed because the peer broke the
// protocol: a bad greeting, an incompatible socket type, a malformed or
// unexpected command, a frame above MaxMsgSize. libzmq does not reconnect to
// an endpoint after one, and neither does a connecting socket here (see
// [ReconnectStop]).
type ProtocolError struct {
	Code ProtocolCode // the code libzmq's monitor reports
	Err  error        // what was wrong
}

func (e *ProtocolError) Error() string {
	return "zmq: protocol error (" + e.Code.String() + "): " + trimPrefix(e.Err.Error())
}

// Unwrap returns the cause.
func (e *ProtocolError) Unwrap() error { return e.Err }

// ProtocolCode is a ZMTP or ZAP protocol error code, as libzmq's monitor
// reports it with [EventHandshakeFailedProtocol] (ZMQ_PROTOCOL_ERROR_*).
type ProtocolCode uint32

// Protocol error codes, with libzmq's values.
const (
	ProtocolUnspecified          ProtocolCode = 0x10000000
	ProtocolUnexpectedCommand    ProtocolCode = 0x10000001
	ProtocolInvalidSequence      ProtocolCode = 0x10000002
	ProtocolKeyExchange          ProtocolCode = 0x10000003
	ProtocolMalformedCommand     ProtocolCode = 0x10000011
	ProtocolMalformedMessage     ProtocolCode = 0x10000012
	ProtocolMalformedHello       ProtocolCode = 0x10000013
	ProtocolMalformedInitiate    ProtocolCode = 0x10000014
	ProtocolMalformedError       ProtocolCode = 0x10000015
	ProtocolMalformedReady       ProtocolCode = 0x10000016
	ProtocolMalformedWelcome     ProtocolCode = 0x10000017
	ProtocolInvalidMetadata      ProtocolCode = 0x10000018
	ProtocolCryptographic        ProtocolCode = 0x11000001
	ProtocolMechanismMismatch    ProtocolCode = 0x11000002
	ProtocolZAPUnspecified       ProtocolCode = 0x20000000
	ProtocolZAPMalformedReply    ProtocolCode = 0x20000001
	ProtocolZAPBadRequestID      ProtocolCode = 0x20000002
	ProtocolZAPBadVersion        ProtocolCode = 0x20000003
	ProtocolZAPInvalidStatusCode ProtocolCode = 0x20000004
	ProtocolZAPInvalidMetadata   ProtocolCode = 0x20000005
	ProtocolWebSocketUnspecified ProtocolCode = 0x30000000
)

var protocolCodeNames = map[ProtocolCode]string{
	ProtocolUnspecified:          "ZMTP_UNSPECIFIED",
	ProtocolUnexpectedCommand:    "ZMTP_UNEXPECTED_COMMAND",
	ProtocolInvalidSequence:      "ZMTP_INVALID_SEQUENCE",
	ProtocolKeyExchange:          "ZMTP_KEY_EXCHANGE",
	ProtocolMalformedCommand:     "ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
	ProtocolMalformedMessage:     "ZMTP_MALFORMED_COMMAND_MESSAGE",
	ProtocolMalformedHello:       "ZMTP_MALFORMED_COMMAND_HELLO",
	ProtocolMalformedInitiate:    "ZMTP_MALFORMED_COMMAND_INITIATE",
	ProtocolMalformedError:       "ZMTP_MALFORMED_COMMAND_ERROR",
	ProtocolMalformedReady:       "ZMTP_MALFORMED_COMMAND_READY",
	ProtocolMalformedWelcome:     "ZMTP_MALFORMED_COMMAND_WELCOME",
	ProtocolInvalidMetadata:      "ZMTP_INVALID_METADATA",
	ProtocolCryptographic:        "ZMTP_CRYPTOGRAPHIC",
	ProtocolMechanismMismatch:    "ZMTP_MECHANISM_MISMATCH",
	ProtocolZAPUnspecified:       "ZAP_UNSPECIFIED",
	ProtocolZAPMalformedReply:    "ZAP_MALFORMED_REPLY",
	ProtocolZAPBadRequestID:      "ZAP_BAD_REQUEST_ID",
	ProtocolZAPBadVersion:        "ZAP_BAD_VERSION",
	ProtocolZAPInvalidStatusCode: "ZAP_INVALID_STATUS_CODE",
	ProtocolZAPInvalidMetadata:   "ZAP_INVALID_METADATA",
	ProtocolWebSocketUnspecified: "WS_UNSPECIFIED",
}

// String returns libzmq's name of the code without its ZMQ_PROTOCOL_ERROR_
// prefix, such as "ZMTP_MECHANISM_MISMATCH".
func (c ProtocolCode) String() string {
	if s, ok := protocolCodeNames[c]; ok {
		return s
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// TimeoutError reports a connection closed because the peer went silent:
// it did not complete the handshake within HandshakeInterval, or sent
// nothing within HeartbeatTimeout of a PING (or within the time-to-live its
// own PING announced). It matches [os.ErrDeadlineExceeded].
type TimeoutError struct {
	Op    string        // "handshake", "heartbeat" or "heartbeat ttl"
	After time.Duration // the limit that passed
}

func (e *TimeoutError) Error() string {
	return "zmq: " + e.Op + " timed out after " + e.After.String()
}

// Timeout reports true, as net.Error does.
func (e *TimeoutError) Timeout() bool { return true }

// Is makes a TimeoutError match [os.ErrDeadlineExceeded].
func (e *TimeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

// AuthError reports a refused authentication with its ZAP status code (300
// a temporary failure, 400 denied, 500 an internal error), as libzmq reports
// it with [EventHandshakeFailedAuth]: either the peer refused us, in an
// ERROR command, or (Local) our own ZAP handler refused the peer. A
// connecting socket that was refused with 400 or 500 does not retry with
// the same credentials.
type AuthError struct {
	Status int    // the ZAP status code
	Reason string // the peer's ERROR reason as sent, or our handler's status text
	Local  bool   // our ZAP handler refused the peer
}

func (e *AuthError) Error() string {
	if e.Local {
		return "zmq: authentication failed: the ZAP handler refused the peer with status " + strconv.Itoa(e.Status) + " " + strconv.Quote(e.Reason)
	}
	return "zmq: authentication failed: peer refused with status " + strconv.Itoa(e.Status)
}
