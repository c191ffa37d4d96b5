//go:build !unix

package zmq

import (
	"net"
	"testing"
)

// socketPair returns a net.Pipe: without raw reads on this platform (see
// rawConn), a socket's reader goroutine alone reads any connection.
func socketPair(testing.TB) (net.Conn, net.Conn) { return net.Pipe() }
