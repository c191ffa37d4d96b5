//go:build unix

package transport

import "golang.org/x/sys/unix"

func setInt(fd uintptr, level, opt, v int) error {
	return unix.SetsockoptInt(int(fd), level, opt, v)
}

// setTOS sets the type of service of IPv4 packets and the traffic class
// of IPv6 ones, as the socket's family ("tcp4" or "tcp6") needs.
func setTOS(fd uintptr, network string, tos int) error {
	if network == "tcp6" {
		return unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tos)
	}
	return unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TOS, tos)
}
