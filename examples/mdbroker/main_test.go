package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/examples/internal/mdp"
)

const (
	wait      = 5 * time.Second       // bounds every step
	heartbeat = 20 * time.Millisecond // the broker's and the workers', unless a test says
)

var brokers atomic.Int64

// startBroker runs a broker heartbeating every hb on an inproc endpoint
// of its own until the end of the test, and returns the endpoint.
func startBroker(t *testing.T, hb time.Duration) string {
	t.Helper()
	endpoint := fmt.Sprintf("inproc://mdbroker-%d", brokers.Add(1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- newBroker(hb, mdp.DefaultLiveness).run(ctx, endpoint) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the broker stopped with %v", err)
		}
	})
	return endpoint
}

// startWorkers runs n echo workers until the end of the test and returns
// the count of requests each answered.
func startWorkers(t *testing.T, endpoint string, n int) []*atomic.Int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, n)
	served := make([]*atomic.Int64, n)
	for i := range served {
		served[i] = new(atomic.Int64)
		w := &mdp.Worker{Broker: endpoint, Service: "echo", Heartbeat: heartbeat, Reconnect: heartbeat}
		go func() {
			defer w.Close()
			for {
				request, err := w.Recv(ctx)
				if err == nil {
					served[i].Add(1)
					err = w.Reply(ctx, request...)
				}
				if err != nil {
					done <- err
					return
				}
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range n {
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("a worker stopped with %v", err)
			}
		}
	})
	return served
}

func newClient(t *testing.T, endpoint string) *mdp.Client {
	c := &mdp.Client{Broker: endpoint, Timeout: wait, Retries: 1}
	t.Cleanup(func() { c.Close() })
	return c
}

func request(t *testing.T, c *mdp.Client, service string, body ...string) string {
	t.Helper()
	frames := make([][]byte, len(body))
	for i, f := range body {
		frames[i] = []byte(f)
	}
	reply, err := c.Send(context.Background(), service, frames...)
	if err != nil {
		t.Fatalf("request to %s: %v", service, err)
	}
	return fmt.Sprintf("%q", reply)
}

// Requests reach the workers of their service, each in turn, and the
// replies come back whole.
func TestEcho(t *testing.T) {
	endpoint := startBroker(t, heartbeat)
	served := startWorkers(t, endpoint, 2)
	c := newClient(t, endpoint)
	for i := range 100 {
		body := fmt.Sprintf("request %d", i)
		if got, want := request(t, c, "echo", body, "", "end"), fmt.Sprintf("[%q \"\" \"end\"]", body); got != want {
			t.Fatalf("reply %s, want %s", got, want)
		}
	}
	if a, b := served[0].Load(), served[1].Load(); a+b != 100 {
		t.Fatalf("the workers answered %d and %d requests", a, b)
	}
}

// The MMI service lookup: 200 for a service with workers, 404 for one
// without, 501 for other MMI services.
func TestMMI(t *testing.T) {
	endpoint := startBroker(t, heartbeat)
	c := newClient(t, endpoint)
	if got := request(t, c, "mmi.service", "echo"); got != `["404"]` {
		t.Fatalf("mmi.service echo before any worker: %s", got)
	}
	startWorkers(t, endpoint, 1)
	// The worker registers in the background: ask until it has.
	deadline := time.Now().Add(wait)
	for request(t, c, "mmi.service", "echo") != `["200"]` {
		if time.Now().After(deadline) {
			t.Fatal("mmi.service echo: no 200 after the worker started")
		}
	}
	if got := request(t, c, "mmi.service", "nosuch"); got != `["404"]` {
		t.Fatalf("mmi.service nosuch: %s", got)
	}
	if got := request(t, c, "mmi.nosuch", "a", "b"); got != `["a" "501"]` {
		t.Fatalf("mmi.nosuch: %s", got)
	}
}

// rawWorker is a DEALER speaking MDP/Worker by hand.
type rawWorker struct {
	t    *testing.T
	sock *zmq.Socket
}

func newRawWorker(t *testing.T, endpoint string) rawWorker {
	t.Helper()
	sock, err := zmq.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	if err := sock.Connect(endpoint); err != nil {
		t.Fatal(err)
	}
	return rawWorker{t, sock}
}

