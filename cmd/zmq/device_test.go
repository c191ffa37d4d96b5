package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A queue between a REQ process and a REP process, its counts on stderr;
// SIGINT ends it with exit code 0 and the counts a last time.
func TestQueue(t *testing.T) {
	queue := start(t, nil, "queue", "-interval", "20ms", "tcp://127.0.0.1:*", "@"+endpointFor(t, "ipc"))
	front := queue.bound(t, `frontend \(ROUTER\) `)
	back := queue.bound(t, `backend \(DEALER\) `)
	rep := start(t, stdinOf("r1\nr2\n"), "recv", "-type", "rep", "-n", "2", back)
	req := start(t, stdinOf("q1\nq2\n"), "send", "-type", "req", "-timeout", "10s", front)
	req.succeed(t)
	rep.succeed(t)
	if got := req.stdout.String(); got != "r1\nr2\n" {
		t.Fatalf("REQ printed %q through the queue, want the replies", got)
	}
	if got := rep.stdout.String(); got != "q1\nq2\n" {
		t.Fatalf("REP printed %q through the queue, want the requests", got)
	}
	counts := `zmq queue: frontend->backend 2 msg \d+ B, backend->frontend 2 msg \d+ B\n`
	queue.awaitMatch(t, queue.stderr, counts)
	if err := queue.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	queue.succeed(t)
	if lines := strings.Split(strings.TrimSpace(queue.stderr.String()), "\n"); !strings.Contains(lines[len(lines)-1], "frontend->backend 2 msg") {
		t.Fatalf("the queue's last line is %q, want its counts", lines[len(lines)-1])
	}
}

// A streamer between sockets of the library, one side connecting; -for
// ends it.
func TestStreamer(t *testing.T) {
	pull := libSocket(t, zmq.Pull)
	out := bindSocket(t, pull, "tcp")
	streamer := start(t, nil, "streamer", "-interval", "20ms", "-for", "30s", "tcp://127.0.0.1:*", ">"+out)
	in := streamer.bound(t, `frontend \(PULL\) `)
	push := libSocket(t, zmq.Push)
	if err := push.Connect(in); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sendFrames(t, push, "job", strconv.Itoa(i))
	}
	for i := range 3 {
		if got := recvFrames(t, pull); len(got) != 2 || got[1] != strconv.Itoa(i) {
			t.Fatalf("received %q, want job %d", got, i)
		}
	}
	streamer.awaitMatch(t, streamer.stderr, `zmq streamer: frontend->backend 3 msg 12 B\n`)
	streamer.cmd.Process.Signal(os.Interrupt)
	streamer.succeed(t)

	short := start(t, nil, "streamer", "-for", "50ms", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*")
	short.succeed(t)
}

// A forwarder passes the subscriptions of a SUB up to a PUB, and the
// matching publications down.
func TestForwarder(t *testing.T) {
	fwd := start(t, nil, "forwarder", "-interval", "20ms", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*")
	front := fwd.bound(t, `frontend \(XSUB\) `)
	back := fwd.bound(t, `backend \(XPUB\) `)
	pub := libSocket(t, zmq.Pub)
	sub := libSocket(t, zmq.Sub, zmq.Subscribe([]byte("news")))
	if err := pub.Connect(front); err != nil {
		t.Fatal(err)
	}
	if err := sub.Connect(back); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		sendFrames(t, pub, "sport", "0:0")
		sendFrames(t, pub, "news", "hello")
		wait, stop := context.WithTimeout(ctx, 5*time.Millisecond)
		m, err := sub.Recv(wait)
		stop()
		if ctx.Err() != nil {
			t.Fatal("no publication came through the forwarder")
		}
		if err == nil {
			if got := string(m.Frames[0]); got != "news" {
				t.Fatalf("SUB subscribed to news received %q", got)
			}
			break
		}
	}
	fwd.awaitMatch(t, fwd.stderr, `frontend->backend [1-9]\d* msg .*, backend->frontend [1-9]\d* msg`)
	fwd.cmd.Process.Signal(os.Interrupt)
	fwd.succeed(t)
}
