package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// The SOCKS5 client of a tcp connect through a proxy (RFC 1928), with
// username and password authentication (RFC 1929), as libzmq's
// ZMQ_SOCKS_PROXY, ZMQ_SOCKS_USERNAME and ZMQ_SOCKS_PASSWORD do it. The
// destination's host name goes to the proxy unresolved, so names only the
// proxy can resolve work.

const (
	socksVersion    = 5
	socksNoAuth     = 0x00
	socksUserPass   = 0x02
	socksNoMethod   = 0xff
	socksConnect    = 0x01
	socksATypIPv4   = 0x01
	socksATypDomain = 0x03
	socksATypIPv6   = 0x04
)

// socksHandshakeTimeout bounds the exchange with a proxy that accepted the
// connection, when the dial has no deadline of its own.
const socksHandshakeTimeout = 30 * time.Second

// SocksError is a proxy's refusal: its reply code to the CONNECT request
// (RFC 1928, section 6), or a failed authentication.
type SocksError struct {
	Reply byte   // the reply code; 0 for an authentication failure
	Msg   string // what the proxy or the exchange said
}

func (e *SocksError) Error() string { return "socks5 proxy: " + e.Msg }

// socksReplies are RFC 1928's reply codes.
var socksReplies = [...]string{
	1: "general SOCKS server failure",
	2: "connection not allowed by ruleset",
	3: "network unreachable",
	4: "host unreachable",
	5: "connection refused",
	6: "TTL expired",
	7: "command not supported",
	8: "address type not supported",
}

// ErrSocksProtocol reports a proxy whose answers break RFC 1928 or 1929.
var ErrSocksProtocol = errors.New("socks5 proxy: protocol violation")

// CheckSocks validates a proxy address and the credentials for it.
func CheckSocks(proxy, user, pass string) error {
	if proxy != "" {
		if err := CheckTCPConnect(proxy); err != nil {
			return err
		}
	}
	if len(user) > 255 || len(pass) > 255 {
		return fmt.Errorf("%w: socks username and password are at most 255 bytes", ErrSyntax)
	}
	return nil
}

// dialSocks connects to host:port through the proxy cfg.Socks.
func dialSocks(ctx context.Context, d *net.Dialer, cfg Config, host string, port int) (net.Conn, error) {
	phost, pport, err := splitHostPort(cfg.Socks)
	if err != nil {
		return nil, err
	}
	pp, err := parsePort(pport, false)
	if err != nil {
		return nil, err
	}
	c, err := d.DialContext(ctx, tcpNetwork(phost, cfg), net.JoinHostPort(phost, strconv.Itoa(pp)))
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(socksHandshakeTimeout)
	}
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	err = socksHandshake(c, cfg.SocksUser, cfg.SocksPass, host, port)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return tuned(c, cfg), nil
}

// socksHandshake asks the proxy on rw to connect to host:port.
func socksHandshake(rw io.ReadWriter, user, pass, host string, port int) error {
	methods := []byte{socksNoAuth}
	if user != "" {
		methods = []byte{socksNoAuth, socksUserPass}
	}
	greeting := append([]byte{socksVersion, byte(len(methods))}, methods...)
	if _, err := rw.Write(greeting); err != nil {
		return err
	}
	var choice [2]byte
	if _, err := io.ReadFull(rw, choice[:]); err != nil {
		return err
	}
	switch {
	case choice[0] != socksVersion:
		return fmt.Errorf("%w: version %d", ErrSocksProtocol, choice[0])
	case choice[1] == socksNoMethod:
		return &SocksError{Msg: "no acceptable authentication method"}
	case choice[1] == socksUserPass && user != "":
		if err := socksAuth(rw, user, pass); err != nil {
			return err
		}
	case choice[1] != socksNoAuth:
		return fmt.Errorf("%w: method %d was not offered", ErrSocksProtocol, choice[1])
	}
	if _, err := rw.Write(socksRequest(host, port)); err != nil {
		return err
	}
	return socksReply(rw)
}

// socksAuth authenticates with a username and password (RFC 1929).
func socksAuth(rw io.ReadWriter, user, pass string) error {
	req := make([]byte, 0, 3+len(user)+len(pass))
	req = append(req, 1, byte(len(user)))
	req = append(req, user...)
	req = append(req, byte(len(pass)))
	req = append(req, pass...)
	if _, err := rw.Write(req); err != nil {
		return err
	}
	var resp [2]byte
	if _, err := io.ReadFull(rw, resp[:]); err != nil {
		return err
	}
	if resp[0] != 1 {
		return fmt.Errorf("%w: authentication version %d", ErrSocksProtocol, resp[0])
	}
	if resp[1] != 0 {
		return &SocksError{Msg: "authentication failed"}
	}
	return nil
}

// socksRequest encodes CONNECT host:port, with the host as an address
// when it is one and as a name otherwise.
func socksRequest(host string, port int) []byte {
	req := []byte{socksVersion, socksConnect, 0}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		req = append(req, socksATypDomain, byte(len(host)))
		req = append(req, host...)
	case ip.To4() != nil:
		req = append(req, socksATypIPv4)
		req = append(req, ip.To4()...)
	default:
		req = append(req, socksATypIPv6)
		req = append(req, ip.To16()...)
	}
	return binary.BigEndian.AppendUint16(req, uint16(port))
}

// socksReply reads the proxy's answer to CONNECT, bound address included.
func socksReply(r io.Reader) error {
	var head [5]byte // VER REP RSV ATYP and the first byte of the address
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return err
	}
	if head[0] != socksVersion {
		return fmt.Errorf("%w: version %d", ErrSocksProtocol, head[0])
	}
	if rep := head[1]; rep != 0 {
		msg := "reply " + strconv.Itoa(int(rep))
		if int(rep) < len(socksReplies) {
			msg = socksReplies[rep]
		}
		return &SocksError{Reply: rep, Msg: msg}
	}
	var rest int // address bytes after the first, and the port
	switch head[3] {
	case socksATypIPv4:
		rest = 4 - 1 + 2
	case socksATypIPv6:
		rest = 16 - 1 + 2
	case socksATypDomain:
		rest = int(head[4]) + 2
	default:
		return fmt.Errorf("%w: address type %d", ErrSocksProtocol, head[3])
	}
	_, err := io.ReadFull(r, make([]byte, rest))
	return err
}
