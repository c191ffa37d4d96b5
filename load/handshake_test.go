//go:build load

package load

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const (
	// stalledConns is E4b's number of stalled handshakes.
	stalledConns = 1000
	// shortHandshake is the HandshakeInterval of the second half of E4b.
	shortHandshake = 500 * time.Millisecond
)

// E4b: 1,000 stalled handshakes do not slow a good client. Half of the
// stalled connections send nothing, half send the first 11 bytes of a
// greeting (signature and major version) and stop. With them connected
// to a REP socket (default HandshakeInterval, 30 s, so they stay for the
// whole measurement), a library REQ connects and round-trips: the first
// round trip (connect included) and each of 200 more take less than a
// second; p50 and p99 are compared with the same REQ/REP without them.
// Then, against a REP with HandshakeInterval 500 ms, the 1,000 are all
// closed by the server: the monitor reports 1,000
// EventHandshakeFailedNoDetail events, every raw connection reads the end
// of its stream, and the goroutine count returns to its baseline.
//
// Bounded: 2 × 1,000 connections and 3 × 200 round trips; every wait has
// its own limit (30 s at most); the test takes a few seconds.
func TestStalledHandshakes(t *testing.T) {
	needFiles(t, 2*stalledConns+500)
	zctx := zmq.NewContext()
	defer termWithin(t, zctx, 30*time.Second)

	// With the default HandshakeInterval: the round trips, without and
	// with the stalled connections.
	rep, ep := echoRep(t, zctx)
	var accepted atomic.Int64
	watch(t, rep, zmq.EventAccepted, &accepted)
	req := newReq(t, zctx, ep)
	_, without := reqRoundTrips(t, req, 200)
	if !waitFor(10*time.Second, func() bool { return accepted.Load() == 1 }) {
		t.Fatalf("%d connections accepted, want 1", accepted.Load())
	}

	conns := stall(t, ep, stalledConns)
	if !waitFor(30*time.Second, func() bool { return accepted.Load() == 1+stalledConns }) {
		t.Fatalf("%d of %d stalled connections accepted", accepted.Load()-1, stalledConns)
	}
	req2 := newReq(t, zctx, ep)
	first, with := reqRoundTrips(t, req2, 200)
	_, old := reqRoundTrips(t, req, 200) // the client connected before them
	for _, c := range conns {
		c.Close()
	}

	t.Logf("E4b: REQ/REP round trips over tcp, %d stalled handshakes on the REP's endpoint:", stalledConns)
	t.Logf("| Round trips | p50 | p99 | max |")
	t.Logf("|---|---|---|---|")
	for _, r := range []struct {
		name string
		rts  []time.Duration
	}{
		{"without stalled connections (200)", without},
		{"new client, with them (200)", with},
		{"client connected before them, with them (200)", old},
	} {
		t.Logf("| %s | %v | %v | %v |", r.name, percentile(r.rts, 50), percentile(r.rts, 99), percentile(r.rts, 100))
	}
	t.Logf("The new client's first round trip, connect and handshake included: %v", first)
	if slowest := max(first, percentile(with, 100), percentile(old, 100)); slowest > time.Second {
		t.Errorf("a round trip took %v with the stalled connections there, want less than 1s", slowest)
	}

	// With HandshakeInterval 500 ms, the server closes them all.
	rep2, ep2 := echoRep(t, zctx, zmq.HandshakeInterval(shortHandshake))
	var failed atomic.Int64
	watch(t, rep2, zmq.EventHandshakeFailedNoDetail, &failed)
	req3 := newReq(t, zctx, ep2)
	reqRoundTrips(t, req3, 1)
	base := measure(false)
	start := time.Now()
	conns = stall(t, ep2, stalledConns)
	connected := time.Since(start)
	if !waitFor(30*time.Second, func() bool { return failed.Load() >= stalledConns }) {
		t.Fatalf("%d HANDSHAKE_FAILED_NO_DETAIL events, want %d", failed.Load(), stalledConns)
	}
	allFailed := time.Since(start)
	for i, c := range conns {
		if err := readToEnd(c, 10*time.Second); err != nil {
			t.Fatalf("stalled connection %d was not closed by the server: %v", i, err)
		}
	}
	waitGoroutines(t, base.goroutines, 10*time.Second, "after the stalled handshakes failed")
	_, after := reqRoundTrips(t, req3, 200)
	t.Logf("With HandshakeInterval %v: %d stalled connections made in %v, %d HANDSHAKE_FAILED_NO_DETAIL events after %v, every connection closed by the server, goroutines back to %d (baseline %d); then 200 round trips: p50 %v, p99 %v",
		shortHandshake, stalledConns, connected.Round(time.Millisecond), failed.Load(), allFailed.Round(time.Millisecond),
		measure(false).goroutines, base.goroutines, percentile(after, 50), percentile(after, 99))
	if failed.Load() != stalledConns {
		t.Errorf("%d HANDSHAKE_FAILED_NO_DETAIL events, want exactly %d", failed.Load(), stalledConns)
	}
}

