//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package transport

import "syscall"

// relisten calls listen(2) again on a listening socket, which the BSD
// kernels (and Darwin's) take as a new backlog for it. It is not covered by
// the tests, which run on Linux: should the call fail, the listener keeps
// the default backlog rather than failing the bind.
func relisten(fd uintptr, backlog int) error {
	syscall.Listen(int(fd), backlog)
	return nil
}