func (w rawWorker) send(cmd mdp.Command, frames ...string) {
	w.t.Helper()
	m := zmq.NewMsgString(append([]string{"", mdp.WorkerHeader, string(cmd.Frame())}, frames...)...)
	if err := w.sock.Send(context.Background(), m); err != nil {
		w.t.Fatal(err)
	}
}

// expect waits for cmd, skipping heartbeats unless cmd is one.
func (w rawWorker) expect(cmd mdp.Command) [][]byte {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		m, err := w.sock.Recv(ctx)
		if err != nil {
			w.t.Fatalf("waiting for %v: %v", cmd, err)
		}
		f := m.Frames
		if len(f) < 3 || len(f[0]) != 0 || string(f[1]) != mdp.WorkerHeader {
			w.t.Fatalf("the broker sent %q", f)
		}
		got, _ := mdp.ParseCommand(f[2])
		if got == cmd {
			return f[3:]
		}
		if got != mdp.Heartbeat {
			w.t.Fatalf("the broker sent %v, want %v", got, cmd)
		}
	}
}

// A worker that stops heartbeating is deleted once its liveness is spent,
// and its service has no worker left; one that keeps heartbeating stays.
func TestExpiry(t *testing.T) {
	endpoint := startBroker(t, 200*time.Millisecond) // time enough to ask before the expiry
	c := newClient(t, endpoint)
	live, silent := newRawWorker(t, endpoint), newRawWorker(t, endpoint)
	live.send(mdp.Ready, "live")
	silent.send(mdp.Ready, "silent")
	live.expect(mdp.Heartbeat)
	silent.expect(mdp.Heartbeat)
	if got := request(t, c, "mmi.service", "silent"); got != `["200"]` {
		t.Fatalf("mmi.service silent after READY: %s", got)
	}
	deadline := time.Now().Add(wait)
	for request(t, c, "mmi.service", "silent") != `["404"]` {
		if time.Now().After(deadline) {
			t.Fatal("the silent worker was not deleted")
		}
		live.expect(mdp.Heartbeat)
		live.send(mdp.Heartbeat)
	}
	if got := request(t, c, "mmi.service", "live"); got != `["200"]` {
		t.Fatalf("mmi.service live: %s", got)
	}
	// The broker forgot the silent worker: its heartbeat is out of turn.
	silent.send(mdp.Heartbeat)
	silent.expect(mdp.Disconnect)
}

// Commands out of turn end the worker's session with DISCONNECT.
func TestOutOfTurn(t *testing.T) {
	endpoint := startBroker(t, heartbeat)
	for name, script := range map[string][][]string{
		"reply before ready": {{"\x03", "client", "", "x"}},
		"second ready":       {{"\x01", "svc"}, {"\x01", "svc"}},
		"reply when idle":    {{"\x01", "svc"}, {"\x03", "client", "", "x"}},
		"reserved service":   {{"\x01", "mmi.service"}},
	} {
		t.Run(name, func(t *testing.T) {
			w := newRawWorker(t, endpoint)
			for _, step := range script {
				cmd, _ := mdp.ParseCommand([]byte(step[0]))
				w.send(cmd, step[1:]...)
			}
			w.expect(mdp.Disconnect)
		})
	}
}

// A request waits for a worker of its service; a worker that says
// DISCONNECT gets no more requests.
func TestQueued(t *testing.T) {
	endpoint := startBroker(t, heartbeat)
	c := newClient(t, endpoint)
	done := make(chan string, 1)
	go func() {
		reply, err := c.Send(context.Background(), "later", []byte("queued"))
		done <- fmt.Sprintf("%q %v", reply, err)
	}()
	w := newRawWorker(t, endpoint)
	w.send(mdp.Ready, "later")
	f := w.expect(mdp.Request)
	if len(f) != 3 || len(f[1]) != 0 || string(f[2]) != "queued" {
		t.Fatalf("REQUEST %q", f)
	}
	w.send(mdp.Reply, string(f[0]), "", "done")
	if got := <-done; got != `["done"] <nil>` {
		t.Fatalf("the client got %s", got)
	}
	// The DISCONNECT and the client's lookups come on two connections,
	// which the broker reads in either order: ask until it has seen the
	// DISCONNECT, a lookup at a time.
	w.send(mdp.Disconnect)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := request(t, c, "mmi.service", "later")
		if got == `["404"]` {
			break
		}
		if got != `["200"]` || time.Now().After(deadline) {
			t.Fatalf("mmi.service after DISCONNECT: %s", got)
		}
	}
}
