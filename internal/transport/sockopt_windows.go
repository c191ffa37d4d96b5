package transport

import (
	"syscall"
	"time"
)

func setInt(fd uintptr, level, opt, v int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), level, opt, v)
}

// Windows' values of options its syscall package does not name.
const (
	ipv6TClass = 39 // IPV6_TCLASS
	tcpMaxRT   = 5  // TCP_MAXRT, in seconds
)

func setTOS(fd uintptr, network string, tos int) error {
	if network == "tcp6" {
		return setInt(fd, syscall.IPPROTO_IPV6, ipv6TClass, tos)
	}
	return setInt(fd, syscall.IPPROTO_IP, syscall.IP_TOS, tos)
}

// setMaxRT sets TCP_MAXRT, in whole seconds (at least one). A system
// without the option (Wine) goes without it, as the platforms other than
// Linux and Windows do.
func setMaxRT(fd uintptr, d time.Duration) error {
	err := setInt(fd, syscall.IPPROTO_TCP, tcpMaxRT, max(int(d/time.Second), 1))
	if err == syscall.WSAENOPROTOOPT {
		return nil
	}
	return err
}
