package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Config carries the socket options that shape a TCP listener or
// connection.
type Config struct {
	IPv6           bool
	ConnectTimeout time.Duration
	Keepalive      int // -1 system default, 0 off, 1 on
	KeepaliveIdle  int // seconds, -1 system default
	KeepaliveIntvl int
	KeepaliveCnt   int

	// Sock are the options set on each tcp socket before it binds or
	// connects, and on each connection a listener accepts.
	Sock SockOpts

	// Socks is the SOCKS5 proxy tcp connections go through
	// ("host:port"; "": none), SocksUser and SocksPass the credentials
	// offered to it (RFC 1929) when SocksUser is set.
	Socks, SocksUser, SocksPass string

	// Backlog is the listen queue length ListenTCP asks for: the number
	// of connections the kernel completes and holds until they are
	// accepted. 0 keeps Go's default, the system's maximum. It takes
	// effect on Linux and the BSDs (Darwin included), capped by the
	// system's maximum; elsewhere the default stays.
	Backlog int
}

// maxHost is the longest host accepted in a tcp address: a DNS name has
// at most 253 bytes, and addresses and interface names are shorter.
const maxHost = 255

// splitHostPort splits "host:port" where host may be "[v6]" or "*". It
// checks the form only: the host must be non-empty, at most maxHost bytes
// and free of control characters, the port non-empty.
func splitHostPort(addr string) (host, port string, err error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", "", fmt.Errorf("%w: %q has no port", ErrSyntax, addr)
	}
	host, port = addr[:i], addr[i+1:]
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return "", "", fmt.Errorf("%w: %q", ErrSyntax, addr)
		}
		host = host[1 : len(host)-1]
		if h, _, ok := strings.Cut(host, "%"); ok && h == "" {
			return "", "", fmt.Errorf("%w: %q", ErrSyntax, addr)
		}
	}
	if host == "" || port == "" {
		return "", "", fmt.Errorf("%w: %q", ErrSyntax, addr)
	}
	if len(host) > maxHost {
		return "", "", fmt.Errorf("%w: host longer than %d bytes", ErrSyntax, maxHost)
	}
	if i := strings.IndexFunc(host, unicode.IsControl); i >= 0 {
		return "", "", fmt.Errorf("%w: control character in host %q", ErrSyntax, host)
	}
	return host, port, nil
}

// parsePort parses a decimal port, digits only (no sign, unlike Atoi).
// wildcard admits "*" and 0, which pick a free port when binding.
func parsePort(port string, wildcard bool) (int, error) {
	if port == "*" {
		if !wildcard {
			return 0, fmt.Errorf("%w: port * is only for bind", ErrSyntax)
		}
		return 0, nil
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || (n == 0 && !wildcard) {
		return 0, fmt.Errorf("%w: bad port %.12q", ErrSyntax, port)
	}
	return int(n), nil
}

// ListenTCP binds a tcp endpoint address such as "*:5555", "127.0.0.1:*",
// "[::1]:0", "eth0:5555" or "localhost:5555", with the listen queue
// cfg.Backlog asks for. It returns the listener and the address it is bound
// to in endpoint form ("127.0.0.1:41234").
func ListenTCP(addr string, cfg Config) (net.Listener, string, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, "", err
	}
	p, err := parsePort(port, true)
	if err != nil {
		return nil, "", err
	}
	network := "tcp4"
	var ip net.IP
	switch {
	case host == "*":
		if cfg.IPv6 {
			network = "tcp"
		}
	default:
		ip, err = resolveLocal(host, cfg.IPv6)
		if err != nil {
			return nil, "", err
		}
		if ip.To4() == nil {
			network = "tcp6"
		}
	}
	lc := net.ListenConfig{KeepAlive: -1, Control: cfg.Sock.controlFunc()}
	ln, err := lc.Listen(context.Background(), network, net.JoinHostPort(ipString(ip), strconv.Itoa(p)))
	if err != nil {
		return nil, "", err
	}
	if err := applyBacklog(ln, cfg.Backlog); err != nil {
		return nil, "", err
	}
	return ln, tcpEndpointAddr(ln.Addr().(*net.TCPAddr)), nil
}

func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}

func tcpEndpointAddr(a *net.TCPAddr) string {
	ip := a.IP
	if ip.To4() != nil {
		return ip.To4().String() + ":" + strconv.Itoa(a.Port)
	}
	if ip.IsUnspecified() {
		return "[::]:" + strconv.Itoa(a.Port)
	}
	return "[" + a.IP.String() + "]:" + strconv.Itoa(a.Port)
}

