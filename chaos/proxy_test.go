//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/chaos/internal/faultproxy"
	"github.com/zmq-go/zmq/chaos/internal/seqmsg"
)

// D6: a fault proxy between PUSH and PULL forwards exactly N bytes of a
// message and then closes both connections (FIN) or resets them (RST): in
// the middle of a 16 MiB frame, in the middle of the third frame of a
// 4-frame message, and exactly between its second and third frames. The
// data crosses the proxy upstream (the PUSH connects through it) or
// downstream (the PULL connects through it). Proves, for each: the
// receiver delivers no part of the cut message (its frames that did
// arrive, even whole ones with MORE set, are dropped); a truncated stream
// is a network error, not a protocol error, so the connecting side
// reconnects; the loss is the cut message and whatever followed it into
// the dead connection; later messages, 16 MiB ones included, arrive whole.
func TestD6ProxyCut(t *testing.T) {
	const big = 16 << 20
	shapes := []struct {
		name         string
		frames, size int
		// cut is where to cut in the message's bytes on the wire.
		cut func(frameWire int) int64
	}{
		{"16MiB-frame", 1, big, func(fw int) int64 { return int64(9 + seqmsg.HeaderSize + big/2) }},
		{"multipart-mid-frame", 4, 256 << 10, func(fw int) int64 { return int64(2*fw + 9 + (256<<10)/2) }},
		{"multipart-frame-boundary", 4, 256 << 10, func(fw int) int64 { return int64(2 * fw) }},
	}
	for _, dir := range []faultproxy.Direction{faultproxy.Up, faultproxy.Down} {
		for _, shape := range shapes {
			for _, mode := range []faultproxy.Mode{faultproxy.Close, faultproxy.Reset} {
				name := fmt.Sprintf("%s/%s/%s", map[faultproxy.Direction]string{faultproxy.Up: "push-connects", faultproxy.Down: "pull-connects"}[dir], shape.name, mode)
				t.Run(name, func(t *testing.T) {
					proxyCut(t, dir, mode, shape.frames, shape.size, shape.cut(wireSize(1, shape.size)))
				})
			}
		}
	}
}

