package transport

import (
	"context"
	"net"
)

// A Stream is a transport whose connections are reliable byte streams
// that carry ZMTP: tcp and ipc. The socket layer binds and connects through
// this interface alone, so a new stream transport (tls, ws) plugs in by
// registering here. Datagram transports (udp, pgm) will have an interface
// of their own: they carry no greeting and no connection.
type Stream interface {
	// Listen binds addr and returns the listener and the address it is
	// bound to in endpoint form, wildcards resolved.
	Listen(addr string, cfg Config) (net.Listener, string, error)
	// CheckDial validates an address to connect to, without resolving it.
	CheckDial(addr string) error
	// Dial makes one connection attempt to addr.
	Dial(ctx context.Context, addr string, cfg Config) (net.Conn, error)
	// Accepted prepares a connection accepted by one of its listeners.
	Accepted(c net.Conn, cfg Config)
	// DialDelayed reports whether a connection attempt completes in the
	// background, as a tcp connect does: libzmq reports CONNECT_DELAYED
	// before such an attempt.
	DialDelayed() bool
}

var streams = map[string]Stream{
	"tcp": tcpStream{},
	"ipc": ipcStream{},
}

// StreamFor returns the stream transport of a scheme, if it is one.
func StreamFor(scheme string) (Stream, bool) {
	st, ok := streams[scheme]
	return st, ok
}

type tcpStream struct{}

func (tcpStream) Listen(addr string, cfg Config) (net.Listener, string, error) {
	return ListenTCP(addr, cfg)
}
func (tcpStream) CheckDial(addr string) error { return CheckTCPConnect(addr) }
func (tcpStream) Dial(ctx context.Context, addr string, cfg Config) (net.Conn, error) {
	return DialTCP(ctx, addr, cfg)
}
func (tcpStream) Accepted(c net.Conn, cfg Config) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		ApplyKeepalive(tc, cfg)
		cfg.Sock.applyAccepted(tc)
	}
}
func (tcpStream) DialDelayed() bool { return true }

type ipcStream struct{}

func (ipcStream) Listen(addr string, cfg Config) (net.Listener, string, error) {
	return ListenIPCBacklog(addr, cfg.Backlog)
}
func (ipcStream) CheckDial(addr string) error { return CheckIPCConnect(addr) }
func (ipcStream) Dial(ctx context.Context, addr string, _ Config) (net.Conn, error) {
	return DialIPC(ctx, addr)
}
func (ipcStream) Accepted(net.Conn, Config) {}
func (ipcStream) DialDelayed() bool         { return false }
