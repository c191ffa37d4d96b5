package zmq_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/internal/zmtp"
	"golang.org/x/crypto/nacl/box"
)

// rawCurve is a hand-driven CURVE client over a raw connection, whose
// every command can be crafted.
type rawCurve struct {
	t      testing.TB
	conn   net.Conn
	server [32]byte // S
	c, cs  [32]byte // long-term pair
	cn     [32]byte // short-term pair
	cns    [32]byte
	sn     [32]byte // S', from WELCOME
	cookie [zmtp.CurveCookieSize]byte
	shared [32]byte
}

func keyBytes(t testing.TB) (public, secret [32]byte) {
	t.Helper()
	p, s, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return p, [32]byte(s.Bytes())
}

// dialCurve connects to ep and exchanges greetings.
func dialCurve(t testing.TB, ep string, server zmq.CurvePublicKey) *rawCurve {
	t.Helper()
	r := &rawCurve{t: t, conn: dialTCP(t, ep), server: server}
	r.c, r.cs = keyBytes(t)
	r.cn, r.cns = keyBytes(t)
	r.conn.SetDeadline(time.Now().Add(5 * time.Second))
	r.conn.Write(greeting(3, 1, "CURVE"))
	readN(t, r.conn, 64)
	return r
}

func (r *rawCurve) hello(n uint64) []byte {
	return zmtp.AppendCurveHello(nil, &r.server, &r.cn, &r.cns, n)
}

// welcome reads the server's WELCOME and keeps what it says.
func (r *rawCurve) welcome() {
	r.t.Helper()
	data := readCommand(r.t, r.conn, "WELCOME")
	sn, cookie, err := zmtp.OpenCurveWelcome(data, &r.server, &r.cns)
	if err != nil {
		r.t.Fatalf("WELCOME: %v", err)
	}
	r.sn, r.cookie = sn, cookie
	box.Precompute(&r.shared, &r.sn, &r.cns)
}

// initiate builds INITIATE with nonce n, as a PUSH; edit may change what
// goes in.
func (r *rawCurve) initiate(n uint64, edit func(in *zmtp.CurveInitiate)) []byte {
	in := &zmtp.CurveInitiate{
		Cookie: &r.cookie, Nonce: n, Shared: &r.shared, Client: &r.c, Secret: &r.cs,
		ClientShort: &r.cn, ServerShort: &r.sn, Server: &r.server, VouchNonce: [16]byte{1, 2, 3},
		Metadata: zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte("PUSH")}},
	}
	if edit != nil {
		edit(in)
	}
	return zmtp.AppendCurveInitiate(nil, in)
}

// handshake completes a good handshake and reads READY.
func (r *rawCurve) handshake() {
	r.t.Helper()
	r.conn.Write(r.hello(1))
	r.welcome()
	r.conn.Write(r.initiate(2, nil))
	readCommand(r.t, r.conn, "READY")
}

// message seals one frame (flags, then the payload) with nonce n.
func (r *rawCurve) message(n uint64, flags byte, payload string) []byte {
	return zmtp.AppendCurveMessage(nil, &r.shared, zmtp.NonceMessageClient, n, append([]byte{flags}, payload...))
}

// flipAt returns b with bit 0 of byte i (from the end if negative) flipped.
func flipAt(b []byte, i int) []byte {
	b = bytes.Clone(b)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 1
	return b
}

// withBody rewrites a command frame's body with edit.
func withBody(frame []byte, edit func(body []byte) []byte) []byte {
	_, _, n, _ := zmtp.ParseFrameHeader(frame)
	b := edit(bytes.Clone(frame[n:]))
	return append(zmtp.AppendFrameHeader(nil, zmtp.FlagCommand, uint64(len(b))), b...)
}

