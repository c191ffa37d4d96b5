package zmq_test

import (
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func greeting(major, minor byte, mech string) []byte {
	g := make([]byte, 64)
	g[0], g[8], g[9], g[10], g[11] = 0xFF, 1, 0x7F, major, minor
	copy(g[12:32], mech)
	return g
}

func command(name string, data []byte) []byte {
	body := append([]byte{byte(len(name))}, name...)
	body = append(body, data...)
	if len(body) > 255 {
		return append(binary.BigEndian.AppendUint64([]byte{0x06}, uint64(len(body))), body...)
	}
	return append([]byte{0x04, byte(len(body))}, body...)
}

func ready(socketType string) []byte {
	md := append([]byte{11}, "Socket-Type"...)
	md = binary.BigEndian.AppendUint32(md, uint32(len(socketType)))
	md = append(md, socketType...)
	return command("READY", md)
}

// closedByPeer reports whether the socket closes conn within a second,
// reading (and discarding) what it sends first.
func closedByPeer(conn net.Conn) bool {
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	return err == nil || !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Each hostile peer gets its connection closed, nothing panics, and the
// socket keeps serving a well-behaved peer throughout.
func TestBadPeers(t *testing.T) {
	cases := []struct {
		name string
		send []byte
	}{
		{"bad signature", append([]byte{0x00}, greeting(3, 1, "NULL")[1:]...)},
		{"ZMTP 2.0 peer of an incompatible type", greeting(1, 0, "NULL")},
		{"ZMTP 1.0", append([]byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E}, make([]byte, 54)...)},
		{"mechanism mismatch", greeting(3, 1, "CURVE")},
		{"bad mechanism name", greeting(3, 1, "nul!")},
		{"incompatible socket type", append(greeting(3, 1, "NULL"), ready("PULL")...)},
		{"unknown socket type", append(greeting(3, 1, "NULL"), ready("BOGUS")...)},
		{"malformed metadata", append(greeting(3, 1, "NULL"), command("READY", []byte{11, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 9, 9})...)},
		{"data before READY", append(greeting(3, 1, "NULL"), 0x00, 0x01, 'x')},
		{"unexpected command in handshake", append(greeting(3, 1, "NULL"), command("PING", []byte{0, 0})...)},
		{"command with MORE", append(append(greeting(3, 1, "NULL"), ready("PUSH")...), 0x05, 0x01, 'x')},
		{"frame of 2^63 bytes", append(append(greeting(3, 1, "NULL"), ready("PUSH")...), append([]byte{0x02}, binary.BigEndian.AppendUint64(nil, 1<<63)...)...)},
		{"ERROR in data phase", append(append(greeting(3, 1, "NULL"), ready("PUSH")...), command("ERROR", []byte{3, 'b', 'y', 'e'})...)},
		{"bad PING", append(append(greeting(3, 1, "NULL"), ready("PUSH")...), command("PING", []byte{0})...)},
		{"huge handshake command", append(greeting(3, 1, "NULL"), append([]byte{0x06}, binary.BigEndian.AppendUint64(nil, 1<<40)...)...)},
	}
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "tcp")
	good := newSock(t, zmq.Push)
	good.Connect(ep)
	addr := strings.TrimPrefix(ep, "tcp://")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(c.send)
			if !closedByPeer(conn) {
				t.Fatal("connection left open")
			}
			send(t, good, "still", string(rune('a'+i)))
			expect(t, pull, "still", string(rune('a'+i)))
		})
	}
}

