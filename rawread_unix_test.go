//go:build unix

package zmq_test

import (
	"net"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// wrappedConn is a connection type with framing of its own, as TLS or
// WebSocket connections have, that embeds a *net.TCPConn.
type wrappedConn struct{ *net.TCPConn }

// A connection that merely embeds a TCP connection is never read raw.
func TestWrappedConnNotReadRaw(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if zmq.RawConnForTest(c) == false {
		t.Fatal("a *net.TCPConn should be read raw")
	}
	if zmq.RawConnForTest(wrappedConn{c.(*net.TCPConn)}) {
		t.Fatal("a wrapper around a *net.TCPConn is read raw behind its framing")
	}
}
