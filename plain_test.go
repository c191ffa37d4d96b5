package zmq_test

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

var secureTransports = []string{"tcp", "ipc"}

// A PLAIN client with the right password reaches the server, in both bind
// directions, and the server's ZAP handler receives RFC 27's request with
// the credentials, the domain and the client's address.
func TestPlainAuthenticates(t *testing.T) {
	for _, tr := range secureTransports {
		for _, serverBinds := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/serverBinds=%v", tr, serverBinds), func(t *testing.T) {
				checkLeaks(t)
				c := newContext(t)
				reqs := startZAP(t, c, passwords(map[string]string{"admin": "s3cret"}))
				server := ctxSock(t, c, zmq.Rep, zmq.PlainServer(true), zmq.ZAPDomain("global"), zmq.RoutingID([]byte("srv")))
				client := ctxSock(t, c, zmq.Req, zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret"))
				sm := server.Monitor(zmq.EventHandshakeSucceeded | zmq.EventHandshakeFailedAuth)
				defer sm.Close()
				bindConnect(t, server, client, tr, serverBinds)

				send(t, client, "hello")
				expect(t, server, "hello")
				send(t, server, "world")
				expect(t, client, "world")
				expectEvents(t, sm, zmq.EventHandshakeSucceeded)

				r := nextZAP(t, reqs)
				want := zapRequest{"1.0", "1", "global", wantPeerAddress(tr), "srv", "PLAIN", "admin", "s3cret"}
				if fmt.Sprint(r) != fmt.Sprint(want) || len(r) != len(want) {
					t.Fatalf("ZAP request %q, want %q", r, want)
				}
			})
		}
	}
}

// bindConnect binds one of server and client and connects the other.
func bindConnect(t testing.TB, server, client *zmq.Socket, tr string, serverBinds bool) {
	t.Helper()
	b, d := server, client
	if !serverBinds {
		b, d = client, server
	}
	ep := bound(t, b, tr)
	if err := d.Connect(ep); err != nil {
		t.Fatal(err)
	}
}

// wantPeerAddress is the address a ZAP handler is given for a peer over tr
// in the same process, as libzmq gives it.
func wantPeerAddress(tr string) string {
	if tr == "tcp" {
		return "127.0.0.1"
	}
	return fmt.Sprintf("localhost:%d:%d:%d", os.Getuid(), os.Getgid(), os.Getpid())
}

// A wrong password: the handler's 400 reaches both sides' monitors as
// HANDSHAKE_FAILED_AUTH, the server delivers nothing, and the client does
// not retry with credentials that were refused.
func TestPlainWrongPassword(t *testing.T) {
	for _, tr := range secureTransports {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			startZAP(t, c, passwords(map[string]string{"admin": "s3cret"}))
			server := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true))
			client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("admin"), zmq.PlainPassword("guess"), zmq.ReconnectInterval(10*time.Millisecond))
			sm := server.Monitor(zmq.EventHandshakeFailedAuth | zmq.EventHandshakeSucceeded)
			defer sm.Close()
			cm := client.Monitor(zmq.EventAll)
			defer cm.Close()
			bindConnect(t, server, client, tr, true)

			ev := expectEvents(t, sm, zmq.EventHandshakeFailedAuth)[0]
			if status, local := authStatus(ev.Err); ev.Value != 400 || status != 400 || !local {
				t.Fatalf("server event %v: want value 400 and a local *AuthError 400", ev)
			}
			ev = skipEventsUntil(t, cm, zmq.EventHandshakeFailedAuth)
			if status, local := authStatus(ev.Err); ev.Value != 400 || status != 400 || local {
				t.Fatalf("client event %v: want value 400 and the peer's *AuthError 400", ev)
			}
			for _, e := range []zmq.Event{ev} {
				if hasSecret(e.String(), "guess") || hasSecret(e.Err.Error(), "guess") {
					t.Fatalf("event %v shows the password", e)
				}
			}
			expectEvents(t, cm, zmq.EventDisconnected)
			// 10 ms reconnect interval: a retry would show within 20 of them.
			expectNoEvent(t, cm, 200*time.Millisecond)
			// The endpoint is given up: the PUSH has no peer left.
			if err := client.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("TrySend after the refusal: %v, want ErrWouldBlock", err)
			}
		})
	}
}

