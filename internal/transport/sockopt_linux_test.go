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
		SendBuffer: Buffer(48 << 10),
		RecvBuffer: Buffer(96 << 10),
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
			if v := get(unix.SOL_SOCKET, unix.SO_SNDBUF); v != 2*cfg.Sock.SendBuffer.Bytes() {
				t.Errorf("%s: SO_SNDBUF %d, want %d", name, v, 2*cfg.Sock.SendBuffer.Bytes())
			}
			if v := get(unix.SOL_SOCKET, unix.SO_RCVBUF); v != 2*cfg.Sock.RecvBuffer.Bytes() {
				t.Errorf("%s: SO_RCVBUF %d, want %d", name, v, 2*cfg.Sock.RecvBuffer.Bytes())
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
	cfg := Config{Sock: SockOpts{Device: "nosuchdev0"}}
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

// A buffer size of zero is set like any other (the system's minimum on
// Linux), not taken for "the system's default".
func TestSockOptsZeroBuffers(t *testing.T) {
	sizes := func(cfg Config) (snd, rcv int) {
		t.Helper()
		ln, _, err := ListenTCP("127.0.0.1:*", cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		rc, err := ln.(*net.TCPListener).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		rc.Control(func(fd uintptr) {
			snd, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
			rcv, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		})
		return snd, rcv
	}
	defSnd, defRcv := sizes(Config{})
	snd, rcv := sizes(Config{Sock: SockOpts{SendBuffer: Buffer(0), RecvBuffer: Buffer(0)}})
	if snd >= defSnd || rcv >= defRcv {
		t.Fatalf("zero buffers: SO_SNDBUF %d, SO_RCVBUF %d; the defaults are %d and %d", snd, rcv, defSnd, defRcv)
	}
}
