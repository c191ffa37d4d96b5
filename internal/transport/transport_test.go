package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	// Hosts in these tests that are neither addresses nor interface names
	// are not domain names either: Go's own resolver refuses them without
	// a query, so no test traffic leaves the machine.
	net.DefaultResolver.PreferGo = true
	os.Exit(m.Run())
}

var longHost = strings.Repeat("1LLLLLLLLL", 1024) // 10 KiB

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Endpoint
		err  error
	}{
		{"tcp://127.0.0.1:5555", Endpoint{"tcp", "127.0.0.1:5555"}, nil},
		{"tcp://*:*", Endpoint{"tcp", "*:*"}, nil},
		{"tcp://[::1]:5555", Endpoint{"tcp", "[::1]:5555"}, nil},
		{"ipc:///tmp/x.ipc", Endpoint{"ipc", "/tmp/x.ipc"}, nil},
		{"ipc://@abstract", Endpoint{"ipc", "@abstract"}, nil},
		{"ipc://*", Endpoint{"ipc", "*"}, nil},
		{"inproc://name", Endpoint{"inproc", "name"}, nil},
		{"inproc://a://b", Endpoint{"inproc", "a://b"}, nil},
		// Parse leaves the address to the transport.
		{"tcp://" + longHost + ":0", Endpoint{"tcp", longHost + ":0"}, nil},
		{"tcp://[::1", Endpoint{"tcp", "[::1"}, nil},

		{"", Endpoint{}, ErrSyntax},
		{"tcp://", Endpoint{}, ErrSyntax},
		{"://x", Endpoint{}, ErrSyntax},
		{"127.0.0.1:5555", Endpoint{}, ErrSyntax},
		{"tcp:/127.0.0.1:5555", Endpoint{}, ErrSyntax},
		{"tcp://127.0.0.1\x00:5555", Endpoint{}, ErrSyntax},
		{"inproc://a\x00", Endpoint{}, ErrSyntax},
		{"tc\x00p://x", Endpoint{}, ErrSyntax},
		{"ws://%:9", Endpoint{}, ErrScheme},
		{"TCP://127.0.0.1:5555", Endpoint{}, ErrScheme},
		{"udp://127.0.0.1:5555", Endpoint{}, ErrScheme},
		{"pgm://eth0;239.192.1.1:5555", Endpoint{}, ErrScheme},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("Parse(%.40q): error %v, want %v", c.in, err, c.err)
			continue
		}
		if got != c.want {
			t.Errorf("Parse(%.40q) = %+.40v, want %+.40v", c.in, got, c.want)
		}
		if err == nil && got.String() != c.in {
			t.Errorf("Parse(%.40q).String() = %.40q", c.in, got.String())
		}
	}
}

func TestSplitHostPort(t *testing.T) {
	cases := []struct {
		in, host, port string
		ok             bool
	}{
		{"127.0.0.1:5555", "127.0.0.1", "5555", true},
		{"*:*", "*", "*", true},
		{"[::1]:0", "::1", "0", true},
		{"[fe80::1%eth0]:1", "fe80::1%eth0", "1", true},
		{"::1:5555", "::1", "5555", true}, // the last colon separates
		{"eth0:5555", "eth0", "5555", true},
		{"Local Area Connection* 2:5555", "Local Area Connection* 2", "5555", true},
		{"host:port", "host", "port", true}, // the port is parsed later
		{strings.Repeat("h", maxHost) + ":1", strings.Repeat("h", maxHost), "1", true},

		{"", "", "", false},
		{"127.0.0.1", "", "", false},
		{":5555", "", "", false},
		{"127.0.0.1:", "", "", false},
		{"[::1", "", "", false},
		{"[::1:5555", "", "", false},
		{"[::1]", "", "", false},
		{"[]:5555", "", "", false},
		{"[%eth0]:5555", "", "", false},
		{longHost + ":0", "", "", false},
		{strings.Repeat("h", maxHost+1) + ":1", "", "", false},
		{"127.0.0.1\x00:5555", "", "", false},
		{"host\n:5555", "", "", false},
	}
	for _, c := range cases {
		host, port, err := splitHostPort(c.in)
		if c.ok {
			if err != nil || host != c.host || port != c.port {
				t.Errorf("splitHostPort(%.40q) = %q, %q, %v; want %q, %q", c.in, host, port, err, c.host, c.port)
			}
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("splitHostPort(%.40q) = %q, %q, %v; want ErrSyntax", c.in, host, port, err)
		}
	}
}