// A PLAIN server refuses every client while no ZAP handler is bound, as
// libzmq does (HANDSHAKE_FAILED_NO_DETAIL with EFAULT); the client sees the
// connection close and retries, and gets through once a handler is bound.
func TestPlainNeedsZAPHandler(t *testing.T) {
	checkLeaks(t)
	c := newContext(t)
	server := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true))
	client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret"), zmq.ReconnectInterval(10*time.Millisecond))
	sm := server.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeSucceeded)
	defer sm.Close()
	cm := client.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventConnectRetried)
	defer cm.Close()
	bindConnect(t, server, client, "tcp", true)

	ev := expectEvents(t, sm, zmq.EventHandshakeFailedNoDetail)[0]
	if ev.Value != uint32(syscall.EFAULT) {
		t.Fatalf("server event %v: want EFAULT", ev)
	}
	expectEvents(t, cm, zmq.EventHandshakeFailedNoDetail, zmq.EventConnectRetried)

	startZAP(t, c, passwords(map[string]string{"admin": "s3cret"}))
	send(t, client, "through")
	expect(t, server, "through")
}

// A 300 (temporary failure) closes the connection without an ERROR
// command: the client retries, and passes when the handler agrees.
func TestPlainTemporaryFailure(t *testing.T) {
	checkLeaks(t)
	c := newContext(t)
	n := 0
	startZAP(t, c, func(r zapRequest) (string, string, string) {
		if n++; n == 1 {
			return "300", "try later", ""
		}
		return "200", "OK", "user"
	})
	server := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true))
	client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("u"), zmq.PlainPassword("p"), zmq.ReconnectInterval(10*time.Millisecond))
	sm := server.Monitor(zmq.EventHandshakeFailedAuth)
	defer sm.Close()
	cm := client.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeFailedAuth | zmq.EventHandshakeSucceeded)
	defer cm.Close()
	bindConnect(t, server, client, "tcp", true)

	if ev := expectEvents(t, sm, zmq.EventHandshakeFailedAuth)[0]; ev.Value != 300 {
		t.Fatalf("server event %v, want 300", ev)
	}
	expectEvents(t, cm, zmq.EventHandshakeFailedNoDetail, zmq.EventHandshakeSucceeded)
	send(t, client, "later")
	expect(t, server, "later")
}

// A PLAIN client meets a NULL server (and the other way round): both
// refuse with MECHANISM_MISMATCH.
func TestMechanismMismatch(t *testing.T) {
	checkLeaks(t)
	c := newContext(t)
	server := ctxSock(t, c, zmq.Pull)
	client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("u"), zmq.PlainPassword("p"))
	sm := server.Monitor(zmq.EventHandshakeFailedProtocol)
	defer sm.Close()
	cm := client.Monitor(zmq.EventHandshakeFailedProtocol)
	defer cm.Close()
	bindConnect(t, server, client, "tcp", true)
	for _, m := range []*zmq.Monitor{sm, cm} {
		ev := expectEvents(t, m, zmq.EventHandshakeFailedProtocol)[0]
		if zmq.ProtocolCode(ev.Value) != zmq.ProtocolMechanismMismatch {
			t.Fatalf("event %v, want MECHANISM_MISMATCH", ev)
		}
	}
}

// NULL with a ZAPDomain: the handler is asked about every peer (mechanism
// "NULL", no credentials) and may refuse it; with no handler the peer is
// accepted, unless ZAPEnforceDomain is set.
func TestNullWithZAP(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		reqs := startZAP(t, c, func(zapRequest) (string, string, string) { return "400", "not you", "" })
		server := ctxSock(t, c, zmq.Pull, zmq.ZAPDomain("d"))
		client := ctxSock(t, c, zmq.Push)
		sm := server.Monitor(zmq.EventHandshakeFailedAuth)
		defer sm.Close()
		cm := client.Monitor(zmq.EventHandshakeFailedAuth)
		defer cm.Close()
		bindConnect(t, server, client, "tcp", true)
		if r := nextZAP(t, reqs); len(r) != 6 || r.mechanism() != "NULL" || r[2] != "d" {
			t.Fatalf("ZAP request %q", r)
		}
		for _, m := range []*zmq.Monitor{sm, cm} {
			if ev := expectEvents(t, m, zmq.EventHandshakeFailedAuth)[0]; ev.Value != 400 {
				t.Fatalf("event %v, want 400", ev)
			}
		}
	})
	t.Run("no handler", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		server := ctxSock(t, c, zmq.Pull, zmq.ZAPDomain("d"))
		client := ctxSock(t, c, zmq.Push)
		bindConnect(t, server, client, "tcp", true)
		send(t, client, "unchecked")
		expect(t, server, "unchecked")
	})
	t.Run("no handler, enforced", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		server := ctxSock(t, c, zmq.Pull, zmq.ZAPDomain("d"), zmq.ZAPEnforceDomain(true))
		client := ctxSock(t, c, zmq.Push)
		sm := server.Monitor(zmq.EventHandshakeFailedNoDetail)
		defer sm.Close()
		bindConnect(t, server, client, "tcp", true)
		if ev := expectEvents(t, sm, zmq.EventHandshakeFailedNoDetail)[0]; ev.Value != uint32(syscall.EFAULT) {
			t.Fatalf("event %v, want EFAULT", ev)
		}
		client.TrySend(zmq.NewMsgString("x"))
		expectNothing(t, server, 50*time.Millisecond)
	})
}

