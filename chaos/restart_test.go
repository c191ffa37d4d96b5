//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// D7: 100 PUSH clients (sockets of this process) are connected to a PULL
// server process, which is killed with SIGKILL and restarted on the same
// port. Proves: every client reconnects within 5s of the restart (the
// reconnect storm is absorbed); the message each client queued during the
// outage is delivered; with nothing in flight at the kill, nothing is
// lost; and every goroutine of the 100 sockets ends when they are closed.
func TestD7ServerRestart100Clients(t *testing.T) {
	checkLeaks(t)
	const clients = 100
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	col := newCollector()
	server := startPeer(t, "server1", col, "", "-role", "pull", "-bind", ep)
	server.ready()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	senders := make([]*sender, clients)
	watches := make([]*eventWatch, clients)
	for i := range senders {
		s := newSock(t, zmq.Push, zmq.ReconnectInterval(100*time.Millisecond))
		watches[i] = watch(s, zmq.EventHandshakeSucceeded|zmq.EventDisconnected)
		defer watches[i].close()
		if err := s.Connect(ep); err != nil {
			t.Fatal(err)
		}
		senders[i] = newSender(s, uint32(i+1), 1, 64)
	}
	for i, w := range watches {
		w.wait(t, zmq.EventHandshakeSucceeded, 10*time.Second)
		if err := senders[i].sendOne(ctx); err != nil {
			t.Fatal(err)
		}
	}
	allAt := func(seq uint64) func() bool {
		return func() bool {
			for i := range senders {
				if col.maxSeq(uint32(i+1)) < seq {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, "every client's first message", 10*time.Second, col, allAt(1))

	server.kill()
	for i, w := range watches {
		w.wait(t, zmq.EventDisconnected, 5*time.Second)
		// Queued while the server is down.
		if err := senders[i].sendOne(ctx); err != nil {
			t.Fatal(err)
		}
	}
	server = startPeer(t, "server2", col, "", "-role", "pull", "-bind", ep)
	_, restarted := server.ready()
	var slowest time.Duration
	for _, w := range watches {
		hs := w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
		slowest = max(slowest, hs.at.Sub(restarted))
	}
	waitFor(t, "every client's queued message", 5*time.Second, col, allAt(2))
	delivered := time.Since(restarted)
	if slowest > 5*time.Second {
		t.Errorf("the last client reconnected %v after the restart, want at most 5s", slowest)
	}
	for _, x := range senders {
		if err := x.sendOne(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every client's new message", 5*time.Second, col, allAt(3))
	sent := map[uint32]sentSpan{}
	for i := range senders {
		sent[uint32(i+1)] = sentSpan{1, 3}
	}
	v := verify(t, col.records(), sent, nil)
	figure(t, "%d clients: all reconnected within %v of the restart, every queued message delivered within %v; %d lost",
		clients, slowest.Round(time.Millisecond), delivered.Round(time.Millisecond), v.lost)
}

// D11: the process bound to an endpoint goes and a new process binds the
// same endpoint; the PUSH (this process) must find it.
//
//   - ipc, stale: the old process is killed, leaving its socket file; the
//     new one binds over the stale file.
//   - ipc, removed: the socket file is removed while the old process still
//     runs (its connection lives on), a new process binds the path, then
//     the old one is killed: the PUSH reconnects to the new one.
//   - tcp: the old process is killed and a new one binds its port.
//
// Proves: the PUSH reconnects each time; what it queued meanwhile is
// delivered to the new process; with nothing in flight, nothing is lost.
func TestD11Rebind(t *testing.T) {
	for _, c := range []string{"ipc-stale", "ipc-removed", "tcp"} {
		t.Run(c, func(t *testing.T) {
			checkLeaks(t)
			var ep, path string
			if c == "tcp" {
				ep = fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
			} else {
				path = filepath.Join(t.TempDir(), "d11.ipc")
				ep = "ipc://" + path
			}
			col := newCollector()
			old := startPeer(t, "old", col, "", "-role", "pull", "-bind", ep)
			old.ready()
			push := newSock(t, zmq.Push, zmq.ReconnectInterval(50*time.Millisecond))
			w := watch(push, zmq.EventAll)
			defer w.close()
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			x := newSender(push, 1, 1, 64)
			sendN := func(n int) {
				for i := 0; i < n; i++ {
					if err := x.sendOne(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			sendN(100)
			waitFor(t, "the first 100", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 100 })

			var fresh *peer
			var rebound time.Time
			if c == "ipc-removed" {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				fresh = startPeer(t, "new", col, "", "-role", "pull", "-bind", ep)
				fresh.ready()
				// The live connection does not care about the file.
				sendN(100)
				waitFor(t, "messages to the old process", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 200 })
			}
			if c == "ipc-removed" {
				rebound = time.Now() // the PUSH can find the new process once the old one is gone
			}
			old.kill()
			w.wait(t, zmq.EventDisconnected, 5*time.Second)
			sendN(100) // queued until the PUSH finds the new process
			if fresh == nil {
				if _, err := os.Stat(path); c == "ipc-stale" && err != nil {
					t.Fatalf("the killed process left no socket file: %v", err)
				}
				fresh = startPeer(t, "new", col, "", "-role", "pull", "-bind", ep)
				_, rebound = fresh.ready()
			}
			hs := w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
			queued := x.last.Load()
			waitFor(t, "the queued messages at the new process", 5*time.Second, col, func() bool { return col.maxSeq(1) >= queued })
			first := waitFirst(t, col, "new", time.Second)
			v := verify(t, col.records(), map[uint32]sentSpan{1: {1, queued}}, nil)
			figure(t, "reconnected %v after the new process bound (ipc-removed: after the old one was killed); "+
				"first message at the new process %v after that; %d sent, %d lost",
				hs.at.Sub(rebound).Round(time.Millisecond), first.at.Sub(rebound).Round(time.Millisecond), queued, v.lost)
		})
	}
}