// Hostile CURVE clients, over raw connections: each is refused with
// libzmq's protocol code (as HANDSHAKE_FAILED_PROTOCOL, in the data phase
// too, as libzmq reports a MESSAGE that does not open), its connection
// closed, nothing it sent beyond its good messages delivered, and a good
// CURVE client served throughout.
func TestCurveServerBadClients(t *testing.T) {
	other, otherSecret := [32]byte{}, [32]byte{}
	cases := []struct {
		name      string
		play      func(r *rawCurve, ep string) // writes the bad input
		code      zmq.ProtocolCode
		delivered []string // good messages before the bad one
	}{
		{"short HELLO", func(r *rawCurve, _ string) {
			r.conn.Write(withBody(r.hello(1), func(b []byte) []byte { return b[:len(b)-1] }))
		}, zmq.ProtocolMalformedHello, nil},
		{"oversized HELLO", func(r *rawCurve, _ string) {
			r.conn.Write(withBody(r.hello(1), func(b []byte) []byte { return append(b, 0) }))
		}, zmq.ProtocolMalformedHello, nil},
		{"HELLO version 2.0", func(r *rawCurve, _ string) {
			r.conn.Write(withBody(r.hello(1), func(b []byte) []byte { b[6] = 2; return b }))
		}, zmq.ProtocolMalformedHello, nil},
		{"HELLO signature tampered", func(r *rawCurve, _ string) { r.conn.Write(flipAt(r.hello(1), -5)) }, zmq.ProtocolCryptographic, nil},
		{"HELLO for another server key", func(r *rawCurve, _ string) {
			r.server = other
			r.conn.Write(r.hello(1))
		}, zmq.ProtocolCryptographic, nil},
		{"HELLO from the zero key", func(r *rawCurve, _ string) {
			r.conn.Write(withBody(r.hello(1), func(b []byte) []byte { clear(b[80:112]); return b }))
		}, zmq.ProtocolCryptographic, nil},
		{"READY instead of HELLO", func(r *rawCurve, _ string) { r.conn.Write(ready("PUSH")) }, zmq.ProtocolUnexpectedCommand, nil},
		{"INITIATE box tampered", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(flipAt(r.initiate(2, nil), -3))
		}, zmq.ProtocolCryptographic, nil},
		{"INITIATE short", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(withBody(r.initiate(2, nil), func(b []byte) []byte { return b[:256] }))
		}, zmq.ProtocolMalformedInitiate, nil},
		{"cookie replayed from another connection", func(r *rawCurve, ep string) {
			r2 := dialCurve(t, ep, zmq.CurvePublicKey(r.server))
			defer r2.conn.Close()
			r2.conn.Write(r2.hello(1))
			r2.welcome()
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) { in.Cookie = &r2.cookie }))
		}, zmq.ProtocolCryptographic, nil},
		{"INITIATE replayed on a new connection", func(r *rawCurve, ep string) {
			r2 := dialCurve(t, ep, zmq.CurvePublicKey(r.server))
			defer r2.conn.Close()
			r2.conn.Write(r2.hello(1))
			r2.welcome()
			initiate := r2.initiate(2, nil)
			r2.conn.Write(initiate)
			readCommand(t, r2.conn, "READY")
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(initiate)
		}, zmq.ProtocolCryptographic, nil},
		{"INITIATE from the zero key, its vouch forged for it", func(r *rawCurve, _ string) {
			// The zero key's shared secret with anyone is zero: sealing
			// the vouch "to" the zero key uses the very key a server
			// would open it with, if it let C be the zero point.
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) { in.Client, in.ServerShort = &other, &other }))
		}, zmq.ProtocolCryptographic, nil},
		{"vouch for another short-term key", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) { in.ClientShort = &other }))
		}, zmq.ProtocolKeyExchange, nil},
		{"vouch for another server", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) { in.Server = &other }))
		}, zmq.ProtocolKeyExchange, nil},
		{"vouch by another long-term key", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) { in.Secret = &otherSecret }))
		}, zmq.ProtocolCryptographic, nil},
		{"INITIATE nonce not above HELLO's", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(7))
			r.welcome()
			r.conn.Write(r.initiate(7, nil))
		}, zmq.ProtocolInvalidSequence, nil},
		{"INITIATE with bad metadata", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(r.initiate(2, func(in *zmtp.CurveInitiate) {
				in.Metadata = zmtp.Metadata{{Name: "Bad Name", Value: []byte("x")}}
			}))
		}, zmq.ProtocolInvalidMetadata, nil},
		{"huge INITIATE", func(r *rawCurve, _ string) {
			r.conn.Write(r.hello(1))
			r.welcome()
			r.conn.Write(append(binary.BigEndian.AppendUint64([]byte{0x06}, 64<<20), "\x08INITIATE"...))
		}, zmq.ProtocolMalformedCommand, nil},
		{"data frame in clear", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write([]byte("\x00\x06\x05hello"))
		}, zmq.ProtocolUnexpectedCommand, nil},
		{"data frame in clear, not even a command", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write([]byte("\x00\x05hello"))
		}, zmq.ProtocolMalformedCommand, nil},
		{"MESSAGE short", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(append([]byte{0, 16}, "\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x03"...))
		}, zmq.ProtocolMalformedMessage, nil},
		{"MESSAGE tampered", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(r.message(3, 0, "one"))
			r.conn.Write(flipAt(r.message(4, 0, "two"), -1))
		}, zmq.ProtocolCryptographic, []string{"one"}},
		{"MESSAGE nonce reused", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(r.message(3, 0, "one"))
			r.conn.Write(r.message(3, 0, "again"))
		}, zmq.ProtocolInvalidSequence, []string{"one"}},
		{"MESSAGE nonce decreasing", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(r.message(9, 0, "one"))
			r.conn.Write(r.message(8, 0, "earlier"))
		}, zmq.ProtocolInvalidSequence, []string{"one"}},
		{"MESSAGE nonce not above INITIATE's", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(r.message(2, 0, "one"))
		}, zmq.ProtocolInvalidSequence, nil},
		{"MESSAGE sealed by the server's prefix", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(zmtp.AppendCurveMessage(nil, &r.shared, zmtp.NonceMessageServer, 3, []byte{0, 'x'}))
		}, zmq.ProtocolCryptographic, nil},
		{"multipart cut by a tampered frame", func(r *rawCurve, _ string) {
			r.handshake()
			r.conn.Write(r.message(3, zmtp.CurveFlagMore, "first"))
			r.conn.Write(flipAt(r.message(4, 0, "second"), 20))
		}, zmq.ProtocolCryptographic, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			reqs := startZAP(t, c, func(zapRequest) (string, string, string) { return "200", "OK", "" })
			sk, ck := newCurvePair(t), newCurvePair(t)
			pull := ctxSock(t, c, zmq.Pull, sk.serverOpts()...)
			m := pull.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventDisconnected)
			defer m.Close()
			ep := bound(t, pull, "tcp")
			good := ctxSock(t, c, zmq.Push, ck.clientOpts(sk.pub)...)
			if err := good.Connect(ep); err != nil {
				t.Fatal(err)
			}
			send(t, good, "before")
			expect(t, pull, "before")
			nextZAP(t, reqs)

			r := dialCurve(t, ep, sk.pub)
			defer r.conn.Close()
			tc.play(r, ep)
			for _, want := range tc.delivered {
				expect(t, pull, want)
			}
			ev := expectConnEvents(t, m, r.conn, zmq.EventHandshakeFailedProtocol, zmq.EventDisconnected)[0]
			if zmq.ProtocolCode(ev.Value) != tc.code {
				t.Fatalf("event %v, want %v", ev, tc.code)
			}
			if !closedByPeer(r.conn) {
				t.Fatal("connection left open")
			}
			send(t, good, "after")
			expect(t, pull, "after")
			expectEmpty(t, pull)
		})
	}
}

