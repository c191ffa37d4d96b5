package mdp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// wait bounds every step of the tests.
const wait = 5 * time.Second

// fakeBroker is a ROUTER socket on the loopback that plays the broker's
// side by hand.
type fakeBroker struct {
	t        *testing.T
	sock     *zmq.Socket
	endpoint string
}

func newFakeBroker(t *testing.T) *fakeBroker {
	t.Helper()
	sock, err := zmq.NewSocket(zmq.Router, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	if err := sock.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	return &fakeBroker{t: t, sock: sock, endpoint: sock.LastEndpoint()}
}

// recv returns the next message, [sender, frames...].
func (b *fakeBroker) recv() [][]byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := b.sock.Recv(ctx)
	if err != nil {
		b.t.Fatalf("broker: %v", err)
	}
	return m.Frames
}

// expect receives a message and checks it after its sender, which it
// returns.
func (b *fakeBroker) expect(want ...string) []byte {
	b.t.Helper()
	got := b.recv()
	if fmt.Sprintf("%q", got[1:]) != fmt.Sprintf("%q", want) {
		b.t.Fatalf("broker received %q, want %q after the sender", got[1:], want)
	}
	return got[0]
}

func (b *fakeBroker) send(frames ...string) {
	b.t.Helper()
	m := zmq.NewMsgString(frames...)
	if err := b.sock.Send(context.Background(), m); err != nil {
		b.t.Fatalf("broker: %v", err)
	}
}

var (
	readyCmd      = string(Ready.Frame())
	requestCmd    = string(Request.Frame())
	replyCmd      = string(Reply.Frame())
	heartbeatCmd  = string(Heartbeat.Frame())
	disconnectCmd = string(Disconnect.Frame())
)

// startWorker runs w.Recv and w.Reply in a goroutine that echoes every
// request, and returns the channel of the requests it served. The test
// ends it and waits for it.
func startWorker(t *testing.T, w *Worker) <-chan string {
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		defer close(served)
		for {
			request, err := w.Recv(ctx)
			if err != nil {
				done <- err
				return
			}
			served <- fmt.Sprintf("%q", request)
			if err := w.Reply(ctx, request...); err != nil {
				done <- err
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the worker stopped with %v", err)
		}
		w.Close()
	})
	return served
}

// The worker registers, answers a request, heartbeats an idle broker,
// starts over after DISCONNECT and when the broker goes silent, and says
// DISCONNECT when it closes.
func TestWorker(t *testing.T) {
	b := newFakeBroker(t)
	const hb = 100 * time.Millisecond
	w := &Worker{Broker: b.endpoint, Service: "echo", Heartbeat: hb, Reconnect: hb}
	served := startWorker(t, w)

	id := b.expect("", WorkerHeader, readyCmd, "echo")
	b.send(string(id), "", WorkerHeader, requestCmd, "client-1", "", "a", "", "b")
	b.expect("", WorkerHeader, replyCmd, "client-1", "", "a", "", "b")
	if got := <-served; got != `["a" "" "b"]` {
		t.Fatalf("the worker served %s", got)
	}
	b.send(string(id), "", WorkerHeader, requestCmd, "client-2", "")
	b.expect("", WorkerHeader, replyCmd, "client-2", "")
	<-served

	// Idle, it heartbeats: the broker's heartbeats keep it connected.
	for range 2 * DefaultLiveness {
		b.expect("", WorkerHeader, heartbeatCmd)
		b.send(string(id), "", WorkerHeader, heartbeatCmd)
	}
	// A malformed command is ignored.
	b.send(string(id), "", "MDPW02", heartbeatCmd)
	b.send(string(id), "", WorkerHeader, "\x09")
	b.expect("", WorkerHeader, heartbeatCmd)

	// DISCONNECT: it registers again at once, on a new socket.
	b.send(string(id), "", WorkerHeader, disconnectCmd)
	id2 := b.expect("", WorkerHeader, readyCmd, "echo")
	if bytes.Equal(id, id2) {
		t.Fatal("the worker registered again with the same routing id")
	}

	// Silence: it heartbeats until Liveness heartbeats have passed, then
	// starts over after Reconnect.
	start := time.Now()
	var id3 []byte
	for id3 == nil {
		switch got := b.recv(); string(got[3]) {
		case heartbeatCmd:
		case readyCmd:
			id3 = got[0]
		default:
			t.Fatalf("broker received %q", got)
		}
	}
	if bytes.Equal(id2, id3) {
		t.Fatal("the worker reconnected with the same routing id")
	}
	if d, want := time.Since(start), DefaultLiveness*hb+w.Reconnect; d < want*9/10 {
		t.Fatalf("the worker gave up on the broker after %v, before %v", d, want)
	}
	b.send(string(id3), "", WorkerHeader, requestCmd, "client-3", "", "c")
	b.expect("", WorkerHeader, replyCmd, "client-3", "", "c")
	<-served
}

