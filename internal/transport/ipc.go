package transport

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// maxIPCPath is the longest ipc path accepted (sun_path is 108 bytes on
// Linux, including the terminating NUL).
const maxIPCPath = 107

var ipcSeq atomic.Uint64

// ListenIPC binds an ipc endpoint address with Go's default backlog; see
// ListenIPCBacklog.
func ListenIPC(addr string) (net.Listener, string, error) {
	return ListenIPCBacklog(addr, 0)
}

// ListenIPCBacklog binds an ipc endpoint address: a file path, "*" for a
// fresh path in the temporary directory, or "@name" for a Linux abstract
// socket. An existing socket file at the path is replaced, as libzmq does.
// backlog is the listen queue length, as Config.Backlog is for tcp: 0
// keeps Go's default. It returns the listener and the bound address in
// endpoint form.
func ListenIPCBacklog(addr string, backlog int) (net.Listener, string, error) {
	if addr == "*" {
		addr = filepath.Join(os.TempDir(), fmt.Sprintf("zmq-%d-%d.ipc", os.Getpid(), ipcSeq.Add(1)))
	}
	if err := checkIPC(addr); err != nil {
		return nil, "", err
	}
	if !strings.HasPrefix(addr, "@") {
		if fi, err := os.Lstat(addr); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(addr)
		}
	}
	ln, err := net.Listen("unix", addr)
	if err != nil {
		return nil, "", err
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(!strings.HasPrefix(addr, "@"))
	}
	if err := applyBacklog(ln, backlog); err != nil {
		return nil, "", err
	}
	return ln, addr, nil
}

// checkIPC validates an ipc path (or abstract name) for binding or
// connecting.
func checkIPC(addr string) error {
	if addr == "" || addr == "@" {
		return fmt.Errorf("%w: empty ipc path", ErrSyntax)
	}
	if len(addr) > maxIPCPath {
		return fmt.Errorf("%w: ipc path longer than %d bytes", ErrSyntax, maxIPCPath)
	}
	if strings.IndexByte(addr, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in ipc path", ErrSyntax)
	}
	return nil
}

// CheckIPCConnect validates an ipc connect address without touching the
// file system: "*" is only for binding.
func CheckIPCConnect(addr string) error {
	if addr == "*" {
		return fmt.Errorf("%w: ipc://* is only for bind", ErrSyntax)
	}
	return checkIPC(addr)
}

// DialIPC connects to an ipc endpoint address.
func DialIPC(ctx context.Context, addr string) (net.Conn, error) {
	if err := CheckIPCConnect(addr); err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "unix", addr)
}
