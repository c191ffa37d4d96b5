package zmq

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/zmq-go/zmq/internal/transport"
)

// The options of the tcp sockets under a socket's endpoints. Each applies
// to endpoints bound or connected afterwards (and to their
// reconnections), as in libzmq; ipc and inproc endpoints ignore them.

// SendBuffer sets ZMQ_SNDBUF: the kernel's send buffer (SO_SNDBUF) of
// each tcp connection, in bytes. Default -1: the system's (Linux tunes it
// as the connection goes). Linux doubles the value for its bookkeeping.
func SendBuffer(bytes int) Option {
	return func(s *Socket) error {
		if bytes < -1 || bytes > math.MaxInt32 {
			return invalid("SendBuffer %d", bytes)
		}
		s.opts.sock.SendBuffer = transport.Buffer(bytes)
		return nil
	}
}

// RecvBuffer sets ZMQ_RCVBUF: the kernel's receive buffer (SO_RCVBUF) of
// each tcp connection, in bytes. Default -1: the system's. It is set
// before the connection is made, so the window it allows is negotiated.
func RecvBuffer(bytes int) Option {
	return func(s *Socket) error {
		if bytes < -1 || bytes > math.MaxInt32 {
			return invalid("RecvBuffer %d", bytes)
		}
		s.opts.sock.RecvBuffer = transport.Buffer(bytes)
		return nil
	}
}

// TOS sets ZMQ_TOS: the type-of-service byte (IP_TOS; the traffic class,
// IPV6_TCLASS, on IPv6) of the packets of each tcp connection, for
// example 0x28 (DSCP AF11) or 0xb8 (DSCP EF). Default 0: the system's.
func TOS(tos int) Option {
	return func(s *Socket) error {
		if tos < 0 || tos > 255 {
			return invalid("TOS %d", tos)
		}
		s.opts.sock.TOS = tos
		return nil
	}
}

// TCPMaxRT sets ZMQ_TCP_MAXRT: how long sent data may go unacknowledged
// before the connection is dropped (and, for a connecting socket,
// reconnected). Linux applies it as TCP_USER_TIMEOUT (milliseconds),
// Windows as TCP_MAXRT (whole seconds; Wine lacks it); elsewhere it is
// accepted and has no effect, as in libzmq. Default 0: the system's.
func TCPMaxRT(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 || d.Milliseconds() > math.MaxInt32 {
			return invalid("TCPMaxRT %v", d)
		}
		s.opts.sock.MaxRT = d
		return nil
	}
}

// BindToDevice sets ZMQ_BINDTODEVICE: the network interface (such as
// "eth0", or a VRF device) that the tcp sockets of later binds and
// connects are bound to with SO_BINDTODEVICE, so that their traffic
// leaves and arrives only there. Linux only; setting it elsewhere fails
// with [ErrNotSupported]. The process needs CAP_NET_RAW (root, say): a
// bind or connect without it fails with EPERM. "" (the default) binds to
// no device.
func BindToDevice(name string) Option {
	return func(s *Socket) error {
		if len(name) >= 16 || strings.ContainsRune(name, 0) || strings.Contains(name, "/") {
			return invalid("BindToDevice %q: not an interface name", name)
		}
		o := s.opts.sock
		o.Device = name
		if err := o.Check(); err != nil {
			return fmt.Errorf("%w: %w", ErrNotSupported, err)
		}
		s.opts.sock.Device = name
		return nil
	}
}

// SocksProxy sets ZMQ_SOCKS_PROXY: tcp connects go through the SOCKS5
// proxy at "host:port" (RFC 1928), which makes the connection to the
// endpoint's host. The endpoint's host name is passed to the proxy
// unresolved. "" (the default) connects directly. Binds are not affected.
func SocksProxy(addr string) Option {
	return func(s *Socket) error {
		if err := transport.CheckSocks(addr, "", ""); err != nil {
			return invalid("SocksProxy %q: %v", addr, err)
		}
		s.opts.socks = addr
		return nil
	}
}

// SocksUsername sets ZMQ_SOCKS_USERNAME: with a name set, connects offer
// the proxy username and password authentication (RFC 1929) beside none.
// At most 255 bytes. Default "".
func SocksUsername(name string) Option {
	return func(s *Socket) error {
		if err := transport.CheckSocks("", name, ""); err != nil {
			return invalid("SocksUsername: %v", err)
		}
		s.opts.socksUser = name
		return nil
	}
}

// SocksPassword sets ZMQ_SOCKS_PASSWORD, sent with SocksUsername. At most
// 255 bytes. Default "".
func SocksPassword(password string) Option {
	return func(s *Socket) error {
		if err := transport.CheckSocks("", "", password); err != nil {
			return invalid("SocksPassword: %v", err)
		}
		s.opts.socksPass = password
		return nil
	}
}

// SocksError is a SOCKS5 proxy's refusal to connect (its reply code, as
// RFC 1928 numbers them) or to authenticate (Reply 0). A connecting
// socket reports it to its monitor and tries again after its reconnect
// interval, as it does for a refused connection.
type SocksError = transport.SocksError