// A CURVE client facing hostile or refusing servers, over a raw listener:
// each bad WELCOME or READY is refused with libzmq's code (libzmq's client
// reports every bad WELCOME, of a wrong size too, as ZMTP_CRYPTOGRAPHIC).
func TestCurveClientBadServers(t *testing.T) {
	type server struct {
		conn      net.Conn
		s, ss     [32]byte
		sn, sns   [32]byte
		cookieKey [32]byte
		hello     zmtp.CurveHello
		shared    [32]byte
	}
	welcome := func(sv *server) []byte {
		return zmtp.AppendCurveWelcome(nil, &zmtp.CurveWelcome{
			ClientShort: &sv.hello.ClientShort, ServerShort: &sv.sn, ServerShortSecret: &sv.sns,
			Secret: &sv.ss, CookieKey: &sv.cookieKey, Nonce: [16]byte{4},
		})
	}
	// initiated reads INITIATE after a good WELCOME.
	initiated := func(t testing.TB, sv *server) {
		sv.conn.Write(welcome(sv))
		in, err := zmtp.OpenCurveInitiate(readCommand(t, sv.conn, "INITIATE"), &zmtp.CurveInitiateKeys{
			CookieKey: &sv.cookieKey, ClientShort: &sv.hello.ClientShort, ServerShortSecret: &sv.sns, Server: &sv.s,
		})
		if err != nil {
			t.Fatalf("INITIATE: %v", err)
		}
		sv.shared = in.Shared
	}
	pull := zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte("PULL")}}
	cases := []struct {
		name  string
		play  func(t testing.TB, sv *server)
		event zmq.EventType
		value uint32
	}{
		{"WELCOME tampered", func(t testing.TB, sv *server) { sv.conn.Write(flipAt(welcome(sv), -1)) },
			zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolCryptographic)},
		{"WELCOME short", func(t testing.TB, sv *server) {
			sv.conn.Write(withBody(welcome(sv), func(b []byte) []byte { return b[:len(b)-1] }))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolCryptographic)},
		{"WELCOME with the zero key", func(t testing.TB, sv *server) {
			clear(sv.sn[:])
			sv.conn.Write(welcome(sv))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolCryptographic)},
		{"ERROR 400", func(t testing.TB, sv *server) { sv.conn.Write(command("ERROR", []byte("\x03400"))) },
			zmq.EventHandshakeFailedAuth, 400},
		{"READY tampered", func(t testing.TB, sv *server) {
			initiated(t, sv)
			sv.conn.Write(flipAt(zmtp.AppendCurveReady(nil, &sv.shared, 1, pull), -1))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolCryptographic)},
		{"READY short", func(t testing.TB, sv *server) {
			initiated(t, sv)
			sv.conn.Write(command("READY", make([]byte, 23)))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolMalformedReady)},
		{"READY with bad metadata", func(t testing.TB, sv *server) {
			initiated(t, sv)
			sv.conn.Write(zmtp.AppendCurveReady(nil, &sv.shared, 1, zmtp.Metadata{{Name: "a b", Value: nil}}))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolInvalidMetadata)},
		{"MESSAGE with a reused nonce", func(t testing.TB, sv *server) {
			initiated(t, sv)
			sv.conn.Write(zmtp.AppendCurveReady(nil, &sv.shared, 1, pull))
			sv.conn.Write(zmtp.AppendCurveMessage(nil, &sv.shared, zmtp.NonceMessageServer, 1, []byte{zmtp.CurveFlagCommand, 4, 'P', 'I', 'N', 'G', 0, 0}))
		}, zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolInvalidSequence)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			sv := &server{cookieKey: [32]byte{9}}
			sv.s, sv.ss = keyBytes(t)
			sv.sn, sv.sns = keyBytes(t)
			ck := newCurvePair(t)
			push := newSock(t, zmq.Push, ck.clientOpts(zmq.CurvePublicKey(sv.s))...)
			m := push.Monitor(tc.event)
			defer m.Close()
			if err := push.Connect("tcp://" + ln.Addr().String()); err != nil {
				t.Fatal(err)
			}
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			sv.conn = conn
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write(greeting(3, 1, "CURVE"))
			readN(t, conn, 64)
			if sv.hello, err = zmtp.OpenCurveHello(readCommand(t, conn, "HELLO"), &sv.ss); err != nil {
				t.Fatalf("HELLO: %v", err)
			}
			tc.play(t, sv)
			if ev := expectEvents(t, m, tc.event)[0]; ev.Value != tc.value {
				t.Fatalf("event %v, want value %#x", ev, tc.value)
			}
		})
	}
}