// resolveLocal turns a bind host (address, interface name or host name)
// into an IP.
func resolveLocal(host string, ipv6 bool) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	if ifi, err := net.InterfaceByName(host); err == nil {
		addrs, err := ifi.Addrs()
		if err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && (ipv6 || ipn.IP.To4() != nil) {
					return ipn.IP, nil
				}
			}
		}
		return nil, fmt.Errorf("interface %s has no usable address: %w", host, ErrNoAddress)
	}
	return resolveHost(context.Background(), host, ipv6)
}

// resolver resolves host names; a variable for the tests.
var resolver = net.DefaultResolver

// ErrNoAddress reports a host or interface with no usable address.
var ErrNoAddress = fmt.Errorf("no such address")

func resolveHost(ctx context.Context, host string, ipv6 bool) (net.IP, error) {
	network := "ip4"
	if ipv6 {
		network = "ip"
	}
	ips, err := resolver.LookupIP(ctx, network, host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("%w: cannot resolve %q", ErrNoAddress, host)
	}
	return ips[0], nil
}

// CheckTCPConnect validates a connect address, "host:port" optionally
// preceded by a source address "src:port;", without resolving it. The
// source may use the wildcards "*" and port 0; the destination may not.
func CheckTCPConnect(addr string) error {
	if src, dst, ok := strings.Cut(addr, ";"); ok {
		_, port, err := splitHostPort(src)
		if err != nil {
			return err
		}
		if _, err := parsePort(port, true); err != nil {
			return err
		}
		addr = dst
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "*" {
		return fmt.Errorf("%w: host * is only for bind", ErrSyntax)
	}
	_, err = parsePort(port, false)
	return err
}

// DialTCP connects to a tcp endpoint address "host:port", optionally
// preceded by a source address "src:port;" (see CheckTCPConnect).
func DialTCP(ctx context.Context, addr string, cfg Config) (net.Conn, error) {
	if err := CheckTCPConnect(addr); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: -1, Resolver: resolver, Control: cfg.Sock.controlFunc()}
	if src, dst, ok := strings.Cut(addr, ";"); ok {
		h, p, err := splitHostPort(src)
		if err != nil {
			return nil, err
		}
		sp, err := parsePort(p, true)
		if err != nil {
			return nil, err
		}
		var ip net.IP
		if h != "*" {
			if ip, err = resolveLocal(h, cfg.IPv6); err != nil {
				return nil, err
			}
		}
		d.LocalAddr = &net.TCPAddr{IP: ip, Port: sp}
		addr = dst
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := parsePort(port, false)
	if err != nil {
		return nil, err
	}
	if cfg.Socks != "" {
		return dialSocks(ctx, &d, cfg, host, p)
	}
	// A host name is resolved by the dialer, which tries each address in
	// turn (both families at once with the IPv6 option).
	c, err := d.DialContext(ctx, tcpNetwork(host, cfg), net.JoinHostPort(host, strconv.Itoa(p)))
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil, fmt.Errorf("%w: cannot resolve %q: %w", ErrNoAddress, host, err)
		}
		return nil, err
	}
	return tuned(c, cfg), nil
}

// tuned sets up a connection made by a dial as the engine wants it: no
// Nagle delay, keepalive as configured.
func tuned(c net.Conn, cfg Config) net.Conn {
	tc := c.(*net.TCPConn)
	tc.SetNoDelay(true)
	ApplyKeepalive(tc, cfg)
	return c
}

// tcpNetwork is the network to dial host on: IPv4 only unless the IPv6
// option is on or host is an address.
func tcpNetwork(host string, cfg Config) string {
	if cfg.IPv6 || net.ParseIP(host) != nil {
		return "tcp"
	}
	return "tcp4"
}

// ApplyKeepalive sets TCP keepalive as configured.
func ApplyKeepalive(c *net.TCPConn, cfg Config) {
	if cfg.Keepalive < 0 {
		return
	}
	kc := net.KeepAliveConfig{Enable: cfg.Keepalive == 1, Idle: -1, Interval: -1, Count: -1}
	if cfg.KeepaliveIdle > 0 {
		kc.Idle = time.Duration(cfg.KeepaliveIdle) * time.Second
	}
	if cfg.KeepaliveIntvl > 0 {
		kc.Interval = time.Duration(cfg.KeepaliveIntvl) * time.Second
	}
	if cfg.KeepaliveCnt > 0 {
		kc.Count = cfg.KeepaliveCnt
	}
	c.SetKeepAliveConfig(kc)
}
