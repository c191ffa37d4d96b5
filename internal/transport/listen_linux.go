package transport

import "syscall"

// relisten calls listen(2) again on a listening socket: Linux then keeps
// the socket and only sets its backlog, for TCP and Unix domain sockets
// alike. The kernel caps it at net.core.somaxconn.
func relisten(fd uintptr, backlog int) error {
	return syscall.Listen(int(fd), backlog)
}
