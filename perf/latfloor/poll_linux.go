package main

import (
	"io"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// pollReadFull reads len(msg) bytes from conn with non-blocking reads,
// waiting in poll(2) when there is nothing to read.
func pollReadFull(conn net.Conn, msg []byte) error {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return io.ErrUnexpectedEOF
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	got := 0
	var rerr error
	for got < len(msg) && rerr == nil {
		cerr := rc.Control(func(fd uintptr) {
			for {
				n, err := unix.Read(int(fd), msg[got:])
				switch {
				case err == unix.EAGAIN:
					fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
					if _, err := unix.Poll(fds[:], -1); err != nil && err != unix.EINTR {
						rerr = err
						return
					}
					continue
				case err == unix.EINTR:
					continue
				case err != nil:
					rerr = err
				case n == 0:
					rerr = io.EOF
				default:
					got += n
				}
				return
			}
		})
		if cerr != nil {
			return cerr
		}
	}
	return rerr
}
