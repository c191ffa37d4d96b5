package zmq_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// Items of the security checklist (F2, F3, F7, F8, F10, F12) that the
// other files do not cover; SECURITY.md maps every item to its tests.

// Two PLAIN servers, or two PLAIN clients, meet (F2, as libzmq's
// test_security_plain has them): two servers each wait for a HELLO that
// never comes, until HandshakeInterval closes the connection; two clients
// each get a HELLO where WELCOME belongs and refuse it with
// UNEXPECTED_COMMAND. Nothing is delivered and no ZAP request is made.
func TestPlainSameRoles(t *testing.T) {
	t.Run("two servers", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		reqs := startZAP(t, c, passwords(map[string]string{"admin": "s3cret"}))
		// a gives up first; b then sees the connection end.
		a := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true), zmq.HandshakeInterval(100*time.Millisecond))
		b := ctxSock(t, c, zmq.Push, zmq.PlainServer(true), zmq.HandshakeInterval(time.Minute))
		am := a.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeSucceeded)
		defer am.Close()
		bm := b.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeSucceeded)
		defer bm.Close()
		start := time.Now()
		bindConnect(t, a, b, "tcp", true)
		ev := expectEvents(t, am, zmq.EventHandshakeFailedNoDetail)[0]
		var te *zmq.TimeoutError
		if ev.Value != uint32(syscall.ETIMEDOUT) || !errors.As(ev.Err, &te) {
			t.Fatalf("event %v, want a handshake timeout", ev)
		}
		if waited := time.Since(start); waited < 100*time.Millisecond {
			t.Fatalf("the handshake timed out after %v, before HandshakeInterval", waited)
		}
		if ev := expectEvents(t, bm, zmq.EventHandshakeFailedNoDetail)[0]; errors.As(ev.Err, &te) {
			t.Fatalf("event %v: the other server timed out too, long before its interval", ev)
		}
		expectEmpty(t, a)
		if len(reqs) != 0 {
			t.Fatalf("%d ZAP requests, want none", len(reqs))
		}
	})
	t.Run("two clients", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		reqs := startZAP(t, c, passwords(map[string]string{"admin": "s3cret"}))
		creds := []zmq.Option{zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")}
		a := ctxSock(t, c, zmq.Pull, creds...)
		b := ctxSock(t, c, zmq.Push, creds...)
		am := a.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
		defer am.Close()
		bm := b.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
		defer bm.Close()
		bindConnect(t, a, b, "tcp", true)
		for _, m := range []*zmq.Monitor{am, bm} {
			ev := expectEvents(t, m, zmq.EventHandshakeFailedProtocol)[0]
			if zmq.ProtocolCode(ev.Value) != zmq.ProtocolUnexpectedCommand {
				t.Fatalf("event %v, want UNEXPECTED_COMMAND", ev)
			}
		}
		expectEmpty(t, a)
		if len(reqs) != 0 {
			t.Fatalf("%d ZAP requests, want none", len(reqs))
		}
	})
}

// F3: a NULL or PLAIN client meets a CURVE server: both ends refuse with
// MECHANISM_MISMATCH at the greeting, and the ZAP handler is never asked.
func TestCurveMechanismMismatch(t *testing.T) {
	for name, opts := range map[string][]zmq.Option{
		"NULL":  nil,
		"PLAIN": {zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")},
	} {
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			reqs := startZAP(t, c, func(zapRequest) (string, string, string) { return "200", "OK", "" })
			sk := newCurvePair(t)
			server := ctxSock(t, c, zmq.Pull, sk.serverOpts()...)
			client := ctxSock(t, c, zmq.Push, opts...)
			sm := server.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
			defer sm.Close()
			cm := client.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
			defer cm.Close()
			bindConnect(t, server, client, "tcp", true)
			for _, m := range []*zmq.Monitor{sm, cm} {
				ev := expectEvents(t, m, zmq.EventHandshakeFailedProtocol)[0]
				if zmq.ProtocolCode(ev.Value) != zmq.ProtocolMechanismMismatch {
					t.Fatalf("event %v, want MECHANISM_MISMATCH", ev)
				}
			}
			if len(reqs) != 0 {
				t.Fatalf("%d ZAP requests, want none", len(reqs))
			}
		})
	}
}

