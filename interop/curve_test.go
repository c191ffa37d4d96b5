package interop

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// ---- CURVE (RFC 25, RFC 26) against libzmq ----

// curveKeys is a long-term key pair, usable by either library.
type curveKeys struct {
	pub    zmq.CurvePublicKey
	secret *zmq.CurveSecretKey
}

func newCurveKeys(t testing.TB) curveKeys {
	t.Helper()
	pub, secret, err := zmq.NewCurveKeyPair()
	must(t, "curve key pair", err)
	return curveKeys{pub, secret}
}

// curvePair makes a CURVE server (REP, with the server's key pair sk and
// ZAP domain "interop") and client (REQ, with key pair ck, knowing the
// server by serverKey), one ours and one libzmq's, each with heartbeats h.
func curvePair(t *testing.T, oursServes bool, sk, ck curveKeys, serverKey zmq.CurvePublicKey, h hb) (server, client monitoredSock) {
	t.Helper()
	server = newMonitored(t, oursServes, zmq.Rep, h, 0)
	client = newMonitored(t, !oursServes, zmq.Req, h, reconnectIvl)
	if oursServes {
		must(t, "ours: curve server", server.end.(ourEnd).s.SetOption(zmq.CurveServer(true), zmq.CurveSecret(sk.secret), zmq.ZAPDomain("interop")))
		c := client.end.(theirEnd).s
		must(t, "libzmq: curve server key", c.SetCurveServerkey(serverKey.String()))
		must(t, "libzmq: curve public key", c.SetCurvePublickey(ck.pub.String()))
		must(t, "libzmq: curve secret key", c.SetCurveSecretkey(ck.secret.Z85()))
	} else {
		s := server.end.(theirEnd).s
		must(t, "libzmq: curve server", s.SetCurveServer(1))
		must(t, "libzmq: curve secret key", s.SetCurveSecretkey(sk.secret.Z85()))
		must(t, "libzmq: zap domain", s.SetZapDomain("interop"))
		must(t, "ours: curve client", client.end.(ourEnd).s.SetOption(zmq.CurveServerKey(serverKey), zmq.CurvePublic(ck.pub), zmq.CurveSecret(ck.secret)))
	}
	return server, client
}

// CURVE between us and libzmq, each as server and as client, each side
// binding, over tcp and ipc: the server's ZAP handler gets the client's
// long-term key; messages, multipart and large, go both ways; heartbeats
// (PING and PONG sealed in MESSAGE) keep the connection up meanwhile.
func TestCurveInterop(t *testing.T) {
	big := bytes.Repeat([]byte("curve!"), 200000)
	for _, tr := range transports {
		for _, oursServes := range []bool{true, false} {
			for _, serverBinds := range []bool{true, false} {
				name := fmt.Sprintf("%s/%s-serves/server-binds=%v", tr, side(oursServes), serverBinds)
				t.Run(name, func(t *testing.T) {
					checkLeaks(t)
					sk, ck := newCurveKeys(t), newCurveKeys(t)
					zap := startZAPHandlerWith(t, oursServes, string(ck.pub[:]))
					server, client := curvePair(t, oursServes, sk, ck, sk.pub, hb{ivl: 20 * time.Millisecond, timeout: 500 * time.Millisecond})
					if serverBinds {
						client.connect(t, server.bind(t, tr))
					} else {
						server.connect(t, client.bind(t, tr))
					}
					req := zap.next(t)
					want := []string{"1.0", "1", "interop", wantAddress(tr), "", "CURVE", string(ck.pub[:])}
					if !slices.Equal(req, want) {
						t.Fatalf("%v's ZAP request %q, want %q", server, req, want)
					}
					for i := range 50 {
						client.send(t, []byte("hello"), []byte(fmt.Sprint(i)))
						if m := server.recv(t); len(m) != 2 || string(m[0]) != "hello" || string(m[1]) != fmt.Sprint(i) {
							t.Fatalf("server got %s", show(m))
						}
						server.send(t, []byte("world"), nil, []byte(fmt.Sprint(i)))
						if m := client.recv(t); len(m) != 3 || string(m[0]) != "world" || string(m[2]) != fmt.Sprint(i) {
							t.Fatalf("client got %s", show(m))
						}
					}
					client.send(t, big, []byte("end"))
					if m := server.recv(t); len(m) != 2 || !bytes.Equal(m[0], big) {
						t.Fatalf("server got the large message damaged")
					}
					server.send(t, []byte("x"), big)
					if m := client.recv(t); len(m) != 2 || !bytes.Equal(m[1], big) {
						t.Fatalf("client got the large message damaged")
					}
					server.log.await(t, zmq.EventHandshakeSucceeded)
					client.log.await(t, zmq.EventHandshakeSucceeded)
					// Twenty heartbeat intervals: a PING or PONG either side
					// could not open would end the connection.
					client.log.quiet(t, zmq.EventDisconnected|zmq.EventHandshakeFailedProtocol, 400*time.Millisecond)
					server.log.quiet(t, zmq.EventDisconnected|zmq.EventHandshakeFailedProtocol, 50*time.Millisecond)
					client.send(t, []byte("after"))
					if m := server.recv(t); string(m[0]) != "after" {
						t.Fatalf("server got %s", show(m))
					}
				})
			}
		}
	}
}

