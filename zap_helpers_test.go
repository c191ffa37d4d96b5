package zmq_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// newContext returns a context of the test's own, terminated at its end:
// a ZAP handler serves the servers of its context only.
func newContext(t testing.TB) *zmq.Context {
	c := zmq.NewContext()
	t.Cleanup(func() { c.Term() })
	return c
}

// ctxSock makes a socket of context c, closed at the test's end.
func ctxSock(t testing.TB, c *zmq.Context, typ zmq.Type, opts ...zmq.Option) *zmq.Socket {
	t.Helper()
	opts = append([]zmq.Option{zmq.Linger(time.Second)}, opts...)
	s, err := c.NewSocket(typ, opts...)
	if err != nil {
		t.Fatalf("new %v: %v", typ, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// zapRequest is a ZAP request as a handler's REP socket receives it: the
// frames after the delimiter.
type zapRequest []string

func (r zapRequest) mechanism() string { return r[5] }

// startZAP runs a ZAP handler in c on a REP socket, as libzmq's tests write
// one: decide answers each request with a status code, a status text and a
// user id. Every request is also sent on the returned channel.
func startZAP(t testing.TB, c *zmq.Context, decide func(r zapRequest) (status, text, user string)) <-chan zapRequest {
	t.Helper()
	rep := ctxSock(t, c, zmq.Rep, zmq.Linger(0))
	if err := rep.Bind(zmq.ZAPEndpoint); err != nil {
		t.Fatalf("bind %s: %v", zmq.ZAPEndpoint, err)
	}
	reqs := make(chan zapRequest, 100)
	done := make(chan struct{})
	t.Cleanup(func() {
		rep.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			m, err := rep.Recv(tctx(t))
			if err != nil {
				return
			}
			r := make(zapRequest, len(m.Frames))
			for i, f := range m.Frames {
				r[i] = string(f)
			}
			reqs <- r
			status, text, user := "500", "malformed request", ""
			if len(r) >= 6 {
				status, text, user = decide(r)
			}
			if err := rep.Send(tctx(t), zmq.NewMsgString("1.0", r[1], status, text, user, "")); err != nil {
				return
			}
		}
	}()
	return reqs
}

// nextZAP returns the handler's next request.
func nextZAP(t testing.TB, reqs <-chan zapRequest) zapRequest {
	t.Helper()
	select {
	case r := <-reqs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no ZAP request within 5s")
	}
	return nil
}

// passwords is a ZAP decision accepting PLAIN users by password, and any
// other mechanism.
func passwords(users map[string]string) func(r zapRequest) (string, string, string) {
	return func(r zapRequest) (string, string, string) {
		if r.mechanism() != "PLAIN" {
			return "200", "OK", ""
		}
		if len(r) == 8 && users[r[6]] == r[7] && r[7] != "" {
			return "200", "OK", r[6]
		}
		return "400", "bad credentials", ""
	}
}

// authStatus returns the status of the *AuthError in err and whether it
// was our own handler's refusal, or 0.
func authStatus(err error) (status int, local bool) {
	var ae *zmq.AuthError
	if errors.As(err, &ae) {
		return ae.Status, ae.Local
	}
	return 0, false
}

// hasSecret reports whether s mentions secret, for checks that errors and
// events never carry credentials.
func hasSecret(s, secret string) bool { return strings.Contains(s, secret) }