func TestParsePort(t *testing.T) {
	cases := []struct {
		in       string
		wildcard bool
		want     int
		ok       bool
	}{
		{"5555", false, 5555, true},
		{"65535", false, 65535, true},
		{"1", false, 1, true},
		{"0", true, 0, true},
		{"*", true, 0, true},
		{"05555", false, 5555, true},

		{"0", false, 0, false},
		{"*", false, 0, false},
		{"65536", true, 0, false},
		{"99999", true, 0, false},
		{"-1", true, 0, false},
		{"+1", true, 0, false},
		{"0x10", true, 0, false},
		{"1_000", true, 0, false},
		{" 1", true, 0, false},
		{"", true, 0, false},
		{strings.Repeat("9", 10000), true, 0, false},
	}
	for _, c := range cases {
		got, err := parsePort(c.in, c.wildcard)
		if c.ok {
			if err != nil || got != c.want {
				t.Errorf("parsePort(%.20q, %v) = %d, %v; want %d", c.in, c.wildcard, got, err, c.want)
			}
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("parsePort(%.20q, %v) = %d, %v; want ErrSyntax", c.in, c.wildcard, got, err)
		}
	}
}

func TestCheckTCPConnect(t *testing.T) {
	good := []string{
		"127.0.0.1:5555",
		"[::1]:5555",
		"localhost:5555", // not resolved here
		"127.0.0.1:0;127.0.0.1:5555",
		"*:*;127.0.0.1:5555",
		"127.0.0.1:6000;[::1]:5555",
	}
	for _, in := range good {
		if err := CheckTCPConnect(in); err != nil {
			t.Errorf("CheckTCPConnect(%q): %v", in, err)
		}
	}
	bad := []string{
		"",
		"127.0.0.1",
		"127.0.0.1:*",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"*:5555",
		"[::1",
		"[::1:5555",
		longHost + ":5555",
		"1LLLLLLLLLLLLLLLLLLLLLLLL\x00:0",
		"127.0.0.1:5555;",
		";127.0.0.1:5555",
		"127.0.0.1:x;127.0.0.1:5555",
		"127.0.0.1:65536;127.0.0.1:5555",
		longHost + ":0;127.0.0.1:5555",
		"127.0.0.1:1;*:5555",
	}
	for _, in := range bad {
		if err := CheckTCPConnect(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("CheckTCPConnect(%.40q): %v, want ErrSyntax", in, err)
		}
	}
}

func TestListenTCPLoopback(t *testing.T) {
	addrs := []string{"127.0.0.1:*", "127.0.0.1:0"}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		addrs = append(addrs, "[::1]:*")
	}
	if name := loopbackInterface(t); name != "" {
		addrs = append(addrs, name+":*")
	}
	for _, addr := range addrs {
		t.Run(addr, func(t *testing.T) {
			ln, bound, err := ListenTCP(addr, Config{IPv6: strings.HasPrefix(addr, "[")})
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if strings.HasSuffix(bound, ":0") || !strings.Contains(bound, ":") {
				t.Fatalf("bound to %q", bound)
			}
			if err := CheckTCPConnect(bound); err != nil {
				t.Fatalf("bound address %q does not check: %v", bound, err)
			}
			c, err := DialTCP(context.Background(), bound, Config{Keepalive: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			a, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.RemoteAddr().String() != c.LocalAddr().String() {
				t.Fatalf("accepted %v, dialled from %v", a.RemoteAddr(), c.LocalAddr())
			}
		})
	}
}

// loopbackInterface returns the name of an up loopback interface with an
// IPv4 address, or "".
func loopbackInterface(t *testing.T) string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback == 0 || ifi.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			// resolveLocal takes the first IPv4 address: a bind to
			// the interface works only when that is a loopback one.
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				if ipn.IP.IsLoopback() {
					return ifi.Name
				}
				break
			}
		}
	}
	return ""
}

