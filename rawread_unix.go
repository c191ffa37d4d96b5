//go:build unix

package zmq

import (
	"io"
	"net"
	"syscall"
)

// rawConn returns raw access to conn's socket, for reads that must not
// wait, or nil. Only the standard library's own tcp and unix connections
// qualify: a connection type that wraps one (TLS, WebSocket, a test's
// fault injector) has framing of its own, and reading its socket raw would
// bypass it, so embedding a *net.TCPConn is not enough.
func rawConn(conn net.Conn) syscall.RawConn {
	var sc syscall.Conn
	switch c := conn.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// readFD reads once from a non-blocking socket. again reports that nothing
// was there; n == 0 with a nil error is the end of the stream.
func readFD(fd uintptr, b []byte) (n int, again bool, err error) {
	for {
		n, err = syscall.Read(int(fd), b)
		if err != syscall.EINTR {
			break
		}
	}
	if n < 0 {
		n = 0
	}
	if err == syscall.EAGAIN {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, &net.OpError{Op: "read", Net: "raw", Err: err}
	}
	if n == 0 {
		return 0, false, io.EOF
	}
	return n, false, nil
}

// writeFD writes once to a non-blocking socket. again reports that it took
// nothing: its buffer is full.
func writeFD(fd uintptr, b []byte) (n int, again bool, err error) {
	for {
		n, err = syscall.Write(int(fd), b)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EAGAIN {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, &net.OpError{Op: "write", Net: "raw", Err: err}
	}
	return n, false, nil
}

// readable reports whether a read from the non-blocking socket would
// return at once (bytes, the end of the stream or an error), without
// taking anything.
func readable(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
}

// pendingInput reports whether bytes wait unread in raw's socket, without
// taking them.
func pendingInput(raw syscall.RawConn) bool {
	if raw == nil {
		return false
	}
	var n int
	var b [1]byte
	raw.Control(func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return n > 0
}
