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
// scheme or address with ErrSyntax and an unknown scheme with ErrScheme.
func Parse(s string) (Endpoint, error) {
	scheme, addr, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || addr == "" {
		return Endpoint{}, ErrSyntax
	}
	if !Known(scheme) {
		return Endpoint{}, ErrScheme
	}
	return Endpoint{Scheme: scheme, Addr: addr}, nil
}
