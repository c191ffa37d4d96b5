package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// ---- PLAIN and ZAP (RFC 24, RFC 27) against libzmq ----

// zapHandler answers ZAP requests in one library's process-wide context,
// as libzmq's own tests write a handler: a REP socket bound to
// inproc://zeromq.zap.01 taking the request frames and answering seven.
// It accepts PLAIN user "admin" with password "s3cret" and any NULL peer,
// and hands every request to the test.
type zapHandler struct {
	curveKey string // the CURVE client key accepted, if any (see curve_test.go)
	reqs     chan []string
	stop     chan struct{}
	done     chan struct{}
}

func (h *zapHandler) decide(req []string) (status, text, user string) {
	if len(req) == 8 && req[5] == "PLAIN" && req[6] == "admin" && req[7] == "s3cret" {
		return "200", "OK", "admin"
	}
	if len(req) == 7 && req[5] == "CURVE" && h.curveKey != "" && req[6] == h.curveKey {
		return "200", "OK", "curve"
	}
	if len(req) == 6 && req[5] == "NULL" {
		return "200", "OK", ""
	}
	return "400", "denied", ""
}

// startZAPHandler binds a handler in our default context (ours) or in
// libzmq's (theirs), stopped at the end of the test.
func startZAPHandler(t *testing.T, ours bool) *zapHandler {
	t.Helper()
	return startZAPHandlerWith(t, ours, "")
}

// startZAPHandlerWith is startZAPHandler for a handler that also accepts
// the CURVE client with the (raw) key curveKey.
func startZAPHandlerWith(t *testing.T, ours bool, curveKey string) *zapHandler {
	t.Helper()
	h := &zapHandler{curveKey: curveKey, reqs: make(chan []string, 16), stop: make(chan struct{}), done: make(chan struct{})}
	var recv func() ([][]byte, bool)
	var reply func(frames ...[]byte)
	if ours {
		rep := newOurs(t, zmq.Rep, zmq.Linger(0))
		if err := rep.Bind(zmq.ZAPEndpoint); err != nil {
			t.Fatalf("ours: bind the ZAP handler: %v", err)
		}
		e := ourEnd{rep}
		recv = func() ([][]byte, bool) { return e.recvWithin(t, 20*time.Millisecond) }
		reply = func(frames ...[]byte) { e.send(t, frames...) }
	} else {
		rep := newTheirs(t, zmq.Rep)
		must(t, "libzmq: bind the ZAP handler", rep.Bind("inproc://zeromq.zap.01"))
		// libzmq frees a closed socket's endpoints later, on its reaper
		// thread: unbind now, so that the next test can bind at once.
		t.Cleanup(func() { rep.Unbind("inproc://zeromq.zap.01") })
		e := theirEnd{rep}
		recv = func() ([][]byte, bool) { return e.recvWithin(t, 20*time.Millisecond) }
		reply = func(frames ...[]byte) { e.send(t, frames...) }
	}
	go func() {
		defer close(h.done)
		for {
			select {
			case <-h.stop:
				return
			default:
			}
			m, ok := recv()
			if !ok {
				continue
			}
			req := make([]string, len(m))
			for i, f := range m {
				req[i] = string(f)
			}
			h.reqs <- req
			status, text, user := h.decide(req)
			reply([]byte("1.0"), m[1], []byte(status), []byte(text), []byte(user), nil)
		}
	}()
	// Stopped before the socket closes (cleanups run last-in first-out).
	t.Cleanup(func() {
		close(h.stop)
		<-h.done
	})
	return h
}

func (h *zapHandler) next(t testing.TB) []string {
	t.Helper()
	select {
	case r := <-h.reqs:
		return r
	case <-time.After(opTimeout):
		t.Fatal("no ZAP request")
	}
	return nil
}

