package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	zmq "github.com/zmq-go/zmq"
)

// Authenticator is a ready-made ZAP handler (RFC 27), as CZMQ's zauth and
// pyzmq's ThreadAuthenticator are: started in a context, it answers the
// authentication requests of every server socket of that context (PLAIN
// and CURVE servers, and NULL sockets with a ZAPDomain).
//
// Its rules, which may change while it runs:
//
//   - Addresses: with [Authenticator.Allow] only the listed client IP
//     addresses pass, and with [Authenticator.Deny] the listed ones are
//     refused; Allow wins when both are set. A NULL client that passes
//     this check is accepted; PLAIN and CURVE clients must still present
//     good credentials.
//   - PLAIN: a user name and its password, per domain
//     ([Authenticator.SetPasswords], [LoadPasswords]).
//   - CURVE: the client's long-term public key, per domain
//     ([Authenticator.SetCurveKeys], [LoadCertificates]), or any key
//     ([Authenticator.AllowAnyCurveKey]), which encrypts the traffic
//     without checking who the client is.
//
// A domain is the server socket's ZAPDomain. The rules of domain "*" apply
// to every domain that has none of its own (a server without a ZAPDomain
// asks for domain ""). A refused client gets status 400 and the reason in
// the status text; an accepted one gets 200 and a user id: the PLAIN user
// name, the Z85 text of the CURVE key, or "anonymous" for NULL, as pyzmq's
// authenticator gives them.
type Authenticator struct {
	ctx *zmq.Context

	mu        sync.Mutex // guards the rules
	allow     map[string]bool
	deny      map[string]bool
	passwords map[string]map[string]string // domain, user name: password
	curve     map[string]curveRule         // domain: allowed keys

	sock *zmq.Socket
	done chan struct{}
}

// NewAuthenticator returns an authenticator for the sockets of ctx, not
// started yet, with no rules: it accepts NULL clients, and no PLAIN or
// CURVE client.
func NewAuthenticator(ctx *zmq.Context) *Authenticator {
	return &Authenticator{
		ctx:       ctx,
		allow:     make(map[string]bool),
		deny:      make(map[string]bool),
		passwords: make(map[string]map[string]string),
		curve:     make(map[string]curveRule),
	}
}

// curveRule says which CURVE clients a domain accepts.
type curveRule struct {
	any  bool
	keys map[zmq.CurvePublicKey]bool
}

// Start binds the authenticator at [zmq.ZAPEndpoint] and serves requests
// until Stop or the context's termination. It fails if another handler is
// bound there.
func (a *Authenticator) Start() error {
	s, err := a.ctx.NewSocket(zmq.Rep, zmq.Linger(0))
	if err != nil {
		return err
	}
	if err := s.Bind(zmq.ZAPEndpoint); err != nil {
		s.Close()
		return err
	}
	a.sock, a.done = s, make(chan struct{})
	go a.serve()
	return nil
}

// Stop stops serving and unbinds; servers then refuse the clients that
// need a handler.
func (a *Authenticator) Stop() {
	if a.sock == nil {
		return
	}
	a.sock.Close()
	<-a.done
	a.sock = nil
}

// Allow lets only the given client IP addresses through (and adds to those
// already allowed).
func (a *Authenticator) Allow(addresses ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, addr := range addresses {
		a.allow[addr] = true
	}
}

// Deny refuses the given client IP addresses (unless Allow is in use).
func (a *Authenticator) Deny(addresses ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, addr := range addresses {
		a.deny[addr] = true
	}
}