// F7: every CURVE connection has keys and a cookie of its own. A server
// answers 100 HELLOs with 100 distinct short-term keys S', cookies and
// WELCOME nonces; a client that reconnects 100 times says HELLO with 100
// distinct short-term keys C'.
func TestCurveKeysUnique(t *testing.T) {
	const n = 100
	t.Run("server", func(t *testing.T) {
		checkLeaks(t)
		sk := newCurvePair(t)
		pull := newSock(t, zmq.Pull, sk.serverOpts()...)
		ep := bound(t, pull, "tcp")
		keys, cookies, nonces := map[[32]byte]bool{}, map[string]bool{}, map[string]bool{}
		for range n {
			r := dialCurve(t, ep, sk.pub)
			r.conn.Write(r.hello(1))
			data := readCommand(t, r.conn, "WELCOME")
			sn, cookie, err := zmtp.OpenCurveWelcome(data, &r.server, &r.cns)
			if err != nil {
				t.Fatalf("WELCOME: %v", err)
			}
			keys[sn], cookies[string(cookie[:])], nonces[string(data[:16])] = true, true, true
			r.conn.Close()
		}
		if len(keys) != n || len(cookies) != n || len(nonces) != n {
			t.Fatalf("%d connections: %d distinct S', %d cookies, %d WELCOME nonces", n, len(keys), len(cookies), len(nonces))
		}
	})
	t.Run("client", func(t *testing.T) {
		checkLeaks(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s, ss := keyBytes(t)
		ck := newCurvePair(t)
		push := newSock(t, zmq.Push, append(ck.clientOpts(zmq.CurvePublicKey(s)), zmq.ReconnectInterval(time.Millisecond))...)
		if err := push.Connect("tcp://" + ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
		keys := map[[32]byte]bool{}
		for range n {
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write(greeting(3, 1, "CURVE"))
			readN(t, conn, 64)
			hello, err := zmtp.OpenCurveHello(readCommand(t, conn, "HELLO"), &ss)
			if err != nil {
				t.Fatalf("HELLO: %v", err)
			}
			keys[hello.ClientShort] = true
			conn.Close()
		}
		if len(keys) != n {
			t.Fatalf("%d connections: %d distinct C'", n, len(keys))
		}
	})
}

// F7: on the wire, each direction's short nonces go up by one per command
// and never repeat: the client's HELLO 1, INITIATE 2, then its MESSAGEs
// 3, 4, ...; the server's READY 1, then its MESSAGEs 2, 3, ....
func TestCurveNoncesOnTheWire(t *testing.T) {
	const n = 50
	t.Run("client", func(t *testing.T) {
		checkLeaks(t)
		sk, ck := newCurvePair(t), newCurvePair(t)
		pull := newSock(t, zmq.Pull, sk.serverOpts()...)
		push := newSock(t, zmq.Push, ck.clientOpts(sk.pub)...)
		tap := newTap(t, bound(t, pull, "tcp"))
		if err := push.Connect(tap.addr); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			send(t, push, fmt.Sprint("m", i))
		}
		for i := range n {
			expect(t, pull, fmt.Sprint("m", i))
		}
		var got []uint64
		for _, body := range frameBodies([]byte(tap.seen())[64:]) {
			switch {
			case bytes.HasPrefix(body, []byte("\x05HELLO")) && len(body) == zmtp.CurveHelloSize:
				got = append(got, binary.BigEndian.Uint64(body[112:120]))
			case bytes.HasPrefix(body, []byte("\x08INITIATE")) && len(body) >= zmtp.CurveInitiateMinSize:
				got = append(got, binary.BigEndian.Uint64(body[9+zmtp.CurveCookieSize:]))
			case bytes.HasPrefix(body, []byte("\x07MESSAGE")) && len(body) >= zmtp.CurveMessageOverhead:
				got = append(got, binary.BigEndian.Uint64(body[8:16]))
			default:
				t.Fatalf("unexpected frame % .20x", body)
			}
		}
		if len(got) != 2+n {
			t.Fatalf("%d CURVE commands on the wire, want %d", len(got), 2+n)
		}
		for i, nonce := range got {
			if nonce != uint64(i+1) {
				t.Fatalf("the client's nonces %v: want 1, 2, 3, ...", got)
			}
		}
	})
	t.Run("server", func(t *testing.T) {
		checkLeaks(t)
		sk := newCurvePair(t)
		push := newSock(t, zmq.Push, sk.serverOpts()...)
		r := dialCurve(t, bound(t, push, "tcp"), sk.pub)
		r.conn.Write(r.hello(1))
		r.welcome()
		r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) {
			in.Metadata = zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte("PULL")}}
		}))
		last, _, err := zmtp.OpenCurveReady(readCommand(t, r.conn, "READY"), &r.shared)
		if err != nil || last != 1 {
			t.Fatalf("READY: nonce %d, %v; want nonce 1", last, err)
		}
		for i := range n {
			send(t, push, fmt.Sprint("m", i))
		}
		for i := range n {
			flags, body := readFrame(t, r.conn)
			plain, nonce, err := zmtp.OpenCurveMessage(nil, body, &r.shared, zmtp.NonceMessageServer, last)
			if flags != 0 || err != nil || string(plain) != fmt.Sprint("\x00m", i) {
				t.Fatalf("MESSAGE %d: flags %#x, %q, %v", i, flags, plain, err)
			}
			if nonce != last+1 {
				t.Fatalf("MESSAGE %d has nonce %d after %d", i, nonce, last)
			}
			last = nonce
		}
	})
}

