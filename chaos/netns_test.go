//go:build chaos

package chaos

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// netPair is two network namespaces joined by a veth pair: a is 10.213.0.1,
// b is 10.213.0.2 (a /30 that exists only inside the two namespaces).
type netPair struct {
	t     testing.TB
	a, b  string // namespace names
	addrA string
	addrB string
}

var nsSeq atomic.Int32

// newNetPair creates the namespaces and the veth pair; the test's cleanup
// deletes the namespaces, which takes the veth pair and any nft table in
// them along. Register it before starting processes in them, so that the
// processes are killed first.
func newNetPair(t testing.TB) *netPair {
	t.Helper()
	need(t, "ip", "nft")
	id := fmt.Sprintf("zc%d%c", os.Getpid()%100000, 'a'+nsSeq.Add(1)%26)
	n := &netPair{t: t, a: id + "A", b: id + "B", addrA: "10.213.0.1", addrB: "10.213.0.2"}
	for _, ns := range []string{n.a, n.b} {
		run(t, "", "ip", "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := runErr("", "ip", "netns", "del", ns); err != nil {
				t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
			}
		})
	}
	run(t, "", "ip", "link", "add", id+"a", "netns", n.a, "type", "veth", "peer", "name", id+"b", "netns", n.b)
	for _, x := range []struct{ ns, dev, addr string }{{n.a, id + "a", n.addrA}, {n.b, id + "b", n.addrB}} {
		run(t, "", "ip", "-n", x.ns, "addr", "add", x.addr+"/30", "dev", x.dev)
		run(t, "", "ip", "-n", x.ns, "link", "set", x.dev, "up")
		run(t, "", "ip", "-n", x.ns, "link", "set", "lo", "up")
	}
	return n
}

// blackhole makes namespace a drop every packet from and to b: a network
// that silently loses everything, with no RST or ICMP to tell anyone.
func (n *netPair) blackhole() {
	n.t.Helper()
	rules := fmt.Sprintf(`table inet zchaos {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr %s drop
	}
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr %s drop
	}
}
`, n.addrB, n.addrB)
	run(n.t, rules, "ip", "netns", "exec", n.a, "nft", "-f", "-")
}

// heal removes the black hole.
func (n *netPair) heal() {
	n.t.Helper()
	run(n.t, "", "ip", "netns", "exec", n.a, "nft", "delete", "table", "inet", "zchaos")
}

// D4: a PULL in one namespace, a PUSH in the other, both peer processes;
// nftables drops everything between them for CHAOS_BLACKHOLE (4s by
// default), a half-open connection that neither side is told about.
//
// With heartbeats (interval 100ms, timeout 300ms, ConnectTimeout 500ms on
// the PUSH), proves: the PUSH reports DISCONNECTED with a *TimeoutError
// within interval + timeout (+ a margin for a loaded machine); it does not
// reconnect while the network is down; it reconnects within 2s of the
// network coming back; the loss is one gap within the in-flight bound,
// and what the PUSH queued during the outage is delivered.
//
// Without heartbeats, proves the documented hang: no DISCONNECTED at all
// during the black hole; and, because TCP retransmits once the network is
// back, the same connection carries on with no loss at all.
func TestD4Blackhole(t *testing.T) {
	hole := envDuration(t, "CHAOS_BLACKHOLE", 4*time.Second)
	t.Run("heartbeats", func(t *testing.T) { blackholeTest(t, hole, true) })
	t.Run("no-heartbeats", func(t *testing.T) { blackholeTest(t, hole, false) })
}

