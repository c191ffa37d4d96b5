package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A send process and a recv process, one message per line, over tcp and
// ipc, the receiver binding.
func TestSendRecvLines(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			recv := start(t, nil, "recv", "-v", "-n", "3", "@"+endpointFor(t, tr))
			ep := recv.bound(t, "recv: ")
			send := start(t, stdinOf("one\ntwo words\r\n\n"), "send", ep)
			send.succeed(t)
			recv.succeed(t)
			if got, want := recv.stdout.String(), "one\ntwo words\n\n"; got != want {
				t.Fatalf("recv printed %q, want %q", got, want)
			}
		})
	}
}

// -raw moves bytes as they are, newlines and NULs included: stdin whole
// is one message, written with nothing added. The sender binds here.
func TestSendRecvRaw(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			data := "line one\nline\x00two\n\n\xff"
			send := start(t, stdinOf(data), "send", "-raw", "-v", "@"+endpointFor(t, tr))
			ep := send.bound(t, "send: ")
			recv := start(t, nil, "recv", "-raw", "-n", "1", ">"+ep)
			recv.succeed(t)
			send.succeed(t)
			if got := recv.stdout.String(); got != data {
				t.Fatalf("recv -raw wrote %q, want %q", got, data)
			}
		})
	}
}

// -sep splits lines into frames and joins received frames; without it,
// received frames are joined by a tab. The peers are the library's
// sockets, which see the frames themselves.
func TestSendRecvMultipart(t *testing.T) {
	t.Run("send", func(t *testing.T) {
		pull := libSocket(t, zmq.Pull)
		ep := bindSocket(t, pull, "tcp")
		send := start(t, stdinOf("a|b|c\nsolo\n|\n"), "send", "-sep", "|", ep)
		for _, want := range [][]string{{"a", "b", "c"}, {"solo"}, {"", ""}} {
			if got := recvFrames(t, pull); !slices.Equal(got, want) {
				t.Fatalf("received %q, want %q", got, want)
			}
		}
		send.succeed(t)
	})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"sep", []string{"-sep", "::"}, "x::y::z\nalone\n"},
		{"escaped", []string{"-sep", `\x01`}, "x\x01y\x01z\nalone\n"},
		{"tab", nil, "x\ty\tz\nalone\n"},
		{"raw", []string{"-raw", "-sep", "+"}, "x+y+zalone"},
	} {
		t.Run("recv/"+c.name, func(t *testing.T) {
			push := libSocket(t, zmq.Push)
			ep := bindSocket(t, push, "ipc")
			recv := start(t, nil, append([]string{"recv", "-n", "2", ep}, c.args...)...)
			sendFrames(t, push, "x", "y", "z")
			sendFrames(t, push, "alone")
			recv.succeed(t)
			if got := recv.stdout.String(); got != c.want {
				t.Fatalf("recv printed %q, want %q", got, c.want)
			}
		})
	}
}

// A SUB given -subscribe prints only the messages that match; a PUB sends
// to a SUB of the library only what it subscribed to.
func TestPubSub(t *testing.T) {
	t.Run("sub", func(t *testing.T) {
		pub := libSocket(t, zmq.Pub)
		ep := bindSocket(t, pub, "tcp")
		recv := start(t, nil, "recv", "-type", "SUB", "-subscribe", "A", "-subscribe", "C", "-n", "4", ep)
		// The subscriber joins at some point: publish until it has had
		// enough.
		for i := 0; ; i++ {
			for _, topic := range []string{"A", "B", "C"} {
				sendFrames(t, pub, topic+" "+strconv.Itoa(i))
			}
			select {
			case <-recv.exited:
			case <-time.After(5 * time.Millisecond):
				continue
			}
			break
		}
		recv.succeed(t)
		lines := strings.Split(strings.TrimSuffix(recv.stdout.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("recv -n 4 printed %d lines: %q", len(lines), lines)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "A ") && !strings.HasPrefix(l, "C ") {
				t.Fatalf("recv subscribed to A and C printed %q", l)
			}
		}
	})
	t.Run("pub", func(t *testing.T) {
		sub := libSocket(t, zmq.Sub, zmq.Subscribe([]byte("A")))
		ep := bindSocket(t, sub, "tcp")
		send := start(t, nil, "send", "-type", "pub", ep)
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		for i := 0; ; i++ {
			if _, err := send.stdin.Write([]byte("B no\nA yes " + strconv.Itoa(i) + "\n")); err != nil {
				t.Fatal(err)
			}
			wait, stop := context.WithTimeout(ctx, 5*time.Millisecond)
			m, err := sub.Recv(wait)
			stop()
			if ctx.Err() != nil {
				t.Fatal("the SUB received nothing")
			}
			if err != nil {
				continue
			}
			if got := string(m.Bytes()); !strings.HasPrefix(got, "A yes ") {
				t.Fatalf("SUB subscribed to A received %q", got)
			}
			break
		}
		send.stdin.Close()
		send.succeed(t)
	})
}

// REQ and REP as two processes, each way round: the REP binds, then the
// REQ does.
func TestReqRep(t *testing.T) {
	t.Run("rep binds", func(t *testing.T) {
		rep := start(t, stdinOf("r1\nr2\n"), "recv", "-type", "rep", "-v", "@"+endpointFor(t, "tcp"))
		ep := rep.bound(t, "recv: ")
		req := start(t, stdinOf("q1\nq2\n"), "send", "-type", "req", "-timeout", "10s", ep)
		req.succeed(t)
		rep.succeed(t)
		if got := req.stdout.String(); got != "r1\nr2\n" {
			t.Fatalf("REQ printed %q, want the replies", got)
		}
		if got := rep.stdout.String(); got != "q1\nq2\n" {
			t.Fatalf("REP printed %q, want the requests", got)
		}
	})
	t.Run("req binds", func(t *testing.T) {
		req := start(t, stdinOf("q1\nq2\nq3\n"), "send", "-type", "Req", "-n", "2", "-v", "@"+endpointFor(t, "ipc"))
		ep := req.bound(t, "send: ")
		rep := start(t, stdinOf("r1\nr2\nr3\n"), "send", "-type", "REP", "-n", "2", ep)
		req.succeed(t)
		rep.succeed(t)
		if got := req.stdout.String(); got != "r1\nr2\n" {
			t.Fatalf("REQ -n 2 printed %q, want two replies", got)
		}
		if got := rep.stdout.String(); got != "q1\nq2\n" {
			t.Fatalf("REP -n 2 printed %q, want two requests", got)
		}
	})
	t.Run("no reply", func(t *testing.T) {
		rep := libSocket(t, zmq.Rep) // receives, never answers
		ep := bindSocket(t, rep, "tcp")
		_, stderr, code := run(t, "q\n", "send", "-type", "req", "-timeout", "300ms", ep)
		if code != exitFailure || !strings.Contains(stderr, "zmq send: timed out after 300ms waiting for the reply") {
			t.Fatalf("exit code %d, stderr %q; want 1 and a timeout", code, stderr)
		}
	})
}
