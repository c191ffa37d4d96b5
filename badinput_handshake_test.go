package zmq_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// C2: a peer that sends its greeting one byte every 20 ms is served. The
// socket answers each stage of the greeting as soon as it has the peer's
// bytes for it (signature at once, the major version after the peer's
// signature, the rest after the peer's major version), the handshake
// completes, and a well-behaved peer is served all along.
func TestGreetingTrickled(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(10*time.Second))
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	conn := dialTCP(t, ep)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	read := func(n int) []byte {
		t.Helper()
		b := make([]byte, n)
		if _, err := io.ReadFull(conn, b); err != nil {
			t.Fatalf("reading %d bytes: %v", n, err)
		}
		return b
	}
	want := greeting(3, 1, "NULL")
	if got := read(10); !bytes.Equal(got, want[:10]) {
		t.Fatalf("signature %x", got)
	}
	start := time.Now()
	for i, b := range want {
		if _, err := conn.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
		switch i {
		case 9:
			if got := read(1); got[0] != 3 {
				t.Fatalf("major version %d", got[0])
			}
		case 10:
			if got := read(53); !bytes.Equal(got, want[11:]) {
				t.Fatalf("rest of the greeting %x", got)
			}
		}
		if i%8 == 0 {
			good.check(t)
		}
		// Input pacing, not synchronisation: the peer is slow on purpose.
		time.Sleep(20 * time.Millisecond)
	}
	conn.Write(ready("PUSH"))
	readCommand(t, conn, "READY")
	t.Logf("greeting trickled over %v", time.Since(start).Round(time.Millisecond))
	conn.Write([]byte{0x00, 0x04, 's', 'l', 'o', 'w'})
	expect(t, pull, "slow")
	expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeSucceeded)
	good.check(t)
}

// C2: a peer that stalls anywhere in the handshake is closed when
// HandshakeInterval has passed since the connection was accepted, with
// HANDSHAKE_FAILED_NO_DETAIL carrying a *TimeoutError (libzmq reports it
// with EAGAIN; the value here is ETIMEDOUT), and then DISCONNECTED. A
// well-behaved peer is served while it stalls.
func TestGreetingStalled(t *testing.T) {
	checkLeaks(t)
	const ivl = 200 * time.Millisecond
	pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(ivl))
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	g := greeting(3, 1, "NULL")
	cases := []struct {
		name string
		send []byte
	}{
		{"silent", nil},
		{"half a signature", g[:5]},
		{"signature", g[:10]},
		{"signature and major version", g[:11]},
		{"greeting without READY", g},
		{"half a READY", append(append([]byte(nil), g...), ready("PUSH")[:8]...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			conn := dialTCP(t, ep)
			conn.Write(c.send)
			good.check(t)
			if _, closed := readUntilClosed(conn); !closed {
				t.Fatal("connection left open")
			}
			took := time.Since(start)
			evs := expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeFailedNoDetail, zmq.EventDisconnected)
			var te *zmq.TimeoutError
			if ev := evs[1]; !errors.As(ev.Err, &te) || te.Op != "handshake" || te.After != ivl || ev.Value != uint32(syscall.ETIMEDOUT) {
				t.Errorf("%v (value %d)", ev, ev.Value)
			}
			if took < ivl || took > ivl+time.Second {
				t.Errorf("closed after %v, HandshakeInterval is %v", took, ivl)
			}
			good.check(t)
			expectEmpty(t, pull)
		})
	}
}

