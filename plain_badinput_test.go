package zmq_test

import (
	"net"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// plainHello is a PLAIN HELLO's data with the given credentials.
func plainHello(user, password string) []byte {
	b := append([]byte{byte(len(user))}, user...)
	b = append(b, byte(len(password)))
	return append(b, password...)
}

// metadata encodes one property as ZMTP metadata.
func metadata(name, value string) []byte {
	b := append([]byte{byte(len(name))}, name...)
	b = append(b, 0, 0, 0, byte(len(value)))
	return append(b, value...)
}

// Hostile PLAIN clients, over a raw connection: each is refused with
// libzmq's protocol code, its connection closed, the ZAP handler is not
// asked about a malformed HELLO, and a good client is served throughout.
func TestPlainServerBadClients(t *testing.T) {
	hello := command("HELLO", plainHello("u", "p"))
	cases := []struct {
		name  string
		send  [][]byte // written one after another, each after reading the server's answer to the last
		code  zmq.ProtocolCode
		asked bool // the ZAP handler sees the request
	}{
		{"empty HELLO", [][]byte{command("HELLO", nil)}, zmq.ProtocolMalformedHello, false},
		{"user name past the end", [][]byte{command("HELLO", []byte{9, 'u', 1, 'p'})}, zmq.ProtocolMalformedHello, false},
		{"no password", [][]byte{command("HELLO", []byte{1, 'u'})}, zmq.ProtocolMalformedHello, false},
		{"bytes after the password", [][]byte{command("HELLO", append(plainHello("u", "p"), 'x'))}, zmq.ProtocolMalformedHello, false},
		{"READY instead of HELLO", [][]byte{ready("PUSH")}, zmq.ProtocolUnexpectedCommand, false},
		{"READY instead of INITIATE", [][]byte{hello, ready("PUSH")}, zmq.ProtocolUnexpectedCommand, true},
		{"bad INITIATE metadata", [][]byte{hello, command("INITIATE", []byte{11, 'S'})}, zmq.ProtocolInvalidMetadata, true},
		{"INITIATE of an incompatible type", [][]byte{hello, command("INITIATE", metadata("Socket-Type", "PUB"))}, zmq.ProtocolInvalidMetadata, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			reqs := startZAP(t, c, func(zapRequest) (string, string, string) { return "200", "OK", "" })
			pull := ctxSock(t, c, zmq.Pull, zmq.PlainServer(true))
			m := pull.Monitor(zmq.EventHandshakeFailedProtocol)
			defer m.Close()
			ep := bound(t, pull, "tcp")
			good := ctxSock(t, c, zmq.Push, zmq.PlainUsername("good"), zmq.PlainPassword("pw"))
			if err := good.Connect(ep); err != nil {
				t.Fatal(err)
			}
			send(t, good, "before")
			expect(t, pull, "before")
			nextZAP(t, reqs)

			conn := dialTCP(t, ep)
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write(greeting(3, 1, "PLAIN"))
			readN(t, conn, 64)
			for i, b := range tc.send {
				conn.Write(b)
				if i < len(tc.send)-1 {
					readCommand(t, conn, "WELCOME")
				}
			}
			ev := expectConnEvents(t, m, conn, zmq.EventHandshakeFailedProtocol)[0]
			if zmq.ProtocolCode(ev.Value) != tc.code {
				t.Fatalf("event %v, want %v", ev, tc.code)
			}
			if !closedByPeer(conn) {
				t.Fatal("connection left open")
			}
			if tc.asked {
				nextZAP(t, reqs)
			}
			select {
			case r := <-reqs:
				t.Fatalf("unexpected ZAP request %q", r)
			default:
			}
			send(t, good, "after")
			expect(t, pull, "after")
		})
	}
}

// A ZMTP 2.0 peer cannot authenticate: a PLAIN server, and a NULL socket
// with a ZAPDomain, refuse it rather than talk to it unsecured.
func TestSecuredRefusesZMTP2(t *testing.T) {
	for name, opts := range map[string][]zmq.Option{
		"PLAIN server":     {zmq.PlainServer(true)},
		"CURVE server":     {zmq.CurveServer(true), zmq.CurveSecret(testCurveSecret)},
		"NULL, ZAP domain": {zmq.ZAPDomain("d")},
	} {
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			startZAP(t, c, func(zapRequest) (string, string, string) { return "200", "OK", "" })
			pull := ctxSock(t, c, zmq.Pull, opts...)
			m := pull.Monitor(zmq.EventHandshakeFailedProtocol)
			defer m.Close()
			conn := dialTCP(t, bound(t, pull, "tcp"))
			// ZMTP 2.0: signature, revision 1, socket type PUSH, an
			// empty identity.
			conn.Write(append(greeting(1, 0, "")[:10], 1, byte(zmq.Push), 0, 0))
			ev := expectConnEvents(t, m, conn, zmq.EventHandshakeFailedProtocol)[0]
			if zmq.ProtocolCode(ev.Value) != zmq.ProtocolUnspecified {
				t.Fatalf("event %v, want ZMTP_UNSPECIFIED", ev)
			}
			if !closedByPeer(conn) {
				t.Fatal("connection left open")
			}
		})
	}
}

// A PLAIN client facing hostile or refusing servers, over a raw listener.
func TestPlainClientBadServers(t *testing.T) {
	cases := []struct {
		name   string
		answer []byte
		event  zmq.EventType
		value  uint32
	}{
		{"WELCOME with data", command("WELCOME", []byte{1}), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolMalformedWelcome)},
		{"READY instead of WELCOME", ready("PULL"), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolUnexpectedCommand)},
		{"ERROR 400", command("ERROR", []byte("\x03400")), zmq.EventHandshakeFailedAuth, 400},
		{"ERROR 500", command("ERROR", []byte("\x03500")), zmq.EventHandshakeFailedAuth, 500},
		// libzmq's PLAIN server spells ERROR's name "\x5eRROR", 9 bytes.
		{"libzmq's ERROR 400", []byte("\x04\x09\x5eRROR\x03400"), zmq.EventHandshakeFailedAuth, 400},
		{"ERROR malformed", command("ERROR", []byte("\x09400")), zmq.EventHandshakeFailedProtocol, uint32(zmq.ProtocolMalformedError)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			push := newSock(t, zmq.Push, zmq.PlainUsername("u"), zmq.PlainPassword("p"))
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
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write(greeting(3, 1, "PLAIN"))
			readN(t, conn, 64)
			if got := readCommand(t, conn, "HELLO"); string(got) != string(plainHello("u", "p")) {
				t.Fatalf("HELLO %q", got)
			}
			conn.Write(tc.answer)
			if ev := expectEvents(t, m, tc.event)[0]; ev.Value != tc.value {
				t.Fatalf("event %v, want value %d", ev, tc.value)
			}
		})
	}
}

// readN reads exactly n bytes from conn.
func readN(t testing.TB, conn net.Conn, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	for got := 0; got < n; {
		k, err := conn.Read(b[got:])
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got += k
	}
	return b
}