// plainPair makes a PLAIN server (REP) and client (REQ), one ours and one
// libzmq's, with the client's credentials.
func plainPair(t *testing.T, oursServes bool, user, password string) (server, client monitoredSock) {
	t.Helper()
	server = newMonitored(t, oursServes, zmq.Rep, hb{}, 0)
	client = newMonitored(t, !oursServes, zmq.Req, hb{}, reconnectIvl)
	if oursServes {
		must(t, "ours: plain server", server.end.(ourEnd).s.SetOption(zmq.PlainServer(true), zmq.ZAPDomain("interop")))
		c := client.end.(theirEnd).s
		must(t, "libzmq: plain username", c.SetPlainUsername(user))
		must(t, "libzmq: plain password", c.SetPlainPassword(password))
	} else {
		s := server.end.(theirEnd).s
		must(t, "libzmq: plain server", s.SetPlainServer(1))
		must(t, "libzmq: zap domain", s.SetZapDomain("interop"))
		must(t, "ours: plain client", client.end.(ourEnd).s.SetOption(zmq.PlainUsername(user), zmq.PlainPassword(password)))
	}
	return server, client
}

// wantAddress is the peer address a ZAP handler gets for a peer in this
// process over tr.
func wantAddress(tr string) string {
	if tr == "tcp" {
		return "127.0.0.1"
	}
	return fmt.Sprintf("localhost:%d:%d:%d", os.Getuid(), os.Getgid(), os.Getpid())
}

// PLAIN between us and libzmq, each as server and as client, each side
// binding, over tcp and ipc: the server's ZAP handler (in the server's
// library) receives the same request from either library's server, and
// the right password gets messages through both ways.
func TestPlainInterop(t *testing.T) {
	for _, tr := range transports {
		for _, oursServes := range []bool{true, false} {
			for _, serverBinds := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s-serves/server-binds=%v", tr, side(oursServes), serverBinds)
				t.Run(name, func(t *testing.T) {
					checkLeaks(t)
					zap := startZAPHandler(t, oursServes)
					server, client := plainPair(t, oursServes, "admin", "s3cret")
					if serverBinds {
						client.connect(t, server.bind(t, tr))
					} else {
						server.connect(t, client.bind(t, tr))
					}
					req := zap.next(t)
					want := []string{"1.0", "1", "interop", wantAddress(tr), "", "PLAIN", "admin", "s3cret"}
					if !slices.Equal(req, want) {
						t.Fatalf("%v's ZAP request %q, want %q", server, req, want)
					}
					client.send(t, []byte("hello"))
					if m := server.recv(t); string(m[0]) != "hello" {
						t.Fatalf("server got %s", show(m))
					}
					server.send(t, []byte("world"))
					if m := client.recv(t); string(m[0]) != "world" {
						t.Fatalf("client got %s", show(m))
					}
					server.log.await(t, zmq.EventHandshakeSucceeded)
					client.log.await(t, zmq.EventHandshakeSucceeded)
				})
			}
		}
	}
}

// A wrong password, either library serving: the server's handler refuses
// with 400, both sides report HANDSHAKE_FAILED_AUTH 400, nothing is
// delivered, and the client does not try again.
func TestPlainInteropRefused(t *testing.T) {
	for _, oursServes := range []bool{true, false} {
		t.Run(side(oursServes)+"-serves", func(t *testing.T) {
			checkLeaks(t)
			zap := startZAPHandler(t, oursServes)
			server, client := plainPair(t, oursServes, "admin", "guess")
			client.connect(t, server.bind(t, "tcp"))
			if req := zap.next(t); len(req) != 8 || req[7] != "guess" {
				t.Fatalf("ZAP request %q", req)
			}
			for _, s := range []monitoredSock{server, client} {
				if ev := s.log.await(t, zmq.EventHandshakeFailedAuth); ev.Value != 400 {
					t.Errorf("%s: %v value %d, want 400", s.log.name, ev.Type, ev.Value)
				}
			}
			client.log.await(t, zmq.EventDisconnected)
			client.log.quiet(t, zmq.EventConnected|zmq.EventHandshakeSucceeded, 300*time.Millisecond)
			if m, ok := server.recvWithin(t, 50*time.Millisecond); ok {
				t.Fatalf("server received %s", show(m))
			}
		})
	}
}