func blackholeTest(t *testing.T, hole time.Duration, heartbeats bool) {
	const (
		ivl, timeout   = 100 * time.Millisecond, 300 * time.Millisecond
		margin         = 500 * time.Millisecond // scheduling on a loaded 2-core machine
		sndHWM, rcvHWM = 1000, 1000
		frames, size   = 2, 100
		rate           = 2000
	)
	net := newNetPair(t)
	ep := fmt.Sprintf("tcp://%s:5555", net.addrA)
	col := newCollector()
	pull := startPeer(t, "pull", col, net.a, "-role", "pull", "-bind", ep, "-rcvhwm", fmt.Sprint(rcvHWM), "-events")
	pull.ready()
	args := []string{"-role", "push", "-connect", ep, "-sndhwm", fmt.Sprint(sndHWM), "-events",
		"-reconnect-ivl", "100ms", "-connect-timeout", "500ms"}
	if heartbeats {
		args = append(args, "-hb-ivl", ivl.String(), "-hb-timeout", timeout.String())
	}
	push := startPeer(t, "push", nil, net.b, args...)
	push.expectEvent("HANDSHAKE_SUCCEEDED", 10*time.Second)
	push.command("stream %d %d %d", rate, size, frames)
	waitFor(t, "a steady stream", 10*time.Second, col, func() bool { return col.maxSeq(1) >= rate/2 })

	// The fault: a black hole for a fixed time.
	k1 := push.sent.Load()
	d0 := col.maxSeq(1)
	net.blackhole()
	holed := time.Now()
	var k2 uint64
	var detect time.Duration
	if heartbeats {
		ev := push.expectEvent("DISCONNECTED", hole)
		k2 = push.sent.Load() + 1
		detect = ev.at.Sub(holed)
		if ev.kind != "timeout" || !strings.Contains(ev.msg, "heartbeat") {
			t.Errorf("DISCONNECTED: %s %s, want a heartbeat *TimeoutError", ev.kind, ev.msg)
		}
		if detect > ivl+timeout+margin {
			t.Errorf("DISCONNECTED %v after the black hole began, want at most %v + %v (+%v)", detect, ivl, timeout, margin)
		}
		// No connection can be made through the black hole.
		if ev, ok := push.event("HANDSHAKE_SUCCEEDED", time.Until(holed.Add(hole))); ok {
			t.Fatalf("handshake through a black hole at %v", ev.at)
		}
	} else if ev, ok := push.event("DISCONNECTED", hole); ok {
		// The hang: nothing notices the dead network.
		t.Fatalf("DISCONNECTED without heartbeats, after %v: %s %s", ev.at.Sub(holed), ev.kind, ev.msg)
	}
	deliveredInHole := col.maxSeq(1)
	sentInHole := push.sent.Load()
	net.heal()
	healed := time.Now()

	var reconnect time.Duration
	if heartbeats {
		ev := push.expectEvent("HANDSHAKE_SUCCEEDED", 5*time.Second)
		reconnect = ev.at.Sub(healed)
		if reconnect > 2*time.Second {
			t.Errorf("reconnected %v after the network came back, want at most 2s", reconnect)
		}
	}
	after := push.sent.Load()
	// Without heartbeats TCP's retransmission timer has backed off during
	// the hole: the next retransmission may come up to about the hole's
	// length after it ends.
	waitFor(t, "new messages after the network came back", 20*time.Second+2*hole, col, func() bool { return col.maxSeq(1) > after })
	r, _ := col.firstAbove(1, deliveredInHole)
	resumed := r.at.Sub(healed)

	push.command("stop")
	done := push.expect("done", 10*time.Second)
	var last uint64
	fmt.Sscan(done[1], &last)
	waitFor(t, "every message", 20*time.Second, col, func() bool { return col.maxSeq(1) >= last })
	if !heartbeats {
		if _, ok := push.event("DISCONNECTED", 0); ok {
			t.Error("the connection broke after the black hole")
		}
	}
	var windows []window
	bound := uint64(inflightBound(t, sndHWM, rcvHWM, wireSize(frames, size)))
	if heartbeats {
		// The PULL binds and lives on (see window.reorder).
		windows = []window{{prod: 1, lo: k1 - min(k1, bound), hi: k2, name: "blackhole", reorder: true}}
	}
	v := verify(t, col.records(), map[uint32]sentSpan{1: {1, last}}, windows)
	if heartbeats {
		figure(t, "%v black hole: DISCONNECTED (heartbeat *TimeoutError) %v after it began (limit %v+%v+%v margin); "+
			"reconnected %v and next message %v after it ended; %d sent, %d lost in one gap (bound %d), %d sent during the hole all delivered",
			hole, detect.Round(time.Millisecond), ivl, timeout, margin, reconnect.Round(time.Millisecond),
			resumed.Round(time.Millisecond), last, v.lost, bound, sentInHole-k2+1)
	} else {
		figure(t, "%v black hole: no DISCONNECTED (the hang); the same connection resumed %v after it ended (TCP retransmission); "+
			"%d sent, %d lost; while the hole lasted %d were sent and %d delivered (packets already through)",
			hole, resumed.Round(time.Millisecond), last, v.lost, sentInHole-k1, deliveredInHole-d0)
	}
}
