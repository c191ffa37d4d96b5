//go:build chaos

package chaos

import (
	"errors"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// D10: a PUSH process sends a frame above the PULL's MaxMsgSize (1 KiB).
//
// The PULL connects: proves libzmq's policy, which the library documents:
// the PULL drops the connection with DISCONNECTED carrying a
// *zmq.ProtocolError that wraps ErrMsgTooLarge, and does not reconnect to
// that endpoint (no attempt within 25 reconnect intervals; the PUSH
// accepts no second connection); what came before the bad frame was
// delivered, nothing after it.
//
// The PULL binds: the PULL drops that connection with a *ProtocolError;
// the PUSH sees a network error and, by the same policy, reconnects, and
// what it sends afterwards is delivered.
func TestD10ProtocolError(t *testing.T) {
	const (
		limit = 1024
		ivl   = 20 * time.Millisecond
		quiet = 25 * ivl
	)
	t.Run("pull-connects", func(t *testing.T) {
		checkLeaks(t)
		push := startPeer(t, "push", nil, "", "-role", "push", "-bind", "tcp://127.0.0.1:*", "-events")
		ep, _ := push.ready()
		pull := newSock(t, zmq.Pull, zmq.MaxMsgSize(limit), zmq.ReconnectInterval(ivl))
		w := watch(pull, zmq.EventAll)
		defer w.close()
		col := newCollector()
		stop := receive(pull, col, "pull")
		defer stop()
		if err := pull.Connect(ep); err != nil {
			t.Fatal(err)
		}
		w.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
		push.command("send 10 100 1")
		waitFor(t, "10 messages", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 10 })

		push.command("send 1 2000 1")
		sent := time.Now()
		ev := w.wait(t, zmq.EventDisconnected, 5*time.Second)
		detect := ev.at.Sub(sent)
		var pe *zmq.ProtocolError
		if !errors.As(ev.Err, &pe) || !errors.Is(ev.Err, zmq.ErrMsgTooLarge) {
			t.Fatalf("DISCONNECTED cause %v, want a *ProtocolError wrapping ErrMsgTooLarge", ev.Err)
		}
		push.expectEvent("DISCONNECTED", 5*time.Second)
		// The documented policy: no reconnection. A negative can only be
		// shown for a time: 25 reconnect intervals.
		types := []zmq.EventType{zmq.EventConnectDelayed, zmq.EventConnectRetried, zmq.EventConnected}
		before := make([]int, len(types))
		for i, typ := range types {
			before[i] = w.count(typ)
		}
		time.Sleep(quiet)
		for i, typ := range types {
			if n := w.count(typ); n != before[i] {
				t.Errorf("%d %v after the protocol error: %v", n-before[i], typ, w.all())
			}
		}
		if ev, ok := push.event("ACCEPTED", 0); ok {
			t.Errorf("the PUSH accepted a second connection: %+v", ev)
		}
		v := verify(t, col.records(), map[uint32]sentSpan{1: {1, 11}}, []window{{prod: 1, lo: 10, hi: 11, name: "oversized"}})
		if v.lost != 1 {
			t.Errorf("lost %d, want the oversized message only", v.lost)
		}
		figure(t, "DISCONNECTED (*ProtocolError, %v) %v after the oversized send; no reconnection attempt in %v (%d intervals); "+
			"10 delivered, the oversized one lost",
			pe.Code, detect.Round(100*time.Microsecond), quiet, quiet/ivl)
	})

	t.Run("pull-binds", func(t *testing.T) {
		checkLeaks(t)
		pull := newSock(t, zmq.Pull, zmq.MaxMsgSize(limit))
		w := watch(pull, zmq.EventAll)
		defer w.close()
		if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
			t.Fatal(err)
		}
		col := newCollector()
		stop := receive(pull, col, "pull")
		defer stop()
		push := startPeer(t, "push", nil, "", "-role", "push", "-connect", pull.LastEndpoint(), "-events",
			"-reconnect-ivl", ivl.String())
		push.expectEvent("HANDSHAKE_SUCCEEDED", 10*time.Second)
		push.command("send 10 100 1")
		waitFor(t, "10 messages", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 10 })

		push.command("send 1 2000 1")
		ev := w.wait(t, zmq.EventDisconnected, 5*time.Second)
		var pe *zmq.ProtocolError
		if !errors.As(ev.Err, &pe) || !errors.Is(ev.Err, zmq.ErrMsgTooLarge) {
			t.Fatalf("DISCONNECTED cause %v, want a *ProtocolError wrapping ErrMsgTooLarge", ev.Err)
		}
		pev := push.expectEvent("DISCONNECTED", 5*time.Second)
		if pev.kind != "net" {
			t.Errorf("the PUSH's DISCONNECTED: %s %s, want a network error", pev.kind, pev.msg)
		}
		hs := push.expectEvent("HANDSHAKE_SUCCEEDED", 5*time.Second)
		push.command("send 10 100 1")
		waitFor(t, "10 messages after the reconnection", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 21 })
		v := verify(t, col.records(), map[uint32]sentSpan{1: {1, 21}}, []window{{prod: 1, lo: 10, hi: 11, name: "oversized"}})
		if v.lost != 1 {
			t.Errorf("lost %d, want the oversized message only", v.lost)
		}
		figure(t, "the bound PULL dropped the connection (*ProtocolError, %v); the PUSH saw %q and reconnected %v later; "+
			"20 delivered, the oversized one lost", pe.Code, pev.msg, hs.at.Sub(pev.at).Round(time.Millisecond))
	})
}