// C3: ZMTP 3.0, 3.1 and any later version are served, and answered with a
// 3.1 greeting (RFC 23: a peer accepts higher versions). ZMTP 1.0 behind a
// 0xFF signature (revision 0) is refused after the socket has sent its
// signature and major version, and nothing more. Revisions 1 and 2 get the
// ZMTP 2.0 handshake of RFC 15 (libzmq treats revision 2 as ZMTP 3.x; no
// known peer sends it).
func TestGreetingVersions(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	ours := greeting(3, 1, "NULL")
	for _, v := range [][2]byte{{3, 0}, {3, 1}, {3, 7}, {4, 0}, {255, 255}} {
		t.Run(fmt.Sprintf("ZMTP %d.%d", v[0], v[1]), func(t *testing.T) {
			conn := dialTCP(t, ep)
			if got := greetRaw(t, conn, greeting(v[0], v[1], "NULL"), "PUSH"); !bytes.Equal(got, ours) {
				t.Fatalf("answered with greeting %x, want %x", got, ours)
			}
			conn.Write([]byte{0x01, 0x01, v[0], 0x00, 0x01, v[1]})
			expect(t, pull, string(v[:1]), string(v[1:]))
			expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeSucceeded)
			conn.Close()
			expectConnEvents(t, m, conn, zmq.EventDisconnected)
			good.check(t)
		})
	}

	t.Run("revision 0", func(t *testing.T) {
		conn := dialTCP(t, ep)
		conn.Write(greeting(0, 0, "NULL"))
		got, closed := readUntilClosed(conn)
		if !closed {
			t.Fatal("connection left open")
		}
		if want := append(ours[:10:10], 3); !bytes.Equal(got, want) {
			t.Errorf("sent %x before closing, want %x", got, want)
		}
		ev := expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeFailedProtocol, zmq.EventDisconnected)[1]
		if zmq.ProtocolCode(ev.Value) != zmq.ProtocolUnspecified || !strings.Contains(ev.Err.Error(), "ZMTP 1.0") {
			t.Errorf("%v (value %#x)", ev, ev.Value)
		}
		good.check(t)
		expectEmpty(t, pull)
	})

	for _, rev := range []byte{1, 2} {
		t.Run(fmt.Sprintf("revision %d", rev), func(t *testing.T) {
			conn := dialTCP(t, ep)
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			conn.Write(append(ours[:10:10], rev, byte(zmq.Push), 0x00, 0x00))
			got := make([]byte, 14)
			if _, err := io.ReadFull(conn, got); err != nil {
				t.Fatal(err)
			}
			if want := append(ours[:10:10], 3, byte(zmq.Pull), 0x00, 0x00); !bytes.Equal(got, want) {
				t.Fatalf("ZMTP 2.0 greeting %x, want %x", got, want)
			}
			conn.Write([]byte{0x00, 0x02, 'v', '2', 0x01, 0x01, 'a', 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 'b'})
			expect(t, pull, "v2")
			expect(t, pull, "a", "b")
			expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeSucceeded)
			good.check(t)
		})
	}
}

