package transport

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

// FuzzParse feeds arbitrary endpoints to the parsing and checking that
// Bind and Connect do before touching the network: nothing panics, every
// error is one of the package's sentinels, and what is accepted is
// well-formed.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"tcp://127.0.0.1:5555", "tcp://*:*", "tcp://[::1]:0", "tcp://[fe80::1%eth0]:1",
		"tcp://eth0:5555", "tcp://127.0.0.1:0;127.0.0.1:5555", "tcp://*:5555",
		"tcp://[::1", "tcp://1LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL:0", "tcp://127.0.0.1:65536",
		"tcp://127.0.0.1", "tcp://:1", "tcp://h\x00:1", "tcp://h:+1",
		"ipc:///tmp/x.ipc", "ipc://@name", "ipc://*", "ipc://@", "ipc://a\x00b",
		"ipc://" + strings.Repeat("x", maxIPCPath+1),
		"inproc://name", "ws://%:9", "", "://", "tcp://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrScheme) {
				t.Fatalf("Parse(%q): %v is no sentinel", s, err)
			}
			return
		}
		if !Known(e.Scheme) || e.Addr == "" || e.String() != s {
			t.Fatalf("Parse(%q) = %+v", s, e)
		}
		switch e.Scheme {
		case "tcp":
			checkTCPAddr(t, e.Addr)
		case "ipc":
			if err := CheckIPCConnect(e.Addr); err != nil && !errors.Is(err, ErrSyntax) {
				t.Fatalf("CheckIPCConnect(%q): %v is no sentinel", e.Addr, err)
			} else if err == nil && (e.Addr == "*" || len(e.Addr) > maxIPCPath || strings.ContainsRune(e.Addr, 0)) {
				t.Fatalf("CheckIPCConnect(%q) accepted it", e.Addr)
			}
		}
	})
}

// checkTCPAddr checks what the tcp transport makes of addr without
// resolving or binding it.
func checkTCPAddr(t *testing.T, addr string) {
	err := CheckTCPConnect(addr)
	if err != nil && !errors.Is(err, ErrSyntax) {
		t.Fatalf("CheckTCPConnect(%q): %v is no sentinel", addr, err)
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("splitHostPort(%q): %v is no sentinel", addr, err)
		}
		return
	}
	if host == "" || len(host) > maxHost || strings.IndexFunc(host, unicode.IsControl) >= 0 || port == "" {
		t.Fatalf("splitHostPort(%q) = %q, %q", addr, host, port)
	}
	for _, wildcard := range []bool{false, true} {
		n, err := parsePort(port, wildcard)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("parsePort(%q): %v is no sentinel", port, err)
			}
			continue
		}
		if n < 0 || n > 65535 || (n == 0 && !wildcard) {
			t.Fatalf("parsePort(%q, %v) = %d", port, wildcard, n)
		}
	}
}
