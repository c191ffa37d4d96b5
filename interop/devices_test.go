package interop

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// devicesPeer returns the launcher of testdata/devices.py under pyzmq.
func devicesPeer(t *testing.T) launcher {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "devices.py"))
	must(t, "devices.py", err)
	return func(t *testing.T, args ...string) *peerProc {
		return startPeer(t, py, append([]string{script}, args...)...)
	}
}

// runDevice runs our device of kind between frontend and backend until the
// end of the test, which checks that it stopped for that reason.
func runDevice(t *testing.T, kind zmq.DeviceKind, frontend, backend *zmq.Socket) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- zmq.Device(ctx, kind, frontend, backend) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("%v returned %v, before its context ended", kind, err)
		}
	})
}

// pyzmq REQ clients and REP workers through our QUEUE device: every
// request is answered by some worker, whole, and the workers together
// answered every request.
func TestQueuePyZMQ(t *testing.T) {
	checkLeaks(t)
	start := devicesPeer(t)
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			front := newOurs(t, zmq.Router)
			back := newOurs(t, zmq.Dealer)
			frontEP, backEP := bindOurs(t, front, tr), bindOurs(t, back, tr)
			runDevice(t, zmq.Queue, front, back)

			const workers, clients, requests = 3, 4, 25
			var ws, cs []*peerProc
			for i := range workers {
				ws = append(ws, start(t, "worker", backEP, fmt.Sprint("w", i)))
			}
			for i := range clients {
				cs = append(cs, start(t, "client", frontEP, fmt.Sprint("c", i), strconv.Itoa(requests)))
			}
			for _, c := range cs {
				c.finish(t, "ok client")
			}
			served := 0
			for i, w := range ws {
				w.stdin.Close()
				line := w.line(t, "ok worker")
				var name string
				var n int
				if _, err := fmt.Sscanf(line, "ok worker %s %d", &name, &n); err != nil || name != fmt.Sprint("w", i) {
					t.Fatalf("worker %d printed %q", i, line)
				}
				served += n
				if err := w.wait(); err != nil {
					t.Fatalf("worker %d: %v\n%s", i, err, w.stderr.String())
				}
			}
			if served != clients*requests {
				t.Fatalf("the workers served %d requests, want %d", served, clients*requests)
			}
		})
	}
}

// A pyzmq PUB through our FORWARDER (XSUB connected to it, XPUB bound) to
// a subscriber of ours and one of libzmq's, each to its own topic: the
// subscriptions travel up to the publisher, and each subscriber gets
// exactly its topic, in order.
func TestForwarderPyZMQ(t *testing.T) {
	checkLeaks(t)
	const n = 200
	pub := devicesPeer(t)(t, "pub", "tcp://127.0.0.1:*", strconv.Itoa(n))
	pubEP := strings.TrimPrefix(pub.line(t, "endpoint "), "endpoint ")
	xsub := newOurs(t, zmq.XSub)
	if err := xsub.Connect(pubEP); err != nil {
		t.Fatal(err)
	}
	xpub := newOurs(t, zmq.XPub)
	xpubEP := bindOurs(t, xpub, "tcp")
	runDevice(t, zmq.Forwarder, xsub, xpub)

	ours := ourSide(t, zmq.Sub, sockOpts{})
	ours.subscribe(t, "A")
	ours.connect(t, xpubEP)
	theirs := theirSide(t, zmq.Sub, sockOpts{})
	theirs.subscribe(t, "B")
	theirs.connect(t, xpubEP)
	subs := []struct {
		e     end
		topic string
	}{{ours, "A"}, {theirs, "B"}}
	// Each subscriber's first sync shows its subscription reached the
	// publisher through the forwarder.
	for _, s := range subs {
		if got := s.e.recv(t); len(got) != 2 || string(got[0]) != s.topic || string(got[1]) != "sync" {
			t.Fatalf("%v subscribed to %q got %s first", s.e, s.topic, show(got))
		}
	}
	if _, err := pub.stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		want := 0
		for {
			got := s.e.recv(t)
			if len(got) == 2 && string(got[1]) == "sync" && string(got[0]) == s.topic {
				continue
			}
			if len(got) == 2 && string(got[0]) == s.topic && string(got[1]) == "end" {
				break
			}
			wantBody := fmt.Sprintf("%s-%d", strings.ToLower(s.topic), want)
			if len(got) != 2 || string(got[0]) != s.topic || string(got[1]) != wantBody {
				t.Fatalf("%v subscribed to %q got %s, want %q", s.e, s.topic, show(got), wantBody)
			}
			want++
		}
		if want != n {
			t.Fatalf("%v got %d messages, want %d", s.e, want, n)
		}
	}
	pub.finish(t, "ok pub")
}

// Our ProxySteerable answers libzmq's control socket: a libzmq REQ gets
// the eight STATISTICS counters, PAUSE holds messages until RESUME, and
// TERMINATE ends the proxy; the messages come from a libzmq PUSH and go to
// a libzmq PULL.
func TestProxySteerableLibzmqControl(t *testing.T) {
	checkLeaks(t)
	pull, push, control := newOurs(t, zmq.Pull), newOurs(t, zmq.Push), newOurs(t, zmq.Rep)
	src, dst, steer := newTheirs(t, zmq.Push), newTheirs(t, zmq.Pull), newTheirs(t, zmq.Req)
	must(t, "connect", src.Connect(bindOurs(t, pull, "tcp")))
	must(t, "connect", dst.Connect(bindOurs(t, push, "tcp")))
	must(t, "connect", steer.Connect(bindOurs(t, control, "ipc")))
	done := make(chan error, 1)
	go func() { done <- zmq.ProxySteerable(context.Background(), pull, push, nil, control) }()
	command := func(cmd string) [][]byte {
		t.Helper()
		sendTheirs(t, steer, []byte(cmd))
		return recvTheirs(t, steer)
	}

	sendTheirs(t, src, []byte("hello"), []byte("world!"))
	if got := recvTheirs(t, dst); !sameFrames(got, b("hello", "world!")) {
		t.Fatalf("through the proxy: %s", show(got))
	}
	stats := command("STATISTICS")
	want := []uint64{1, 11, 0, 0, 0, 0, 1, 11}
	if len(stats) != len(want) {
		t.Fatalf("STATISTICS: %d frames, want 8", len(stats))
	}
	for i, f := range stats {
		if len(f) != 8 || binary.NativeEndian.Uint64(f) != want[i] {
			t.Fatalf("STATISTICS frame %d is %x, want %d", i, f, want[i])
		}
	}
	if got := command("PAUSE"); !sameFrames(got, b("")) {
		t.Fatalf("PAUSE answered %s", show(got))
	}
	sendTheirs(t, src, []byte("held"))
	must(t, "set rcvtimeo", dst.SetRcvtimeo(200*time.Millisecond))
	if got, err := dst.RecvMessageBytes(0); err == nil {
		t.Fatalf("a paused proxy forwarded %s", show(got))
	}
	must(t, "set rcvtimeo", dst.SetRcvtimeo(opTimeout))
	if got := command("RESUME"); !sameFrames(got, b("")) {
		t.Fatalf("RESUME answered %s", show(got))
	}
	if got := recvTheirs(t, dst); !sameFrames(got, b("held")) {
		t.Fatalf("after RESUME: %s", show(got))
	}
	if got := command("TERMINATE"); !sameFrames(got, b("")) {
		t.Fatalf("TERMINATE answered %s", show(got))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ProxySteerable returned %v after TERMINATE", err)
		}
	case <-time.After(opTimeout):
		t.Fatal("ProxySteerable did not return after TERMINATE")
	}
}
