//go:build unix

package zmq

import (
	"net"
	"os"
	"syscall"
	"testing"
)

// socketPair returns the two ends of a connected Unix stream socket pair,
// as net.Conns with raw access, as accepted and dialled connections have.
func socketPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f) // a duplicate of fd
		f.Close()
		if err != nil {
			if i == 1 {
				conns[0].Close()
			}
			t.Fatal(err)
		}
		conns[i] = c
	}
	return conns[0], conns[1]
}
