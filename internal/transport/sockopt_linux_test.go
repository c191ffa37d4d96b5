package transport

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Every option is set on the listener, the connection dialed and the one
// accepted, as getsockopt(2) reads them back.
func TestSockOptsApplied(t *testing.T) {
	cfg := Config{Keepalive: -1, Sock: SockOpts{
		SendBuffer: 48 << 10,
		RecvBuffer: 96 << 10,
		TOS:        0x28,
		MaxRT:      1500 * time.Millisecond,
		Device:     "lo",
	}}
	ln, addr, err := ListenTCP("127.0.0.1:*", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		tcpStream{}.Accepted(c, cfg)
		accepted <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := DialTCP(ctx, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := <-accepted
	if a == nil {
		t.Fatal("accept failed")
	}
	defer a.Close()

	check := func(name string, s syscall.Conn, device bool) {
		t.Helper()
		rc, err := s.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		rc.Control(func(fd uintptr) {
			get := func(level, opt int) int {
				v, err := unix.GetsockoptInt(int(fd), level, opt)
				if err != nil {
					t.Fatalf("%s: getsockopt: %v", name, err)
				}
				return v
			}
			// Linux doubles the sizes for its bookkeeping.
			if v := get(unix.SOL_SOCKET, unix.SO_SNDBUF); v != 2*cfg.Sock.SendBuffer {
				t.Errorf("%s: SO_SNDBUF %d, want %d", name, v, 2*cfg.Sock.SendBuffer)
			}
			if v := get(unix.SOL_SOCKET, unix.SO_RCVBUF); v != 2*cfg.Sock.RecvBuffer {
				t.Errorf("%s: SO_RCVBUF %d, want %d", name, v, 2*cfg.Sock.RecvBuffer)
			}
			if v := get(unix.IPPROTO_IP, unix.IP_TOS); v != cfg.Sock.TOS {
				t.Errorf("%s: IP_TOS %#x, want %#x", name, v, cfg.Sock.TOS)
			}
			if v := get(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT); v != 1500 {
				t.Errorf("%s: TCP_USER_TIMEOUT %d, want 1500", name, v)
			}
			if device {
				dev, err := unix.GetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE)
				if err != nil || dev != "lo" {
					t.Errorf("%s: SO_BINDTODEVICE %q (%v), want lo", name, dev, err)
				}
			}
		})
	}
	check("listener", ln.(*net.TCPListener), true)
	check("dialed", c.(*net.TCPConn), true)
	check("accepted", a.(*net.TCPConn), false)
}

// An option the system refuses fails the bind or the connect, naming the
// option and keeping the system's error.
func TestSockOptsRefused(t *testing.T) {
	cfg := Config{Sock: SockOpts{SendBuffer: Unset, RecvBuffer: Unset, Device: "nosuchdev0"}}
	_, _, err := ListenTCP("127.0.0.1:*", cfg)
	if !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("listen on a missing device: %v, want ENODEV", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = DialTCP(ctx, "127.0.0.1:9", cfg)
	if !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("dial from a missing device: %v, want ENODEV", err)
	}
}