func proxyCut(t *testing.T, dir faultproxy.Direction, mode faultproxy.Mode, frames, size int, offset int64) {
	checkLeaks(t)
	push := newSock(t, zmq.Push, zmq.ReconnectInterval(20*time.Millisecond))
	pull := newSock(t, zmq.Pull, zmq.ReconnectInterval(20*time.Millisecond))
	pw, lw := watch(push, zmq.EventAll), watch(pull, zmq.EventAll)
	defer pw.close()
	defer lw.close()
	server, client := pull, push // data flows up: the PUSH is the client
	if dir == faultproxy.Down {
		server, client = push, pull
	}
	if err := server.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.New(strings.TrimPrefix(server.LastEndpoint(), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	if err := client.Connect("tcp://" + proxy.Addr()); err != nil {
		t.Fatal(err)
	}
	cw := pw
	if client == pull {
		cw = lw
	}
	cw.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
	col := newCollector()
	stopRecv := receive(pull, col, "pull")
	defer stopRecv()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x := newSender(push, 1, 1, 16)
	if err := x.sendOne(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first message", 5*time.Second, col, func() bool { return col.maxSeq(1) >= 1 })

	// Arm the cut inside the next message, then send it and a small one
	// right behind it.
	before, err := proxy.Forwarded(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := proxy.CutAfter(dir, before+offset, mode); err != nil {
		t.Fatal(err)
	}
	x.frames, x.size = frames, size
	if err := x.sendOne(ctx); err != nil {
		t.Fatal(err)
	}
	x.frames, x.size = 1, 16
	if err := x.sendOne(ctx); err != nil {
		t.Fatal(err)
	}
	ev := pw.wait(t, zmq.EventDisconnected, 10*time.Second)
	cutAt := ev.at
	k2 := x.last.Load()
	pullEv := lw.wait(t, zmq.EventDisconnected, 10*time.Second)
	var pe *zmq.ProtocolError
	if errors.As(pullEv.Err, &pe) || errors.As(ev.Err, &pe) {
		t.Errorf("a cut connection reported as a protocol error: PULL %v, PUSH %v", pullEv.Err, ev.Err)
	}

	// The connecting side reconnects through the proxy; later messages,
	// a large one among them, arrive whole.
	hs := cw.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
	for i := 0; i < 10; i++ {
		if err := x.sendOne(ctx); err != nil {
			t.Fatal(err)
		}
	}
	x.frames, x.size = frames, size
	if err := x.sendOne(ctx); err != nil {
		t.Fatal(err)
	}
	last := x.last.Load()
	waitFor(t, "every message after the cut", 20*time.Second, col, func() bool { return col.maxSeq(1) >= last })

	// A bound PULL that lives on may deliver the rest of the old
	// connection late (see window.reorder); a connecting one has a single
	// queue.
	v := verify(t, col.records(), map[uint32]sentSpan{1: {1, last}},
		[]window{{prod: 1, lo: 1, hi: k2, name: "cut", reorder: server == pull}})
	if g := v.gaps["cut"]; len(g) == 0 || g[0].from != 2 {
		t.Errorf("the cut message (seq 2) was delivered: gaps %v", g)
	}
	if acc, cuts := proxy.Stats(); acc != 2 || cuts != 1 {
		t.Errorf("proxy: %d connections, %d cuts; want 2 and 1", acc, cuts)
	}
	figure(t, "cut after %d of %d bytes of the message: lost %d (the cut message and what followed it into the dead connection), "+
		"none partial; PULL saw %q; reconnected %v after the PUSH saw the cut",
		offset, wireSize(frames, size), v.lost, causeKind(pullEv.Err), hs.at.Sub(cutAt).Round(time.Millisecond))
}

// causeKind names the kind of a DISCONNECTED cause.
func causeKind(err error) string {
	var pe *zmq.ProtocolError
	var te *zmq.TimeoutError
	switch {
	case err == nil:
		return "none"
	case errors.As(err, &pe):
		return "protocol error"
	case errors.As(err, &te):
		return "timeout"
	}
	return err.Error()
}

// The fault proxy itself: a FIN cut after N bytes delivers exactly N bytes
// and then the end of the stream, in either direction; a RST cut delivers
// no more than N.
func TestFaultProxyExactCut(t *testing.T) {
	checkLeaks(t)
	for _, dir := range []faultproxy.Direction{faultproxy.Up, faultproxy.Down} {
		for _, mode := range []faultproxy.Mode{faultproxy.Close, faultproxy.Reset} {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			proxy, err := faultproxy.New(ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			client, err := net.Dial("tcp", proxy.Addr())
			if err != nil {
				t.Fatal(err)
			}
			server, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			from, to := client, server
			if dir == faultproxy.Down {
				from, to = server, client
			}
			if _, err := from.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(to, make([]byte, 5)); err != nil {
				t.Fatal(err)
			}
			const n = 12345
			if err := proxy.CutAfter(dir, 5+n, mode); err != nil {
				t.Fatal(err)
			}
			go from.Write(make([]byte, 100000))
			to.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.Copy(io.Discard, to)
			if mode == faultproxy.Close && (got != n || err != nil) || mode == faultproxy.Reset && got > n {
				t.Errorf("%v %v: read %d bytes then %v; want %d", dir, mode, got, err, n)
			}
			client.Close()
			server.Close()
			ln.Close()
			proxy.Close()
		}
	}
}

// ZeroMQ orders messages per connection. A bound PULL that still holds
// messages of a connection that broke fair-queues them with those of the
// sender's new connection: with 1..10 queued from the old connection and
// 11..20 from the new one, it delivers 1, 11, 2, 12, ... as libzmq 4.3.4
// does (pyzmq, same steps with ss -K: [1 11 2 12 3 13 ... 10 20]). A
// connecting PULL keeps one queue for its endpoint across reconnections,
// and delivers 1..20 in order. Proves: each connection's messages stay in
// order and none is lost or repeated; the oracle's reorder windows allow
// exactly what a bound receiver does.
func TestInterleaveAfterReconnect(t *testing.T) {
	for _, pullBinds := range []bool{true, false} {
		name := map[bool]string{true: "pull-binds", false: "pull-connects"}[pullBinds]
		t.Run(name, func(t *testing.T) { interleave(t, pullBinds) })
	}
}

func interleave(t *testing.T, pullBinds bool) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull, zmq.ReconnectInterval(10*time.Millisecond))
	push := newSock(t, zmq.Push, zmq.ReconnectInterval(10*time.Millisecond))
	server, client, dir := pull, push, faultproxy.Up
	if !pullBinds {
		server, client, dir = push, pull, faultproxy.Down
	}
	lw := watch(pull, zmq.EventHandshakeSucceeded)
	defer lw.close()
	pw := watch(push, zmq.EventDisconnected)
	defer pw.close()
	if err := server.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.New(strings.TrimPrefix(server.LastEndpoint(), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	if err := client.Connect("tcp://" + proxy.Addr()); err != nil {
		t.Fatal(err)
	}
	// The PULL's end of the connection: the port it bound, or the
	// proxy's, which it connects to.
	pullPort := server.LastEndpoint()
	if !pullBinds {
		pullPort = proxy.Addr()
	}
	port, _ := strconv.Atoi(pullPort[strings.LastIndexByte(pullPort, ':')+1:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	x := newSender(push, 1, 1, 16)
	msgBytes := int64(wireSize(1, 16))
	// sendTen sends ten messages and waits until they have crossed the
	// proxy and the PULL has read them from its socket (its receive queue
	// in /proc/net/tcp is empty): they are in its queue, unread.
	sendTen := func() {
		t.Helper()
		lw.wait(t, zmq.EventHandshakeSucceeded, 5*time.Second)
		before, err := proxy.Forwarded(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			if err := x.sendOne(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if !waitCounter(func() int64 { n, _ := proxy.Forwarded(dir); return n }, before+10*msgBytes, 5*time.Second) ||
			!waitCounter(func() int64 { return -rxQueue(t, port) }, 0, 5*time.Second) {
			t.Fatal("the messages did not reach the PULL")
		}
	}
	sendTen()
	// A FIN: the PULL reads all ten before the end of the stream.
	if err := proxy.Cut(faultproxy.Close); err != nil {
		t.Fatal(err)
	}
	pw.wait(t, zmq.EventDisconnected, 5*time.Second)
	sendTen()
	var order []uint64
	for len(order) < 20 {
		m, err := pull.Recv(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", order, err)
		}
		_, seq, err := seqmsg.Check(m.Frames)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, seq)
	}
	var recs []rec
	for _, s := range order {
		recs = append(recs, rec{prod: 1, seq: s, frames: 1, status: "ok"})
	}
	v := verify(t, recs, map[uint32]sentSpan{1: {1, 20}},
		[]window{{prod: 1, lo: 0, hi: 10, name: "cut", reorder: pullBinds}})
	if v.lost != 0 {
		t.Errorf("lost %d", v.lost)
	}
	figure(t, "delivery order %v (%d of the old connection's messages after newer ones)", order, v.late)
}

// waitCounter waits until get returns at least want, at most d.
func waitCounter(get func() int64, want int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for get() < want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond) // polling a byte counter
	}
	return true
}

// rxQueue returns the bytes waiting in the receive queues of the
// established tcp connections from or to port (/proc/net/tcp).
func rxQueue(t testing.TB, port int) int64 {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		p := fmt.Sprintf(":%04X", port)
		if len(f) < 5 || f[3] != "01" || !strings.HasSuffix(f[1], p) && !strings.HasSuffix(f[2], p) {
			continue
		}
		q := strings.SplitN(f[4], ":", 2)
		rx, _ := strconv.ParseInt(q[1], 16, 64)
		sum += rx
	}
	return sum
}