// Close tells the broker.
func TestWorkerClose(t *testing.T) {
	b := newFakeBroker(t)
	w := &Worker{Broker: b.endpoint, Service: "svc", Heartbeat: 50 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := w.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv returned %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b.expect("", WorkerHeader, readyCmd, "svc")
	for {
		got := b.recv()
		if string(got[3]) == disconnectCmd {
			break
		}
		if string(got[3]) != heartbeatCmd {
			t.Fatalf("broker received %q", got)
		}
	}
	if err := w.Reply(context.Background(), []byte("x")); err == nil {
		t.Fatal("Reply without a request succeeded")
	}
}

// The client sends the request, retries it on new sockets, and gives up
// after Retries attempts.
func TestClient(t *testing.T) {
	b := newFakeBroker(t)
	c := &Client{Broker: b.endpoint, Timeout: wait, Retries: 3}
	defer c.Close()
	type result struct {
		reply [][]byte
		err   error
	}
	send := func(service string, body ...string) <-chan result {
		done := make(chan result, 1)
		frames := make([][]byte, len(body))
		for i, f := range body {
			frames[i] = []byte(f)
		}
		go func() {
			reply, err := c.Send(context.Background(), service, frames...)
			done <- result{reply, err}
		}()
		return done
	}

	// Answered at once.
	done := send("echo", "Hello", "world")
	id := b.expect("", ClientHeader, "echo", "Hello", "world")
	b.send(string(id), "", ClientHeader, "echo", "Hello", "world")
	if r := <-done; r.err != nil || fmt.Sprintf("%q", r.reply) != `["Hello" "world"]` {
		t.Fatalf("Send returned %q, %v", r.reply, r.err)
	}

	// Answered at the second attempt: the first socket is gone.
	c.Timeout = 300 * time.Millisecond
	done = send("echo", "again")
	first := b.expect("", ClientHeader, "echo", "again")
	second := b.expect("", ClientHeader, "echo", "again")
	if bytes.Equal(first, second) {
		t.Fatal("the client retried on the same socket")
	}
	b.send(string(first), "", ClientHeader, "echo", "late") // dropped
	b.send(string(second), "", ClientHeader, "echo", "again")
	if r := <-done; r.err != nil || fmt.Sprintf("%q", r.reply) != `["again"]` {
		t.Fatalf("Send returned %q, %v", r.reply, r.err)
	}

	// Never answered.
	c.Timeout = 100 * time.Millisecond
	start := time.Now()
	done = send("nosuch", "x")
	for range 3 {
		b.expect("", ClientHeader, "nosuch", "x")
	}
	if r := <-done; !errors.Is(r.err, ErrNoReply) {
		t.Fatalf("Send to a silent broker returned %q, %v", r.reply, r.err)
	}
	if d := time.Since(start); d < 3*c.Timeout {
		t.Fatalf("the client gave up after %v", d)
	}

	// A reply from another service, or without the header, is an error.
	c.Timeout = wait
	for _, bad := range [][]string{{ClientHeader, "other", "x"}, {"MDPC02", "echo", "x"}, {ClientHeader, "echo"}} {
		done = send("echo", "x")
		id := b.expect("", ClientHeader, "echo", "x")
		b.send(append([]string{string(id), ""}, bad...)...)
		if r := <-done; !errors.Is(r.err, ErrProtocol) {
			t.Fatalf("a reply %q gave %q, %v", bad, r.reply, r.err)
		}
	}
}

// A canceled request leaves the client ready for the next one.
func TestClientCanceled(t *testing.T) {
	b := newFakeBroker(t)
	c := &Client{Broker: b.endpoint, Timeout: wait}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, "echo", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send returned %v", err)
	}
	b.expect("", ClientHeader, "echo", "x")
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(context.Background(), "echo", []byte("y"))
		done <- err
	}()
	id := b.expect("", ClientHeader, "echo", "y")
	b.send(string(id), "", ClientHeader, "echo", "y")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDump(t *testing.T) {
	got := Dump([][]byte{[]byte(ClientHeader), nil, {0, 0xAB}, []byte("héllo")})
	want := "----------------------------------------\n[006] MDPC01\n[000] \n[002] 00AB\n[006] héllo\n"
	if got != want {
		t.Fatalf("Dump: %q, want %q", got, want)
	}
}

func TestCommand(t *testing.T) {
	for c := Ready; c <= Disconnect; c++ {
		if got, ok := ParseCommand(c.Frame()); !ok || got != c {
			t.Errorf("ParseCommand(%v) = %v, %v", c, got, ok)
		}
	}
	for _, f := range [][]byte{nil, {0}, {6}, {1, 1}} {
		if c, ok := ParseCommand(f); ok {
			t.Errorf("ParseCommand(%x) = %v", f, c)
		}
	}
	if s := Heartbeat.String(); s != "HEARTBEAT" {
		t.Errorf("Heartbeat.String() = %q", s)
	}
}