// libzmq's PLAIN server with no ZAP handler refuses every client, and so
// does ours: our client against libzmq's, and libzmq's against ours, never
// complete a handshake.
func TestPlainInteropNoHandler(t *testing.T) {
	for _, oursServes := range []bool{true, false} {
		t.Run(side(oursServes)+"-serves", func(t *testing.T) {
			checkLeaks(t)
			server, client := plainPair(t, oursServes, "admin", "s3cret")
			client.connect(t, server.bind(t, "tcp"))
			ev := server.log.await(t, zmq.EventHandshakeFailedNoDetail)
			if ev.Value != uint32(zmq4.Errno(14)) { // EFAULT
				t.Errorf("%s: %v value %d, want EFAULT", server.log.name, ev.Type, ev.Value)
			}
			client.log.quiet(t, zmq.EventHandshakeSucceeded, 200*time.Millisecond)
		})
	}
}

// PLAIN against pyzmq, whose server authenticates with pyzmq's own
// ThreadAuthenticator (a ZAP handler written for libzmq): each library
// serving, each side binding; a wrong password refused on both sides.
func TestPlainPyZMQ(t *testing.T) {
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq.auth.thread").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "secure.py"))
	must(t, "secure.py", err)
	cases := []struct {
		oursServes, oursBinds bool
		password              string
	}{
		{true, true, "s3cret"}, {true, false, "s3cret"}, {false, true, "s3cret"}, {false, false, "s3cret"},
		{true, true, "guess"}, {false, false, "guess"},
	}
	who := func(ours bool) string {
		if ours {
			return "ours"
		}
		return "pyzmq"
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s-serves/%s-binds/%s", who(tc.oursServes), who(tc.oursBinds), tc.password)
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			var s *zmq.Socket
			if tc.oursServes {
				startZAPHandler(t, true)
				s = newOurs(t, zmq.Rep, zmq.PlainServer(true))
			} else {
				s = newOurs(t, zmq.Req, zmq.PlainUsername("admin"), zmq.PlainPassword(tc.password))
			}
			m := monitorOurs(t, s, zmq.EventHandshakeSucceeded|zmq.EventHandshakeFailedAuth)
			role := "client"
			if !tc.oursServes {
				role = "server"
			}
			var p *peerProc
			if tc.oursBinds {
				ep := bindOurs(t, s, "tcp")
				p = startPeer(t, py, script, "plain", role, ep, "connect", "admin", tc.password)
			} else {
				p = startPeer(t, py, script, "plain", role, "tcp://127.0.0.1:*", "bind", "admin", tc.password)
				ep := strings.TrimPrefix(p.line(t, "endpoint "), "endpoint ")
				if err := s.Connect(ep); err != nil {
					t.Fatal(err)
				}
			}
			ev, ok := m.nextWithin(t, opTimeout)
			if !ok {
				t.Fatal("ours: no handshake event")
			}
			if tc.password != "s3cret" {
				if ev.Type != zmq.EventHandshakeFailedAuth || ev.Value != 400 {
					t.Fatalf("ours: %v value %d, want HANDSHAKE_FAILED_AUTH 400", ev, ev.Value)
				}
				if l := p.line(t, "refused"); l != "refused 400" {
					t.Fatalf("pyzmq: %q, want \"refused 400\"", l)
				}
				return
			}
			if ev.Type != zmq.EventHandshakeSucceeded {
				t.Fatalf("ours: %v", ev)
			}
			if tc.oursServes {
				if msg := recvOurs(t, s); string(msg[0]) != "hello" {
					t.Fatalf("ours: received %s", show(msg))
				}
				sendOurs(t, s, []byte("world"))
			} else {
				sendOurs(t, s, []byte("hello"))
				if msg := recvOurs(t, s); string(msg[0]) != "world" {
					t.Fatalf("ours: received %s", show(msg))
				}
			}
			p.line(t, "ok "+role)
			if err := p.wait(); err != nil {
				t.Fatalf("pyzmq: %v\n%s", err, p.stderr.String())
			}
		})
	}
}
