package zmq_test

import (
	"net"
	"syscall"
	"unsafe"
)

// unreadByPeer returns how much of what was written to conn, a Unix
// domain stream socket, its peer has not read yet: zero once the peer has
// read everything. ok is false where that cannot be known.
func unreadByPeer(conn net.Conn) (n int, ok bool) {
	sc, isSC := conn.(syscall.Conn)
	if !isSC {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	// For a Unix stream socket SIOCOUTQ (TIOCOUTQ) counts the memory of
	// the written buffers that the receiver has not consumed yet.
	var q int32
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&q)))
	}); err != nil || errno != 0 {
		return 0, false
	}
	return int(q), true
}
