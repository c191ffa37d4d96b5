package auth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/auth"
)

func tctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// started returns a context of the test's own with a started
// authenticator.
func started(t *testing.T) (*zmq.Context, *auth.Authenticator) {
	c := zmq.NewContext()
	t.Cleanup(func() { c.Term() })
	a := auth.NewAuthenticator(c)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	return c, a
}

func sock(t *testing.T, c *zmq.Context, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	s, err := c.NewSocket(typ, append([]zmq.Option{zmq.Linger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// handshake connects a client with clientOpts to a server with
// serverOpts over tcp and returns the server's first handshake event.
func handshake(t *testing.T, c *zmq.Context, serverOpts, clientOpts []zmq.Option) zmq.Event {
	t.Helper()
	server := sock(t, c, zmq.Pull, serverOpts...)
	mon := server.Monitor(zmq.EventHandshakeSucceeded | zmq.EventHandshakeFailedAuth | zmq.EventHandshakeFailedNoDetail)
	t.Cleanup(func() { mon.Close() })
	if err := server.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	client := sock(t, c, zmq.Push, clientOpts...)
	if err := client.Connect(server.LastEndpoint()); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-mon.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no handshake event")
	}
	return zmq.Event{}
}

// refusedWith checks that ev is a refusal by the handler with reason.
func refusedWith(t *testing.T, ev zmq.Event, reason string) {
	t.Helper()
	var ae *zmq.AuthError
	if ev.Type != zmq.EventHandshakeFailedAuth || !errors.As(ev.Err, &ae) || ae.Status != 400 || ae.Reason != reason {
		t.Fatalf("event %v (%v), want a refusal with 400 %q", ev, ev.Err, reason)
	}
}

func TestAuthenticatorPlain(t *testing.T) {
	c, a := started(t)
	a.SetPasswords("*", map[string]string{"admin": "s3cret", "nopw": ""})
	server := []zmq.Option{zmq.PlainServer(true)}
	for _, tc := range []struct {
		user, password, reason string
	}{
		{"admin", "s3cret", ""},
		{"admin", "s3cre", "Invalid user name or password"},
		{"admin", "s3cret!", "Invalid user name or password"},
		{"root", "s3cret", "Invalid user name or password"},
		{"nopw", "x", "Invalid user name or password"},
	} {
		ev := handshake(t, c, server, []zmq.Option{zmq.PlainUsername(tc.user), zmq.PlainPassword(tc.password)})
		if tc.reason == "" {
			if ev.Type != zmq.EventHandshakeSucceeded {
				t.Fatalf("%s/%s: %v", tc.user, tc.password, ev)
			}
			continue
		}
		refusedWith(t, ev, tc.reason)
	}
	// Rules of a domain of its own take the place of "*"'s.
	a.SetPasswords("ops", map[string]string{"operator": "pw"})
	refusedWith(t, handshake(t, c, append(server, zmq.ZAPDomain("ops")), []zmq.Option{zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")}), "Invalid user name or password")
	if ev := handshake(t, c, append(server, zmq.ZAPDomain("ops")), []zmq.Option{zmq.PlainUsername("operator"), zmq.PlainPassword("pw")}); ev.Type != zmq.EventHandshakeSucceeded {
		t.Fatalf("operator in ops: %v", ev)
	}
}

func TestAuthenticatorNoPasswords(t *testing.T) {
	c, _ := started(t)
	ev := handshake(t, c, []zmq.Option{zmq.PlainServer(true)}, []zmq.Option{zmq.PlainUsername("a"), zmq.PlainPassword("b")})
	refusedWith(t, ev, "No passwords for the domain")
}

func TestAuthenticatorAddresses(t *testing.T) {
	server := []zmq.Option{zmq.ZAPDomain("d")} // NULL, asking the handler
	t.Run("denied", func(t *testing.T) {
		c, a := started(t)
		a.Deny("127.0.0.1")
		refusedWith(t, handshake(t, c, server, nil), "Address is denied")
	})
	t.Run("not allowed", func(t *testing.T) {
		c, a := started(t)
		a.Allow("192.0.2.1")
		refusedWith(t, handshake(t, c, server, nil), "Address not in the allowed list")
	})
	t.Run("allowed wins", func(t *testing.T) {
		c, a := started(t)
		a.Deny("127.0.0.1")
		a.Allow("127.0.0.1")
		if ev := handshake(t, c, server, nil); ev.Type != zmq.EventHandshakeSucceeded {
			t.Fatal(ev)
		}
	})
	t.Run("allowed must still authenticate", func(t *testing.T) {
		c, a := started(t)
		a.Allow("127.0.0.1")
		a.SetPasswords("*", map[string]string{"u": "p"})
		refusedWith(t, handshake(t, c, []zmq.Option{zmq.PlainServer(true)}, []zmq.Option{zmq.PlainUsername("u"), zmq.PlainPassword("q")}), "Invalid user name or password")
	})
}

// zapAsk sends one ZAP request straight to the authenticator and returns
// the reply's frames after the delimiter.
func zapAsk(t *testing.T, c *zmq.Context, frames ...[]byte) []string {
	t.Helper()
	d := sock(t, c, zmq.Dealer)
	if err := d.Connect(zmq.ZAPEndpoint); err != nil {
		t.Fatal(err)
	}
	if err := d.Send(tctx(t), zmq.NewMsg(append([][]byte{nil}, frames...)...)); err != nil {
		t.Fatal(err)
	}
	m, err := d.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(m.Frames)-1)
	for i, f := range m.Frames[1:] {
		out[i] = string(f)
	}
	return out
}

func curveRequest(domain string, key zmq.CurvePublicKey) [][]byte {
	return [][]byte{[]byte("1.0"), []byte("7"), []byte(domain), []byte("127.0.0.1"), nil, []byte("CURVE"), key[:]}
}

func TestAuthenticatorCurve(t *testing.T) {
	c, a := started(t)
	k1, _, _ := zmq.NewCurveKeyPair()
	k2, _, _ := zmq.NewCurveKeyPair()
	check := func(domain string, key zmq.CurvePublicKey, status, text, user string) {
		t.Helper()
		got := zapAsk(t, c, curveRequest(domain, key)...)
		want := []string{"1.0", "7", status, text, user, ""}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s %s: reply %q, want %q", domain, key, got, want)
		}
	}
	check("", k1, "400", "No CURVE keys for the domain", "")
	a.SetCurveKeys("*", k1)
	check("", k1, "200", "OK", k1.String())
	check("any domain", k1, "200", "OK", k1.String())
	check("", k2, "400", "Unknown key", "")
	a.AllowAnyCurveKey("open")
	check("open", k2, "200", "OK", k2.String())
	a.SetCurveKeys("open", k2)
	check("open", k1, "400", "Unknown key", "")

	bad := curveRequest("", k1)
	bad[6] = bad[6][:31]
	if got := zapAsk(t, c, bad...); got[2] != "400" || got[3] != "Malformed CURVE credentials" {
		t.Fatalf("short key: %q", got)
	}
	bad = curveRequest("", k1)
	bad[0] = []byte("2.0")
	if got := zapAsk(t, c, bad...); got[2] != "400" || got[3] != "Invalid version" {
		t.Fatalf("version 2.0: %q", got)
	}
}

// A second handler cannot start; after Stop, a PLAIN server has no handler
// and refuses its clients.
func TestAuthenticatorStartStop(t *testing.T) {
	c, a := started(t)
	if err := auth.NewAuthenticator(c).Start(); !errors.Is(err, zmq.ErrAddrInUse) {
		t.Fatalf("second Start: %v, want ErrAddrInUse", err)
	}
	a.SetPasswords("*", map[string]string{"u": "p"})
	a.Stop()
	a.Stop() // idempotent
	ev := handshake(t, c, []zmq.Option{zmq.PlainServer(true)}, []zmq.Option{zmq.PlainUsername("u"), zmq.PlainPassword("p")})
	if ev.Type != zmq.EventHandshakeFailedNoDetail {
		t.Fatalf("after Stop: %v", ev)
	}
}

func TestLoadPasswords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "passwords")
	os.WriteFile(path, []byte("# users\nadmin=s3cret\r\n\n  \nodd=a=b\nempty=\n"), 0o600)
	m, err := auth.LoadPasswords(path)
	if err != nil || len(m) != 3 || m["admin"] != "s3cret" || m["odd"] != "a=b" || m["empty"] != "" {
		t.Fatalf("LoadPasswords = %q, %v", m, err)
	}
	os.WriteFile(path, []byte("admin=ok\nhunter2\n"), 0o600)
	_, err = auth.LoadPasswords(path)
	if err == nil || !strings.Contains(err.Error(), ":2:") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad line: %v", err)
	}
	if _, err := auth.LoadPasswords(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
