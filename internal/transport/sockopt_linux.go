package transport

import (
	"time"

	"golang.org/x/sys/unix"
)

const haveBindToDevice = true

func bindToDevice(fd uintptr, name string) error {
	return unix.BindToDevice(int(fd), name)
}

// setMaxRT bounds how long sent data may stay unacknowledged before the
// connection is closed: TCP_USER_TIMEOUT, in milliseconds.
func setMaxRT(fd uintptr, d time.Duration) error {
	return unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(d.Milliseconds()))
}