// frameBodies splits a ZMTP byte stream (after the greeting) into the
// bodies of its frames; a frame cut at the end is left out.
func frameBodies(b []byte) [][]byte {
	var bodies [][]byte
	for len(b) > 0 {
		_, size, n, err := zmtp.ParseFrameHeader(b)
		if err != nil || uint64(len(b)-n) < size {
			break
		}
		bodies = append(bodies, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	return bodies
}

// readFrame reads one frame of any kind from conn.
func readFrame(t testing.TB, conn net.Conn) (flags byte, body []byte) {
	t.Helper()
	h := readN(t, conn, 2)
	size := uint64(h[1])
	if h[0]&0x02 != 0 {
		size = binary.BigEndian.Uint64(append(h[1:2:2], readN(t, conn, 7)...))
	}
	if size > 1<<20 {
		t.Fatalf("frame of %d bytes", size)
	}
	return h[0], readN(t, conn, int(size))
}

// F8, the regression test of CVE-2019-13132 (a stack overflow in libzmq's
// CURVE server, fixed in 4.3.2): a client with a 255-byte routing id and a
// ZAP handler that answers with 64 KiB of metadata. The handshake succeeds
// under CURVE and PLAIN, and every property arrives whole.
func TestBigMetadata(t *testing.T) {
	for _, mech := range []string{"CURVE", "PLAIN"} {
		t.Run(mech, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			big := strings.Repeat("0123456789abcdef", 4<<10)
			startZAPMetadata(t, c, "X-Big", big)
			sk, ck := newCurvePair(t), newCurvePair(t)
			serverOpts, clientOpts := sk.serverOpts(), ck.clientOpts(sk.pub)
			if mech == "PLAIN" {
				serverOpts = []zmq.Option{zmq.PlainServer(true)}
				clientOpts = []zmq.Option{zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")}
			}
			id := strings.Repeat("i", 255)
			server := ctxSock(t, c, zmq.Router, serverOpts...)
			client := ctxSock(t, c, zmq.Dealer, append(clientOpts, zmq.RoutingID([]byte(id)), zmq.Metadata("X-Client", strings.Repeat("c", 1<<10)))...)
			bindConnect(t, server, client, "tcp", true)
			send(t, client, "hello")
			m, err := server.Recv(tctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Frames) != 2 || string(m.Frames[0]) != id || string(m.Frames[1]) != "hello" {
				t.Fatalf("received %q", m.Frames)
			}
			for name, want := range map[string]string{
				"X-Big":           big,
				zmq.PropUserID:    "user:" + mech,
				"X-Client":        strings.Repeat("c", 1<<10),
				zmq.PropRoutingID: id,
			} {
				if got := property(t, m, name); got != want {
					t.Errorf("%s: %d bytes, want %d", name, len(got), len(want))
				}
			}
			send(t, server, id, "back")
			expect(t, client, "back")
		})
	}
}

// F10: a ZAP handler that refuses everyone stops every mechanism that asks
// it (NULL with a ZAP domain, PLAIN, CURVE): messages the client queued
// while its handshake waited for the handler never reach the server, which
// reports HANDSHAKE_FAILED_AUTH, never HANDSHAKE_SUCCEEDED. The refusal
// travels to the client in an ERROR: its monitor shows the same status, for
// 400 (F10) and for 500 (F9).
func TestZAPRefusalStopsEveryMechanism(t *testing.T) {
	for _, status := range []uint32{400, 500} {
		for _, mech := range []string{"NULL", "PLAIN", "CURVE"} {
			t.Run(fmt.Sprint(mech, "/", status), func(t *testing.T) {
				checkLeaks(t)
				c := newContext(t)
				hold := make(chan struct{})
				release := sync.OnceFunc(func() { close(hold) })
				reqs := startZAP(t, c, func(zapRequest) (string, string, string) {
					<-hold
					return fmt.Sprint(status), "nobody", ""
				})
				t.Cleanup(release) // runs before startZAP's: the handler must not hang
				sk, ck := newCurvePair(t), newCurvePair(t)
				var serverOpts, clientOpts []zmq.Option
				switch mech {
				case "NULL":
					serverOpts = []zmq.Option{zmq.ZAPDomain("d")}
				case "PLAIN":
					serverOpts = []zmq.Option{zmq.PlainServer(true)}
					clientOpts = []zmq.Option{zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")}
				case "CURVE":
					serverOpts, clientOpts = sk.serverOpts(), ck.clientOpts(sk.pub)
				}
				server := ctxSock(t, c, zmq.Pull, serverOpts...)
				client := ctxSock(t, c, zmq.Push, clientOpts...)
				failed := server.Monitor(zmq.EventHandshakeFailedAuth)
				defer failed.Close()
				succeeded := server.Monitor(zmq.EventHandshakeSucceeded)
				defer succeeded.Close()
				cm := client.Monitor(zmq.EventHandshakeFailedAuth | zmq.EventHandshakeSucceeded)
				defer cm.Close()
				bindConnect(t, server, client, "tcp", true)
				if r := nextZAP(t, reqs); r.mechanism() != mech {
					t.Fatalf("ZAP request %q, want mechanism %s", r, mech)
				}
				for i := range 3 {
					if err := client.TrySend(zmq.NewMsgString(fmt.Sprint("queued ", i))); err != nil {
						t.Fatalf("queueing message %d: %v", i, err)
					}
				}
				release()
				for _, m := range []*zmq.Monitor{failed, cm} {
					if ev := expectEvents(t, m, zmq.EventHandshakeFailedAuth)[0]; ev.Value != status {
						t.Fatalf("event %v, want %d", ev, status)
					}
				}
				expectNothing(t, server, 100*time.Millisecond)
				select {
				case ev := <-succeeded.Events():
					t.Fatalf("server reported %v", ev)
				default:
				}
			})
		}
	}
}

// F12: handshakes that stall before authentication cost the server little
// and do not slow anyone else. 100 raw connections stop at three points of
// a CURVE handshake (before the greeting, after it, after HELLO, the server
// holding a WELCOME's state); a good client still completes its handshake
// and a round trip well within a second; the server closes every stalled
// connection at HandshakeInterval, not before, reporting each.
func TestCurveStalledHandshakes(t *testing.T) {
	const n, ivl = 100, 2 * time.Second
	checkLeaks(t)
	sk, ck := newCurvePair(t), newCurvePair(t)
	rep := newSock(t, zmq.Rep, append(sk.serverOpts(), zmq.HandshakeInterval(ivl))...)
	m := rep.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeFailedProtocol)
	defer m.Close()
	ep := bound(t, rep, "tcp")

	before := memNow()
	start := time.Now()
	conns := make([]net.Conn, 0, n)
	for i := range n {
		switch i % 3 {
		case 0: // silent
			conns = append(conns, dialTCP(t, ep))
		case 1: // greeting only
			conn := dialTCP(t, ep)
			conn.Write(greeting(3, 1, "CURVE"))
			conns = append(conns, conn)
		case 2: // HELLO, then nothing
			r := dialCurve(t, ep, sk.pub)
			r.conn.Write(r.hello(1))
			r.welcome()
			conns = append(conns, r.conn)
		}
	}
	grown, _ := before.since()
	t.Logf("%d stalled handshakes: the heap grew %d bytes (%d per connection)", n, grown, grown/n)
	if limit := int64(n) * 16 << 10; grown > limit {
		t.Errorf("%d stalled handshakes hold %d bytes, want at most %d", n, grown, limit)
	}

	req := newSock(t, zmq.Req, ck.clientOpts(sk.pub)...)
	rtStart := time.Now()
	if err := req.Connect(ep); err != nil {
		t.Fatal(err)
	}
	send(t, req, "ping")
	expect(t, rep, "ping")
	send(t, rep, "pong")
	expect(t, req, "pong")
	if rt := time.Since(rtStart); rt > time.Second {
		t.Errorf("with %d stalled handshakes a new client's first round trip took %v, want under 1s", n, rt)
	}
	if elapsed := time.Since(start); elapsed >= ivl {
		t.Errorf("the round trip ended %v after the first stalled connection, when the server may have closed them (HandshakeInterval %v)", elapsed, ivl)
	}

	for i := range n {
		ev := nextEvent(t, m)
		var te *zmq.TimeoutError
		if ev.Type != zmq.EventHandshakeFailedNoDetail || !errors.As(ev.Err, &te) {
			t.Fatalf("event %d: %v, want a handshake timeout", i, ev)
		}
		if i == 0 {
			if early := time.Since(start); early < ivl {
				t.Fatalf("a stalled connection failed %v after the first was made, before HandshakeInterval %v", early, ivl)
			}
		}
	}
	for i, conn := range conns {
		if _, closed := readUntilClosed(conn); !closed {
			t.Fatalf("stalled connection %d left open", i)
		}
	}
	send(t, req, "again")
	expect(t, rep, "again")
	send(t, rep, "still here")
	expect(t, req, "still here")
}
