package transport

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// SockOpts are the options libzmq sets on a tcp socket of its own before
// it binds or connects: buffer sizes, the IP type of service, the
// retransmission timeout and the device the socket is bound to. The zero
// value sets none of them.
type SockOpts struct {
	SendBuffer BufferSize    // SO_SNDBUF
	RecvBuffer BufferSize    // SO_RCVBUF
	TOS        int           // IP_TOS (IPV6_TCLASS for IPv6); 0: the system's
	MaxRT      time.Duration // TCP_USER_TIMEOUT (Linux), TCP_MAXRT (Windows); 0: the system's
	Device     string        // SO_BINDTODEVICE (Linux); "": none
}

// A BufferSize is a kernel buffer size to set; the zero value leaves the
// system's. Zero bytes is a size like any other (Windows then sends from
// the application's buffers).
type BufferSize struct {
	bytes int
	set   bool
}

// Buffer returns the size of n bytes, or the system's for a negative n
// (libzmq's -1).
func Buffer(n int) BufferSize { return BufferSize{bytes: max(n, 0), set: n >= 0} }

// Bytes returns the size, or -1 for the system's.
func (b BufferSize) Bytes() int {
	if !b.set {
		return -1
	}
	return b.bytes
}

// ErrUnsupported reports an option the platform cannot apply.
var ErrUnsupported = errors.New("not supported on this platform")

// Check reports whether the platform can apply every option that is set.
func (o SockOpts) Check() error {
	if o.Device != "" && !haveBindToDevice {
		return fmt.Errorf("BINDTODEVICE: %w", ErrUnsupported)
	}
	return nil
}

// controlFunc returns the Control function of a net.Dialer or
// net.ListenConfig that applies the options before bind(2) or connect(2),
// or nil when there are none to apply.
func (o SockOpts) controlFunc() func(network, address string, rc syscall.RawConn) error {
	if o.none() {
		return nil
	}
	return func(network, _ string, rc syscall.RawConn) error { return o.control(network, rc) }
}

func (o SockOpts) none() bool { return o == SockOpts{} }

// control applies the options to a socket of network ("tcp4", "tcp6").
func (o SockOpts) control(network string, rc syscall.RawConn) error {
	var err error
	cerr := rc.Control(func(fd uintptr) { err = o.apply(fd, network) })
	if cerr != nil {
		return cerr
	}
	return err
}

// apply sets each option that is set, and names the one that failed.
func (o SockOpts) apply(fd uintptr, network string) error {
	if o.Device != "" {
		if err := bindToDevice(fd, o.Device); err != nil {
			return fmt.Errorf("BINDTODEVICE %q: %w", o.Device, err)
		}
	}
	if o.SendBuffer.set {
		if err := setInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, o.SendBuffer.bytes); err != nil {
			return fmt.Errorf("SNDBUF: %w", err)
		}
	}
	if o.RecvBuffer.set {
		if err := setInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.RecvBuffer.bytes); err != nil {
			return fmt.Errorf("RCVBUF: %w", err)
		}
	}
	if o.TOS != 0 {
		if err := setTOS(fd, network, o.TOS); err != nil {
			return fmt.Errorf("TOS: %w", err)
		}
	}
	if o.MaxRT > 0 {
		if err := setMaxRT(fd, o.MaxRT); err != nil {
			return fmt.Errorf("TCP_MAXRT: %w", err)
		}
	}
	return nil
}

// applyAccepted applies the options to an accepted connection, as libzmq
// does: most are inherited from the listener, where the system allows.
// The device is the listener's.
func (o SockOpts) applyAccepted(c syscall.Conn) error {
	o.Device = ""
	if o.none() {
		return nil
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	network := "tcp4"
	if nc, ok := c.(interface{ LocalAddr() net.Addr }); ok {
		if a, ok := nc.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
			network = "tcp6"
		}
	}
	return o.control(network, rc)
}