// A handler that never answers: the handshake ends at HandshakeInterval.
func TestZAPHandlerSilent(t *testing.T) {
	checkLeaks(t)
	c := newContext(t)
	h := ctxSock(t, c, zmq.Router, zmq.Linger(0))
	if err := h.Bind(zmq.ZAPEndpoint); err != nil {
		t.Fatal(err)
	}
	server := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true), zmq.HandshakeInterval(100*time.Millisecond))
	client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("u"), zmq.PlainPassword("p"))
	sm := server.Monitor(zmq.EventHandshakeFailedNoDetail)
	defer sm.Close()
	bindConnect(t, server, client, "tcp", true)
	if _, err := h.Recv(tctx(t)); err != nil {
		t.Fatal(err)
	}
	ev := expectEvents(t, sm, zmq.EventHandshakeFailedNoDetail)[0]
	var te *zmq.TimeoutError
	if ev.Value != uint32(syscall.ETIMEDOUT) || !errors.As(ev.Err, &te) {
		t.Fatalf("event %v, want a handshake timeout", ev)
	}
}

// Replies that break RFC 27 are refused with libzmq's ZAP protocol codes.
func TestZAPMalformedReplies(t *testing.T) {
	ok := []string{"", "1.0", "1", "200", "OK", "user", ""}
	with := func(i int, v string) []string {
		r := append([]string(nil), ok...)
		r[i] = v
		return r
	}
	cases := []struct {
		name  string
		reply []string
		code  zmq.ProtocolCode
	}{
		{"six frames", ok[:6], zmq.ProtocolZAPMalformedReply},
		{"eight frames", append(append([]string(nil), ok...), "x"), zmq.ProtocolZAPMalformedReply},
		{"delimiter", with(0, "x"), zmq.ProtocolZAPUnspecified},
		{"version", with(1, "2.0"), zmq.ProtocolZAPBadVersion},
		{"request id", with(2, "2"), zmq.ProtocolZAPBadRequestID},
		{"status 201", with(3, "201"), zmq.ProtocolZAPInvalidStatusCode},
		{"status 600", with(3, "600"), zmq.ProtocolZAPInvalidStatusCode},
		{"status 20", with(3, "20"), zmq.ProtocolZAPInvalidStatusCode},
		{"metadata", with(6, "\x05Hello"), zmq.ProtocolZAPInvalidMetadata},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			h := ctxSock(t, c, zmq.Router, zmq.Linger(0))
			if err := h.Bind(zmq.ZAPEndpoint); err != nil {
				t.Fatal(err)
			}
			server := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true))
			client := ctxSock(t, c, zmq.Push, zmq.PlainUsername("u"), zmq.PlainPassword("p"))
			sm := server.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
			defer sm.Close()
			bindConnect(t, server, client, "tcp", true)
			req, err := h.Recv(tctx(t))
			if err != nil {
				t.Fatal(err)
			}
			reply := zmq.NewMsg(req.Frames[0])
			for _, f := range tc.reply {
				reply.Frames = append(reply.Frames, []byte(f))
			}
			if err := h.Send(tctx(t), reply); err != nil {
				t.Fatal(err)
			}
			ev := expectEvents(t, sm, zmq.EventHandshakeFailedProtocol)[0]
			if zmq.ProtocolCode(ev.Value) != tc.code || protocolCode(ev.Err) != tc.code {
				t.Fatalf("event %v, want %v", ev, tc.code)
			}
		})
	}
}

// Credentials over 255 bytes are refused, and the error does not show
// them.
func TestPlainOptions(t *testing.T) {
	long := string(make([]byte, 256))
	secret := "p4ssw0rd-" + long[:250]
	for name, opt := range map[string]zmq.Option{
		"username": zmq.PlainUsername(secret),
		"password": zmq.PlainPassword(secret),
		"domain":   zmq.ZAPDomain(secret),
	} {
		_, err := zmq.NewSocket(zmq.Req, opt)
		if !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("%s of 259 bytes: %v, want ErrInvalid", name, err)
		}
		if err != nil && hasSecret(err.Error(), "p4ssw0rd") {
			t.Errorf("%s: error %q shows the value", name, err)
		}
	}
	if zmq.MechanismPlain.String() != "PLAIN" || zmq.MechanismNull.String() != "NULL" || zmq.Mechanism(7).String() != "Mechanism(7)" {
		t.Error("Mechanism.String")
	}
}
