//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package transport

// relisten does nothing: on these systems (Windows among them) calling
// listen again on a listening socket does not change its backlog, so the
// listener keeps the one Go's net package chose, the system's maximum.
func relisten(fd uintptr, backlog int) error { return nil }