// Every malformed bind address is refused with the right sentinel before
// anything is resolved or bound.
func TestListenTCPBad(t *testing.T) {
	cases := []struct {
		addr string
		err  error
	}{
		{"", ErrSyntax},
		{"127.0.0.1", ErrSyntax},
		{"127.0.0.1:", ErrSyntax},
		{":5555", ErrSyntax},
		{"127.0.0.1:65536", ErrSyntax},
		{"127.0.0.1:-1", ErrSyntax},
		{"127.0.0.1:abc", ErrSyntax},
		{"[::1", ErrSyntax},
		{"[::1:0", ErrSyntax},
		{"[%lo]:0", ErrSyntax},
		{longHost + ":0", ErrSyntax},
		{"127.0.0.1\x00:0", ErrSyntax},
		{"no such host:0", ErrNoAddress},
		{"bad_host!:*", ErrNoAddress},
	}
	for _, c := range cases {
		ln, _, err := ListenTCP(c.addr, Config{})
		if err == nil {
			ln.Close()
		}
		if !errors.Is(err, c.err) {
			t.Errorf("ListenTCP(%.40q): %v, want %v", c.addr, err, c.err)
		}
	}
}

func TestDialBad(t *testing.T) {
	ctx := context.Background()
	for _, addr := range []string{"*:5555", "127.0.0.1:*", "127.0.0.1:0", longHost + ":1"} {
		if c, err := DialTCP(ctx, addr, Config{}); !errors.Is(err, ErrSyntax) {
			if c != nil {
				c.Close()
			}
			t.Errorf("DialTCP(%.40q): %v, want ErrSyntax", addr, err)
		}
	}
	for _, addr := range []string{"*", "", "@", strings.Repeat("x", maxIPCPath+1), "/tmp/a\x00b"} {
		if c, err := DialIPC(ctx, addr); !errors.Is(err, ErrSyntax) {
			if c != nil {
				c.Close()
			}
			t.Errorf("DialIPC(%.40q): %v, want ErrSyntax", addr, err)
		}
	}
}

func TestListenIPC(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("ipc is for Unix domain sockets")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "s.ipc")
	addrs := []string{path, "*"}
	if runtime.GOOS == "linux" {
		addrs = append(addrs, "@zmq-transport-test-"+filepath.Base(dir))
	}
	for _, addr := range addrs {
		t.Run(addr, func(t *testing.T) {
			ln, bound, err := ListenIPC(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if addr != "*" && bound != addr {
				t.Fatalf("bound to %q, asked for %q", bound, addr)
			}
			if err := CheckIPCConnect(bound); err != nil {
				t.Fatalf("bound address %q does not check: %v", bound, err)
			}
			c, err := DialIPC(context.Background(), bound)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			a, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
		})
	}
	// Closing unlinked the socket files, and binding over a stale socket
	// file replaces it.
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left after close: %v", err)
	}
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	ln, _, err := ListenIPC(path)
	if err != nil {
		t.Fatalf("bind over a stale socket file: %v", err)
	}
	ln.Close()
}

func TestListenIPCBad(t *testing.T) {
	for _, addr := range []string{
		"",
		"@",
		strings.Repeat("x", maxIPCPath+1),
		"@" + strings.Repeat("x", maxIPCPath),
		"/tmp/a\x00b",
		"@a\x00b",
	} {
		ln, _, err := ListenIPC(addr)
		if err == nil {
			ln.Close()
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ListenIPC(%.40q): %v, want ErrSyntax", addr, err)
		}
	}
	// A file that is not a socket is left alone, and the bind fails.
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ln, _, err := ListenIPC(path); err == nil {
		ln.Close()
		t.Fatal("bound over a regular file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep" {
		t.Fatalf("regular file changed: %q, %v", b, err)
	}
}
