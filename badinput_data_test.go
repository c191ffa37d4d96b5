package zmq_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// C9 and C10 in the data phase: commands of odd sizes, unknown commands,
// reserved flag bits and malformed commands from a peer that completed its
// handshake. Each case is either ignored (or answered), the peer's traffic
// going on over the same connection, or ends the connection with
// DISCONNECTED and a *ProtocolError of the code given; whole messages
// before a fatal command are delivered, as libzmq delivers them, and a
// message it cuts short is not. The socket never sends back bytes it did
// not receive. A well-behaved peer is served throughout.
func TestDataPhaseCommandEdges(t *testing.T) {
	ping := func(flags byte, data string) []byte {
		return append([]byte{flags, byte(5 + len(data)), 4, 'P', 'I', 'N', 'G'}, data...)
	}
	pong := func(ctx string) []byte {
		return append([]byte{0x04, byte(5 + len(ctx)), 4, 'P', 'O', 'N', 'G'}, ctx...)
	}
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	frame := func(flags byte, body string) []byte { return append([]byte{flags, byte(len(body))}, body...) }
	ctx17 := "0123456789abcdefg"
	cases := []struct {
		name  string
		send  []byte
		reply []byte     // what the socket sends back, exactly
		want  [][]string // messages delivered
		code  zmq.ProtocolCode
	}{
		// PING and PONG (RFC 37).
		{name: "PING without TTL", send: ping(0x04, ""), code: zmq.ProtocolMalformedCommand},
		{name: "PING with half a TTL", send: ping(0x04, "\x00"), code: zmq.ProtocolMalformedCommand},
		{name: "PING with a TTL and no context", send: ping(0x04, "\x00\x00"), reply: pong("")},
		{name: "PING with a 17-byte context", send: ping(0x04, "\x00\x00"+ctx17), reply: pong(ctx17[:16])},
		{name: "PING with reserved flag bits", send: ping(0xFC, "\x00\x00ctx"), reply: pong("ctx")},
		{name: "PING inside a multipart", send: cat(frame(0x01, "a"), ping(0x04, "\x00\x00p"), frame(0x00, "b")), reply: pong("p"), want: [][]string{{"a", "b"}}},
		{name: "PONG with a 40-byte context", send: pong(strings.Repeat("x", 40))},
		{name: "PONG without context", send: pong("")},
		// Unknown commands are ignored (libzmq's session drops them).
		{name: "unknown command", send: command("FOOBAR", []byte("data"))},
		{name: "unknown command with a 255-byte name, LONG", send: command(strings.Repeat("Z", 255), make([]byte, 300))},
		{name: "unknown command inside a multipart", send: cat(frame(0x01, "a"), command("FOOBAR", nil), frame(0x00, "b")), want: [][]string{{"a", "b"}}},
		{name: "READY again", send: ready("PUSH")},
		{name: "SUBSCRIBE to a PULL", send: command("SUBSCRIBE", []byte("t"))},
		{name: "CANCEL to a PULL", send: command("CANCEL", []byte("t"))},
		// Frame flags.
		{name: "reserved flag bits on data frames", send: cat(frame(0xF9, "a"), frame(0xF8, "b"), longHeader(0xF8, 1), []byte("c")), want: [][]string{{"a", "b"}, {"c"}}},
		{name: "LONG with a small size", send: cat(longHeader(0x01, 2), []byte("hi"), longHeader(0x00, 0)), want: [][]string{{"hi", ""}}},
		{name: "empty frames", send: cat(frame(0x01, ""), frame(0x00, "")), want: [][]string{{"", ""}}},
		// Fatal.
		{name: "ERROR", send: command("ERROR", []byte("\x03bye")), code: zmq.ProtocolUnspecified},
		{name: "ERROR with a reason longer than the rest", send: command("ERROR", []byte("\x09oops")), code: zmq.ProtocolMalformedError},
		{name: "ERROR without a reason length", send: command("ERROR", nil), code: zmq.ProtocolMalformedError},
		{name: "command name longer than the frame", send: []byte{0x04, 0x03, 0x05, 'R', 'E'}, code: zmq.ProtocolMalformedCommand},
		{name: "command name of length 0", send: []byte{0x04, 0x02, 0x00, 'x'}, code: zmq.ProtocolMalformedCommand},
		{name: "empty command frame", send: []byte{0x04, 0x00}, code: zmq.ProtocolMalformedCommand},
		{name: "command with MORE", send: ping(0x05, "\x00\x00"), code: zmq.ProtocolMalformedCommand},
		{name: "whole messages before a malformed command", send: cat(frame(0x00, "x"), frame(0x01, "y"), frame(0x00, "z"), []byte{0x04, 0x00}), want: [][]string{{"x"}, {"y", "z"}}, code: zmq.ProtocolMalformedCommand},
		{name: "multipart cut short by a malformed command", send: cat(frame(0x01, "a"), []byte{0x04, 0x00}), code: zmq.ProtocolMalformedCommand},
	}
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	m := pull.Monitor(zmq.EventAll)
	ep := bound(t, pull, "tcp")
	good := newGoodPeer(t, pull, ep)
	after := []byte{0x00, 0x05, 'a', 'f', 't', 'e', 'r'}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := dialTCP(t, ep)
			greetRaw(t, conn, greeting(3, 1, "NULL"), "PUSH")
			expectConnEvents(t, m, conn, zmq.EventAccepted, zmq.EventHandshakeSucceeded)
			conn.Write(append(append([]byte(nil), c.send...), after...))
			for _, w := range c.want {
				expect(t, pull, w...)
			}
			if c.code != 0 {
				got, closed := readUntilClosed(conn)
				if !closed {
					t.Fatal("connection left open")
				}
				if !bytes.Equal(got, c.reply) {
					t.Errorf("the socket sent %q, want %q", got, c.reply)
				}
				ev := expectConnEvents(t, m, conn, zmq.EventDisconnected)[0]
				if protocolCode(ev.Err) != c.code {
					t.Errorf("%v, want code %v", ev, c.code)
				}
				good.check(t)
				expectEmpty(t, pull)
				return
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len(c.reply))
			if _, err := io.ReadFull(conn, got); err != nil || !bytes.Equal(got, c.reply) {
				t.Errorf("the socket sent %q (%v), want %q", got, err, c.reply)
			}
			expect(t, pull, "after")
			good.check(t)
			// Still the same connection, and nothing more was sent.
			conn.Write([]byte{0x00, 0x01, '!'})
			expect(t, pull, "!")
			conn.Close()
			expectConnEvents(t, m, conn, zmq.EventDisconnected)
			expectEmpty(t, pull)
		})
	}
}