// A peer that claims a huge frame and sends a little of it gets no huge
// buffer: memory is allocated only as the bytes arrive. With MaxMsgSize the
// connection is closed at once.
func TestClaimedSizeNotTrusted(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "ipc")
	path := strings.TrimPrefix(ep, "ipc://")
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]net.Conn, 20)
	for i := range conns {
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
		msg := append(greeting(3, 1, "NULL"), ready("PUSH")...)
		msg = append(msg, 0x02)
		msg = binary.BigEndian.AppendUint64(msg, 1<<62)
		msg = append(msg, make([]byte, 100000)...)
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	// Measure once the socket has read everything sent, and so made
	// whatever room it makes for it.
	if _, ok := unreadByPeer(conns[0]); ok {
		for _, conn := range conns {
			eventually(t, "the socket to read what was sent", func() bool {
				n, _ := unreadByPeer(conn)
				return n == 0
			})
		}
	} else {
		// Where that cannot be known, give it time.
		time.Sleep(200 * time.Millisecond)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Fatalf("heap grew by %d MiB for 20 peers claiming 4 EiB each", grown>>20)
	}

	limited := newSock(t, zmq.Pull, zmq.MaxMsgSize(1000))
	ep2 := bound(t, limited, "tcp")
	conn := dialTCP(t, ep2)
	msg := append(greeting(3, 1, "NULL"), ready("PUSH")...)
	msg = append(msg, 0x02)
	msg = binary.BigEndian.AppendUint64(msg, 1001)
	conn.Write(msg)
	if !closedByPeer(conn) {
		t.Fatal("frame over MaxMsgSize did not close the connection")
	}
}

// A raw peer that speaks ZMTP correctly is served: greeting in stages,
// READY with Socket-Type, frames short and long, and PING answered by PONG.
func TestRawZMTPPeer(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "tcp")
	conn := dialTCP(t, ep)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	// Send the signature only, as libzmq does, and expect the peer's
	// signature before anything else: a peer waiting for all 64 bytes would
	// deadlock here.
	g := greeting(3, 1, "NULL")
	conn.Write(g[:10])
	peer := make([]byte, 64)
	if _, err := io.ReadFull(conn, peer[:10]); err != nil {
		t.Fatalf("signature: %v", err)
	}
	conn.Write(g[10:])
	if _, err := io.ReadFull(conn, peer[10:]); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	if peer[10] != 3 || string(peer[12:16]) != "NULL" {
		t.Fatalf("greeting %x", peer)
	}
	conn.Write(ready("PUSH"))
	hdr := make([]byte, 2)
	io.ReadFull(conn, hdr)
	body := make([]byte, hdr[1])
	io.ReadFull(conn, body)
	if hdr[0] != 0x04 || !strings.Contains(string(body), "READY") || !strings.Contains(string(body), "PULL") {
		t.Fatalf("READY %x %q", hdr, body)
	}
	long := make([]byte, 300)
	frames := []byte{0x01, 0x02, 'h', 'i'}
	frames = append(frames, 0x02)
	frames = binary.BigEndian.AppendUint64(frames, 300)
	frames = append(frames, long...)
	conn.Write(frames)
	m, err := pull.Recv(tctx(t))
	if err != nil || len(m.Frames) != 2 || string(m.Frames[0]) != "hi" || len(m.Frames[1]) != 300 {
		t.Fatalf("message %v %v", m, err)
	}
	conn.Write(command("PING", []byte{0, 10, 'c', 't', 'x'}))
	pong := make([]byte, 2+1+4+3)
	if _, err := io.ReadFull(conn, pong); err != nil || string(pong[3:]) != "PONGctx" {
		t.Fatalf("PONG %q %v", pong, err)
	}
}

// A peer that never completes its handshake is dropped after
// HandshakeInterval, and one that sends a byte at a time cannot stretch it.
func TestHandshakeInterval(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull, zmq.HandshakeInterval(200*time.Millisecond))
	ep := bound(t, pull, "tcp")
	addr := strings.TrimPrefix(ep, "tcp://")
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	go func() {
		for _, b := range greeting(3, 1, "NULL") {
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	start := time.Now()
	if !closedByPeer(silent) || !closedByPeer(slow) {
		t.Fatal("handshake never timed out")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("dropped after %v, HandshakeInterval is 200ms", d)
	}
}
