package transport

import (
	"errors"
	"strings"
)

// Endpoint is a parsed "scheme://address" string.
type Endpoint struct {
	Scheme string // "tcp", "ipc", "inproc", ...
	Addr   string
}

// String returns the endpoint in "scheme://address" form.
func (e Endpoint) String() string { return e.Scheme + "://" + e.Addr }

// ErrSyntax reports a malformed endpoint or address.
var ErrSyntax = errors.New("malformed endpoint")

// ErrScheme reports an unknown or unsupported transport.
var ErrScheme = errors.New("unsupported transport")

// Known reports whether the scheme is one this package or the socket layer
// implements.
func Known(scheme string) bool {
	switch scheme {
	case "tcp", "ipc", "inproc":
		return true
	}
	return false
}

// Parse splits an endpoint into scheme and address. It rejects an empty
// scheme or address, and NUL bytes (which a C caller of libzmq could not
// pass), with ErrSyntax and an unknown scheme with ErrScheme. The address
// is checked further by the transport that binds or connects it.
func Parse(s string) (Endpoint, error) {
	scheme, addr, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || addr == "" || strings.IndexByte(s, 0) >= 0 {
		return Endpoint{}, ErrSyntax
	}
	if !Known(scheme) {
		return Endpoint{}, ErrScheme
	}
	return Endpoint{Scheme: scheme, Addr: addr}, nil
}