// A client key the server's handler does not know, either library
// serving: 400 on both sides (HANDSHAKE_FAILED_AUTH), nothing delivered,
// and the client does not try again.
func TestCurveInteropUnknownKey(t *testing.T) {
	for _, oursServes := range []bool{true, false} {
		t.Run(side(oursServes)+"-serves", func(t *testing.T) {
			checkLeaks(t)
			sk, ck, other := newCurveKeys(t), newCurveKeys(t), newCurveKeys(t)
			zap := startZAPHandlerWith(t, oursServes, string(other.pub[:]))
			server, client := curvePair(t, oursServes, sk, ck, sk.pub, hb{})
			client.connect(t, server.bind(t, "tcp"))
			if req := zap.next(t); len(req) != 7 || req[6] != string(ck.pub[:]) {
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

// A client with the wrong server key, either library serving: the server
// cannot open HELLO (HANDSHAKE_FAILED_PROTOCOL, ZMTP_CRYPTOGRAPHIC) and
// closes the connection, which the client reports as
// HANDSHAKE_FAILED_NO_DETAIL; the client retries, and is never served.
func TestCurveInteropWrongServerKey(t *testing.T) {
	for _, oursServes := range []bool{true, false} {
		t.Run(side(oursServes)+"-serves", func(t *testing.T) {
			checkLeaks(t)
			sk, ck, other := newCurveKeys(t), newCurveKeys(t), newCurveKeys(t)
			startZAPHandlerWith(t, oursServes, string(ck.pub[:]))
			server, client := curvePair(t, oursServes, sk, ck, other.pub, hb{})
			client.connect(t, server.bind(t, "tcp"))
			ev := server.log.await(t, zmq.EventHandshakeFailedProtocol)
			if zmq.ProtocolCode(ev.Value) != zmq.ProtocolCryptographic {
				t.Errorf("%s: %v value %#x, want ZMTP_CRYPTOGRAPHIC", server.log.name, ev.Type, ev.Value)
			}
			client.log.await(t, zmq.EventHandshakeFailedNoDetail)
			client.log.await(t, zmq.EventConnectRetried)
			if n := client.log.count(zmq.EventHandshakeSucceeded); n != 0 {
				t.Fatalf("%s: %d handshakes succeeded", client.log.name, n)
			}
		})
	}
}

// A CURVE server, ours or libzmq's, with no ZAP handler bound accepts
// any client (encryption without authentication), and so does the other.
func TestCurveInteropNoHandler(t *testing.T) {
	for _, oursServes := range []bool{true, false} {
		t.Run(side(oursServes)+"-serves", func(t *testing.T) {
			checkLeaks(t)
			sk, ck := newCurveKeys(t), newCurveKeys(t)
			server, client := curvePair(t, oursServes, sk, ck, sk.pub, hb{})
			client.connect(t, server.bind(t, "tcp"))
			client.send(t, []byte("anyone"))
			if m := server.recv(t); string(m[0]) != "anyone" {
				t.Fatalf("server got %s", show(m))
			}
		})
	}
}

// CURVE against pyzmq, whose server authenticates with pyzmq's own
// ThreadAuthenticator (configure_curve, a certificate directory holding
// the one client key it accepts): each library serving, each side binding;
// an unknown client key is refused with 400 on both sides, and a wrong
// server key is a ZMTP_CRYPTOGRAPHIC failure on the server, which the
// client sees as HANDSHAKE_FAILED_NO_DETAIL.
func TestCurvePyZMQ(t *testing.T) {
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq.auth.thread").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "secure.py"))
	must(t, "secure.py", err)
	const (
		good = iota
		unknownClient
		wrongServer
	)
	cases := []struct {
		oursServes, oursBinds bool
		what                  int
	}{
		{true, true, good}, {true, false, good}, {false, true, good}, {false, false, good},
		{true, true, unknownClient}, {false, false, unknownClient},
		{true, true, wrongServer}, {false, false, wrongServer},
	}
	who := func(ours bool) string {
		if ours {
			return "ours"
		}
		return "pyzmq"
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s-serves/%s-binds/%s", who(tc.oursServes), who(tc.oursBinds), []string{"good", "unknown-client", "wrong-server"}[tc.what])
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			sk, ck, other := newCurveKeys(t), newCurveKeys(t), newCurveKeys(t)
			allowed, serverKey := ck.pub, sk.pub
			switch tc.what {
			case unknownClient:
				allowed = other.pub
			case wrongServer:
				serverKey = other.pub
			}
			var s *zmq.Socket
			var args []string
			role := "client"
			if tc.oursServes {
				startZAPHandlerWith(t, true, string(allowed[:]))
				s = newOurs(t, zmq.Rep, zmq.CurveServer(true), zmq.CurveSecret(sk.secret))
				args = []string{serverKey.String(), ck.pub.String(), ck.secret.Z85()}
			} else {
				role = "server"
				s = newOurs(t, zmq.Req, zmq.CurveServerKey(serverKey), zmq.CurvePublic(ck.pub), zmq.CurveSecret(ck.secret))
				args = []string{sk.secret.Z85(), allowed.String()}
			}
			m := monitorOurs(t, s, zmq.EventHandshakeSucceeded|zmq.EventHandshakeFailedAuth|zmq.EventHandshakeFailedProtocol|zmq.EventHandshakeFailedNoDetail)
			var p *peerProc
			if tc.oursBinds {
				ep := bindOurs(t, s, "tcp")
				p = startPeer(t, py, append([]string{script, "curve", role, ep, "connect"}, args...)...)
			} else {
				p = startPeer(t, py, append([]string{script, "curve", role, "tcp://127.0.0.1:*", "bind"}, args...)...)
				ep := strings.TrimPrefix(p.line(t, "endpoint "), "endpoint ")
				if err := s.Connect(ep); err != nil {
					t.Fatal(err)
				}
			}
			ev, ok := m.nextWithin(t, opTimeout)
			if !ok {
				t.Fatal("ours: no handshake event")
			}
			switch tc.what {
			case unknownClient:
				if ev.Type != zmq.EventHandshakeFailedAuth || ev.Value != 400 {
					t.Fatalf("ours: %v value %d, want HANDSHAKE_FAILED_AUTH 400", ev, ev.Value)
				}
				if l := p.line(t, "refused"); l != "refused 400" {
					t.Fatalf("pyzmq: %q, want \"refused 400\"", l)
				}
				return
			case wrongServer:
				wantOurs, wantPy := zmq.EventHandshakeFailedNoDetail, fmt.Sprintf("protocol %#x", uint32(zmq.ProtocolCryptographic))
				if tc.oursServes {
					wantOurs, wantPy = zmq.EventHandshakeFailedProtocol, "no detail"
					if zmq.ProtocolCode(ev.Value) != zmq.ProtocolCryptographic {
						t.Fatalf("ours: %v, want ZMTP_CRYPTOGRAPHIC", ev)
					}
				}
				if ev.Type != wantOurs {
					t.Fatalf("ours: %v, want %v", ev, wantOurs)
				}
				if l := p.line(t, ""); l != wantPy {
					t.Fatalf("pyzmq: %q, want %q", l, wantPy)
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

// PUB/SUB over CURVE: SUBSCRIBE and CANCEL travel as commands sealed in
// MESSAGE (COMMAND in the flags byte, then "\x09SUBSCRIBE"), which each
// library must recognize from the other. The SUB is the client.
func TestCurveInteropPubSub(t *testing.T) {
	for _, oursPub := range []bool{true, false} {
		t.Run(side(oursPub)+"-publishes", func(t *testing.T) {
			checkLeaks(t)
			sk, ck := newCurveKeys(t), newCurveKeys(t)
			var pub, sub end
			if oursPub {
				pub = ourEnd{newOurs(t, zmq.Pub, zmq.CurveServer(true), zmq.CurveSecret(sk.secret))}
				s := newTheirs(t, zmq.Sub)
				must(t, "libzmq: server key", s.SetCurveServerkey(sk.pub.String()))
				must(t, "libzmq: public key", s.SetCurvePublickey(ck.pub.String()))
				must(t, "libzmq: secret key", s.SetCurveSecretkey(ck.secret.Z85()))
				sub = theirEnd{s}
			} else {
				p := newTheirs(t, zmq.Pub)
				must(t, "libzmq: curve server", p.SetCurveServer(1))
				must(t, "libzmq: secret key", p.SetCurveSecretkey(sk.secret.Z85()))
				pub = theirEnd{p}
				sub = ourEnd{newOurs(t, zmq.Sub, zmq.CurveServerKey(sk.pub), zmq.CurveSecret(ck.secret))}
			}
			sub.connect(t, pub.bind(t, "tcp"))
			sub.subscribe(t, "wanted")
			// The subscription arrives some time after the handshake:
			// publish until it is in force.
			deadline := time.Now().Add(opTimeout)
			for {
				if time.Now().After(deadline) {
					t.Fatalf("%v never received what it subscribed to", sub)
				}
				pub.send(t, []byte("unwanted"))
				pub.send(t, []byte("wanted"), []byte("1"))
				if m, ok := sub.recvWithin(t, 20*time.Millisecond); ok {
					if string(m[0]) != "wanted" || len(m) != 2 {
						t.Fatalf("%v received %s", sub, show(m))
					}
					break
				}
			}
			sub.unsubscribe(t, "wanted")
			sub.subscribe(t, "other")
			for {
				if time.Now().After(deadline) {
					t.Fatalf("%v never received what it subscribed to", sub)
				}
				pub.send(t, []byte("wanted"), []byte("2"))
				pub.send(t, []byte("other"))
				if m, ok := sub.recvWithin(t, 20*time.Millisecond); ok {
					if string(m[0]) == "other" {
						break
					}
					if string(m[0]) != "wanted" {
						t.Fatalf("%v received %s", sub, show(m))
					}
				}
			}
		})
	}
}
