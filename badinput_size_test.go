package zmq_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// C6: a frame whose declared size no process could hold is refused at its
// header, before anything is allocated for it: in the handshake (any
// command over the 1 MiB handshake limit) with HANDSHAKE_FAILED_PROTOCOL
// and MALFORMED_COMMAND, and in the data phase, with no MaxMsgSize set,
// with DISCONNECTED and a *ProtocolError. libzmq fails to allocate such a
// frame and closes too. Each peer also sends 64 KiB after the header; the
// live heap does not grow and the socket allocates less than 1 MiB for it.
func TestAbsurdFrameSizes(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	tail := make([]byte, 64<<10)
	for _, phase := range []string{"handshake", "data phase"} {
		for _, size := range []uint64{1<<64 - 1, 1 << 63, 1 << 62, 1<<48 + 1} {
			t.Run(fmt.Sprintf("%s %#x", phase, size), func(t *testing.T) {
				mem := memNow()
				conn := dialTCP(t, ep)
				if phase == "handshake" {
					conn.Write(append(greeting(3, 1, "NULL"), longHeader(0x04, size)...))
				} else {
					greetRaw(t, conn, greeting(3, 1, "NULL"), "PUSH")
					conn.Write(longHeader(0x00, size))
				}
				conn.Write(tail)
				if _, closed := readUntilClosed(conn); !closed {
					t.Fatal("connection left open")
				}
				if phase == "handshake" {
					ev := expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeFailedProtocol, zmq.EventDisconnected)[1]
					if zmq.ProtocolCode(ev.Value) != zmq.ProtocolMalformedCommand {
						t.Errorf("%v: value %v", ev, zmq.ProtocolCode(ev.Value))
					}
				} else {
					ev := expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeSucceeded, zmq.EventDisconnected)[2]
					if protocolCode(ev.Err) == 0 {
						t.Errorf("%v, want a *ProtocolError", ev)
					}
				}
				good.check(t)
				expectEmpty(t, pull)
				grown, allocated := mem.settled(64 << 10)
				t.Logf("live heap %+d bytes, %d bytes allocated", grown, allocated)
				if grown > 64<<10 || allocated > 1<<20 {
					t.Errorf("live heap grew by %d bytes and %d were allocated for a frame claiming %#x bytes", grown, allocated, size)
				}
			})
		}
	}
}

// C7: a peer that declares a 2 GiB command before its handshake is done,
// sends 64 KiB of it and stalls is closed at the header: the command is
// over the handshake limit (1 MiB). One that declares a command of exactly
// the limit, sends 64 KiB and stalls is closed at HandshakeInterval, and
// its buffer grows only with the bytes it sent.
func TestHandshakeCommandLimit(t *testing.T) {
	checkLeaks(t)
	const ivl = 300 * time.Millisecond
	pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(ivl))
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	tail := make([]byte, 64<<10)
	cases := []struct {
		name      string
		size      uint64
		event     zmq.EventType
		allocated int64 // at most, by the socket and this test
	}{
		{"2 GiB", 2 << 30, zmq.EventHandshakeFailedProtocol, 256 << 10},
		{"1 MiB", 1 << 20, zmq.EventHandshakeFailedNoDetail, 1 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memNow()
			conn := dialTCP(t, ep)
			conn.Write(append(greeting(3, 1, "NULL"), longHeader(0x04, c.size)...))
			conn.Write(tail)
			good.check(t)
			if _, closed := readUntilClosed(conn); !closed {
				t.Fatal("connection left open")
			}
			ev := expectConnEvents(t, m, conn, zmq.EventAccepted, c.event, zmq.EventDisconnected)[1]
			switch c.event {
			case zmq.EventHandshakeFailedProtocol:
				if zmq.ProtocolCode(ev.Value) != zmq.ProtocolMalformedCommand {
					t.Errorf("%v: value %v", ev, zmq.ProtocolCode(ev.Value))
				}
			case zmq.EventHandshakeFailedNoDetail:
				var te *zmq.TimeoutError
				if !errors.As(ev.Err, &te) || !errors.Is(ev.Err, os.ErrDeadlineExceeded) {
					t.Errorf("%v, want a handshake timeout", ev)
				}
			}
			good.check(t)
			expectEmpty(t, pull)
			grown, allocated := mem.settled(64 << 10)
			t.Logf("live heap %+d bytes, %d bytes allocated", grown, allocated)
			if grown > 64<<10 || allocated > c.allocated {
				t.Errorf("live heap grew by %d bytes and %d were allocated, want at most 64 KiB and %d", grown, allocated, c.allocated)
			}
		})
	}
}