// C9 in the handshake: commands one byte too long or too short, flags a
// command should not carry, commands that have no place in the handshake
// and malformed ones each get the outcome (and libzmq's code) below, and a
// well-behaved peer is served throughout.
//
// The MORE flag on a handshake command is accepted and means nothing, as
// in libzmq (RELIABILITY.md's section 4 reference: accepted during the
// handshake). In the data phase the library refuses it (TestBadPeers,
// "command with MORE"). A READY without Socket-Type is refused, where
// libzmq accepts it.
func TestHandshakeCommandEdges(t *testing.T) {
	g := greeting(3, 1, "NULL")
	withGreeting := func(b ...[]byte) []byte {
		out := append([]byte(nil), g...)
		for _, x := range b {
			out = append(out, x...)
		}
		return out
	}
	readyBody := ready("PUSH")[2:] // name and metadata
	readyFrame := func(flags byte, body []byte) []byte {
		return append([]byte{flags, byte(len(body))}, body...)
	}
	const ok = zmq.EventHandshakeSucceeded
	const proto = zmq.EventHandshakeFailedProtocol
	cases := []struct {
		name  string
		send  []byte
		event zmq.EventType
		code  zmq.ProtocolCode
	}{
		{"READY with a trailing byte", withGreeting(readyFrame(0x04, append(readyBody[:len(readyBody):len(readyBody)], 0))), proto, zmq.ProtocolInvalidMetadata},
		{"READY one byte short", withGreeting([]byte{0x04, byte(len(readyBody) - 1)}, readyBody), proto, zmq.ProtocolInvalidMetadata},
		{"READY one byte longer than sent", withGreeting([]byte{0x04, byte(len(readyBody) + 1)}, readyBody), zmq.EventHandshakeFailedNoDetail, 0},
		{"READY with a truncated property", withGreeting(command("READY", []byte{11, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 0})), proto, zmq.ProtocolInvalidMetadata},
		{"READY with a zero-length property name", withGreeting(command("READY", append(readyBody[6:len(readyBody):len(readyBody)], 0, 0, 0, 0, 0))), proto, zmq.ProtocolInvalidMetadata},
		{"READY without Socket-Type", withGreeting(command("READY", nil)), proto, zmq.ProtocolInvalidMetadata},
		{"READY with MORE", withGreeting(readyFrame(0x05, readyBody)), ok, 0},
		{"READY with LONG and a small size", withGreeting(longHeader(0x04, uint64(len(readyBody))), readyBody), ok, 0},
		{"READY with reserved flag bits", withGreeting(readyFrame(0xFC, readyBody)), ok, 0},
		{"PING", withGreeting(command("PING", []byte{0, 10, 'x'})), proto, zmq.ProtocolUnexpectedCommand},
		{"PONG", withGreeting(command("PONG", []byte("x"))), proto, zmq.ProtocolUnexpectedCommand},
		{"SUBSCRIBE", withGreeting(command("SUBSCRIBE", []byte("x"))), proto, zmq.ProtocolUnexpectedCommand},
		{"unknown command", withGreeting(command("HELLOTHERE", nil)), proto, zmq.ProtocolUnexpectedCommand},
		{"ERROR with a reason longer than the rest", withGreeting(command("ERROR", []byte("\x09oops"))), proto, zmq.ProtocolMalformedError},
		{"ERROR without a reason length", withGreeting(command("ERROR", nil)), proto, zmq.ProtocolMalformedError},
		{"command name longer than the frame", withGreeting([]byte{0x04, 0x03, 0x05, 'R', 'E'}), proto, zmq.ProtocolMalformedCommand},
		{"command name of length 0", withGreeting([]byte{0x04, 0x02, 0x00, 'x'}), proto, zmq.ProtocolMalformedCommand},
		{"empty command frame", withGreeting([]byte{0x04, 0x00}), proto, zmq.ProtocolMalformedCommand},
		{"data frame instead of READY", withGreeting([]byte{0x00, 0x01, 'x'}), proto, zmq.ProtocolUnexpectedCommand},
		{"data frame with MORE instead of READY", withGreeting([]byte{0x01, 0x01, 'x'}), proto, zmq.ProtocolUnexpectedCommand},
	}
	checkLeaks(t)
	const ivl = 300 * time.Millisecond
	pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(ivl))
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := dialTCP(t, ep)
			conn.Write(c.send)
			if c.event == ok {
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				io.ReadFull(conn, make([]byte, 64))
				readCommand(t, conn, "READY")
				conn.Write([]byte{0x00, 0x02, 'o', 'k'})
				expect(t, pull, "ok")
				expectConnEvents(t, m, conn, zmq.EventAccepted, ok)
				good.check(t)
				return
			}
			if _, closed := readUntilClosed(conn); !closed {
				t.Fatal("connection left open")
			}
			ev := expectConnEvents(t, m, conn, zmq.EventAccepted, c.event, zmq.EventDisconnected)[1]
			if c.event == proto && (zmq.ProtocolCode(ev.Value) != c.code || protocolCode(ev.Err) != c.code) {
				t.Errorf("%v: value %v, want %v", ev, zmq.ProtocolCode(ev.Value), c.code)
			}
			if c.event == zmq.EventHandshakeFailedNoDetail && !errors.Is(ev.Err, os.ErrDeadlineExceeded) {
				t.Errorf("%v, want a handshake timeout", ev)
			}
			good.check(t)
			expectEmpty(t, pull)
		})
	}
}