// C12: a PUB receives nothing but subscriptions; whatever else a
// subscriber sends is discarded as it is read, not kept: 10^5 messages of
// 100 bytes (single and two-part) leave the live heap where it was and
// nothing queued, and the PUB publishes to a well-behaved subscriber
// meanwhile. (As in libzmq, a PUB reads its subscribers' input while the
// application sends; one that never sends holds at most RecvHWM messages
// per subscriber.)
func TestPubDiscardsInput(t *testing.T) {
	checkLeaks(t)
	pub := newSock(t, zmq.Pub)
	ep := bound(t, pub, "tcp")
	sub := newSock(t, zmq.Sub, zmq.Subscribe([]byte("T")))
	sub.Connect(ep)
	eventually(t, "the subscription", func() bool {
		send(t, pub, "T?")
		_, err := sub.TryRecv()
		return err == nil
	})
	for {
		if _, err := sub.TryRecv(); err != nil {
			break
		}
	}
	conn := dialTCP(t, ep)
	greetRaw(t, conn, greeting(3, 1, "NULL"), "SUB")
	mem := memNow()

	const n, batch = 100000, 1000
	junk := bytes.Repeat([]byte{'j'}, 100)
	var chunk []byte
	for i := 0; i < batch; i++ {
		if i%2 == 0 {
			chunk = append(append(chunk, 0x00, 100), junk...)
		} else {
			chunk = append(append(chunk, 0x01, 50), junk[:50]...)
			chunk = append(append(chunk, 0x00, 50), junk[:50]...)
		}
	}
	written := make(chan error, 1)
	go func() {
		for i := 0; i < n/batch; i++ {
			if _, err := conn.Write(chunk); err != nil {
				written <- err
				return
			}
		}
		// Then a subscription: once it is in force, everything before
		// it was read.
		_, err := conn.Write(command("SUBSCRIBE", []byte("Z")))
		written <- err
	}()
	// The raw subscriber's reader: the first message it gets.
	first := make(chan string, 1)
	go func() {
		h := make([]byte, 2)
		if _, err := io.ReadFull(conn, h); err != nil {
			first <- "read error: " + err.Error()
			return
		}
		body := make([]byte, h[1])
		if _, err := io.ReadFull(conn, body); err != nil {
			first <- "read error: " + err.Error()
			return
		}
		first <- string(body)
	}()
	// One context for the loop: the send helper registers a cleanup per
	// call, which would count in the heap.
	ctx := tctx(t)
	ticks, got := 0, 0
	deadline := time.Now().Add(30 * time.Second)
	for done := false; !done; {
		if time.Now().After(deadline) {
			t.Fatalf("not done after 30s: %d ticks", ticks)
		}
		select {
		case err := <-written:
			if err != nil {
				t.Fatal(err)
			}
			// Everything is written: wait until the subscription that
			// follows it is in force.
			for subscribed := false; !subscribed; {
				if err := pub.Send(ctx, zmq.NewMsgString("Z end")); err != nil {
					t.Fatal(err)
				}
				select {
				case body := <-first:
					if body != "Z end" {
						t.Fatalf("the raw subscriber got %q", body)
					}
					subscribed = true
				case <-time.After(10 * time.Millisecond):
				}
			}
			done = true
		default:
		}
		ticks++
		if err := pub.Send(ctx, zmq.NewMsgString("T tick")); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := sub.TryRecv(); err != nil {
				break
			}
			got++
		}
	}
	if q := zmq.QueuedIn(pub); q != 0 {
		t.Errorf("%d messages queued on the PUB", q)
	}
	grown, allocated := mem.since()
	t.Logf("%d messages discarded: live heap %+d bytes, %d MiB allocated; %d of %d ticks received meanwhile", n, grown, allocated>>20, got, ticks)
	if grown > 1<<20 {
		t.Errorf("live heap grew by %d bytes", grown)
	}
	if got == 0 {
		t.Error("the good subscriber received nothing while the PUB discarded")
	}
	send(t, pub, "T final")
	for recvStrings(t, sub)[0] != "T final" {
		// ticks still in flight
	}
}