// SetPasswords sets the PLAIN user names and passwords of domain,
// replacing those set before. The map is copied.
func (a *Authenticator) SetPasswords(domain string, passwords map[string]string) {
	m := make(map[string]string, len(passwords))
	for user, pw := range passwords {
		m[user] = pw
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.passwords[domain] = m
}

// SetCurveKeys sets the CURVE client keys allowed in domain, replacing
// what was set for it before; the keys of [LoadCertificates]' map fit:
// SetCurveKeys(domain, slices.Collect(maps.Keys(certs))...).
func (a *Authenticator) SetCurveKeys(domain string, keys ...zmq.CurvePublicKey) {
	m := make(map[zmq.CurvePublicKey]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.curve[domain] = curveRule{keys: m}
}

// AllowAnyCurveKey accepts every CURVE client in domain, replacing what was
// set for it before: the connection is encrypted, but anyone may connect
// (pyzmq's CURVE_ALLOW_ANY).
func (a *Authenticator) AllowAnyCurveKey(domain string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.curve[domain] = curveRule{any: true}
}

// serve answers requests until the socket is closed.
func (a *Authenticator) serve() {
	defer close(a.done)
	for {
		req, err := a.sock.Recv(context.Background())
		if err != nil {
			return
		}
		f := req.Frames
		if len(f) < 6 {
			// Not a ZAP request: a REP must still answer something.
			a.sock.Send(context.Background(), zmq.NewMsgString("1.0", "", "500", "malformed request", "", ""))
			continue
		}
		status, text, user := "400", "Invalid version", ""
		if string(f[0]) == "1.0" {
			status, text, user = a.decide(string(f[2]), string(f[3]), string(f[5]), f[6:])
		}
		reply := zmq.NewMsg([]byte("1.0"), f[1], []byte(status), []byte(text), []byte(user), nil)
		if err := a.sock.Send(context.Background(), reply); err != nil {
			return
		}
	}
}

// decide applies the rules to one request.
func (a *Authenticator) decide(domain, address, mechanism string, creds [][]byte) (status, text, user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case len(a.allow) > 0:
		if !a.allow[address] {
			return "400", "Address not in the allowed list", ""
		}
	case a.deny[address]:
		return "400", "Address is denied", ""
	}
	switch mechanism {
	case "NULL":
		return "200", "OK", "anonymous"
	case "PLAIN":
		if len(creds) != 2 {
			return "400", "Malformed PLAIN credentials", ""
		}
		return a.checkPassword(domain, string(creds[0]), creds[1])
	case "CURVE":
		if len(creds) != 1 || len(creds[0]) != zmq.CurveKeySize {
			return "400", "Malformed CURVE credentials", ""
		}
		return a.checkKey(domain, zmq.CurvePublicKey(creds[0]))
	}
	return "400", "Unsupported mechanism", ""
}

// rulesFor returns domain's entry of rules, or "*"'s.
func rulesFor[V any](rules map[string]V, domain string) (V, bool) {
	if v, ok := rules[domain]; ok {
		return v, true
	}
	v, ok := rules["*"]
	return v, ok
}

func (a *Authenticator) checkPassword(domain, user string, password []byte) (string, string, string) {
	users, ok := rulesFor(a.passwords, domain)
	if !ok {
		return "400", "No passwords for the domain", ""
	}
	want, ok := users[user]
	// Compared in constant time, against something even for an unknown
	// user, so that timing tells neither.
	if subtle.ConstantTimeCompare([]byte(want), password) != 1 || !ok || want == "" {
		return "400", "Invalid user name or password", ""
	}
	return "200", "OK", user
}

func (a *Authenticator) checkKey(domain string, key zmq.CurvePublicKey) (string, string, string) {
	rule, ok := rulesFor(a.curve, domain)
	switch {
	case !ok:
		return "400", "No CURVE keys for the domain", ""
	case !rule.any && !rule.keys[key]:
		return "400", "Unknown key", ""
	}
	return "200", "OK", key.String()
}

// LoadPasswords reads a passwords file as CZMQ's zauth does: one
// "name=password" per line; empty lines and lines starting with "#" are
// skipped. The password is everything after the first "=".
func LoadPasswords(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		user, pw, ok := strings.Cut(line, "=")
		if !ok || user == "" {
			// The line itself stays out of the error: it may hold a
			// password.
			return nil, fmt.Errorf("auth: %s:%d: not name=password", path, n)
		}
		m[user] = pw
	}
	if err := sc.Err(); err != nil {
		return nil, errors.Join(errors.New("auth: reading "+path), err)
	}
	return m, nil
}