// echoRep binds a REP socket on tcp whose goroutine echoes every request
// until the test ends.
func echoRep(t *testing.T, zctx *zmq.Context, opts ...zmq.Option) (*zmq.Socket, string) {
	t.Helper()
	rep, err := zctx.NewSocket(zmq.Rep, append([]zmq.Option{zmq.Linger(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	if err := rep.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	go func() {
		ctx := context.Background()
		for {
			m, err := rep.Recv(ctx)
			if err != nil {
				return
			}
			if err := rep.Send(ctx, m); err != nil {
				return
			}
		}
	}()
	return rep, rep.LastEndpoint()
}

// watch counts rep's events of type typ in n until the socket closes.
func watch(t *testing.T, s *zmq.Socket, typ zmq.EventType, n *atomic.Int64) {
	mon := s.Monitor(typ)
	go func() {
		for range mon.Events() {
			n.Add(1)
		}
	}()
	t.Cleanup(func() {
		if d := mon.Dropped(); d > 0 {
			t.Errorf("the monitor dropped %d events", d)
		}
	})
}

// newReq connects a REQ socket to ep.
func newReq(t *testing.T, zctx *zmq.Context, ep string) *zmq.Socket {
	t.Helper()
	req, err := zctx.NewSocket(zmq.Req, zmq.Linger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { req.Close() })
	if err := req.Connect(ep); err != nil {
		t.Fatal(err)
	}
	return req
}

// reqRoundTrips makes n round trips with a REQ socket and returns the
// first one's time and all of them.
func reqRoundTrips(t *testing.T, req *zmq.Socket, n int) (first time.Duration, rts []time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		start := time.Now()
		body := []byte{byte(i), byte(i >> 8)}
		if err := req.Send(ctx, zmq.NewMsg(body)); err != nil {
			t.Fatal(err)
		}
		m, err := req.Recv(ctx)
		if err != nil || len(m.Frames) != 1 || string(m.Frames[0]) != string(body) {
			t.Fatalf("round trip %d: %v, %v", i, m, err)
		}
		rts = append(rts, time.Since(start))
	}
	return rts[0], rts
}

// stall opens n raw tcp connections to ep: the even ones send nothing,
// the odd ones the first 11 bytes of a ZMTP 3.1 greeting. They are closed
// when the test ends.
func stall(t *testing.T, ep string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(ep, "tcp://"), 10*time.Second)
		if err != nil {
			t.Fatalf("stalled connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%2 == 1 {
			if _, err := c.Write(greeting31()[:11]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return conns
}

// readToEnd reads (and discards) what the server sent until it closes the
// connection, and reports an error if it does not within limit.
func readToEnd(c net.Conn, limit time.Duration) error {
	c.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return nil // EOF (nil from io.Copy) or a reset: closed
}