// C13: a server that sends the first frame of a multipart message (and
// part of the second) and then resets the connection, over and over, never
// has a partial message delivered by the client, which reconnects each time
// (ReconnectInterval 1ms); the client's live heap stays flat, and a
// well-behaved server is served throughout. Every 10th round the first
// frame is a large one (100 KiB), read into a buffer of its own.
func TestPartialMultipartThenReset(t *testing.T) {
	const rounds, limit = 2000, 6 * time.Second
	for _, c := range []struct {
		client, good zmq.Type
		server       string
	}{{zmq.Pull, zmq.Push, "PUSH"}, {zmq.Dealer, zmq.Dealer, "ROUTER"}} {
		t.Run(c.client.String(), func(t *testing.T) {
			checkLeaks(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ep := "tcp://" + ln.Addr().String()
			client := newSock(t, c.client, zmq.ReconnectInterval(time.Millisecond), zmq.Linger(0))
			m := client.Monitor(zmq.EventHandshakeSucceeded | zmq.EventDisconnected)
			goodSrv := newSock(t, c.good)
			goodEP := bound(t, goodSrv, "tcp")
			client.Connect(goodEP)
			client.Connect(ep)
			next := func(want zmq.EventType) zmq.Event {
				t.Helper()
				for {
					ev := nextEvent(t, m)
					if ev.Endpoint != ep {
						continue
					}
					if ev.Type != want {
						t.Fatalf("got %v, want %v", ev, want)
					}
					return ev
				}
			}
			hello := append(greeting(3, 1, "NULL"), ready(c.server)...)
			small := append(append([]byte(nil), hello...), 0x01, 5, 'p', 'a', 'r', 't', '1', 0x00, 10, 'p', 'a', 'r')
			large := append(append([]byte(nil), hello...), longHeader(0x01, 100<<10)...)
			large = append(large, make([]byte, 100<<10)...)
			large = append(large, 0x00, 10, 'p', 'a', 'r')
			var mem memory
			start := time.Now()
			n := 0
			for ; n < rounds && time.Since(start) < limit; n++ {
				ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
				conn, err := ln.Accept()
				if err != nil {
					t.Fatalf("round %d: %v", n, err)
				}
				out := small
				if n%10 == 9 {
					out = large
				}
				conn.Write(out)
				next(zmq.EventHandshakeSucceeded)
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close() // a reset
				ev := next(zmq.EventDisconnected)
				if !errors.Is(ev.Err, syscall.ECONNRESET) && !errors.Is(ev.Err, io.EOF) {
					t.Fatalf("round %d: %v", n, ev)
				}
				if n == 100 {
					mem = memNow()
				}
				if n%100 == 0 {
					send(t, goodSrv, "good")
					expect(t, client, "good")
					expectEmpty(t, client)
				}
			}
			if n < 300 {
				t.Fatalf("only %d rounds in %v", n, limit)
			}
			expectEmpty(t, client)
			grown, _ := mem.since()
			t.Logf("%d resets in %v: live heap %+d bytes from round 100", n, time.Since(start).Round(time.Millisecond), grown)
			if grown > 1<<20 {
				t.Errorf("live heap grew by %d bytes", grown)
			}
			// A whole message still arrives whole.
			ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
			conn, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(append(append([]byte(nil), hello...), 0x01, 5, 'w', 'h', 'o', 'l', 'e', 0x00, 3, 'm', 's', 'g'))
			expect(t, client, "whole", "msg")
			expectEmpty(t, client)
		})
	}
}
