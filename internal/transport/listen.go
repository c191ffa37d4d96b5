package transport

import (
	"net"
	"syscall"
)

// maxBacklog bounds the backlog handed to listen(2): some systems store it
// in 16 bits, and every system caps it at its own maximum anyway.
const maxBacklog = 1<<16 - 1

// applyBacklog sets the listen queue length of ln's socket to n, if n > 0,
// as far as the operating system allows it (see relisten). On failure it
// closes ln.
func applyBacklog(ln net.Listener, n int) error {
	if n <= 0 {
		return nil
	}
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err == nil {
		var lerr error
		err = rc.Control(func(fd uintptr) { lerr = relisten(fd, min(n, maxBacklog)) })
		if err == nil {
			err = lerr
		}
	}
	if err != nil {
		ln.Close()
		return &net.OpError{Op: "listen", Net: ln.Addr().Network(), Addr: ln.Addr(), Err: err}
	}
	return nil
}
