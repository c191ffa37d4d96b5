//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/chaos/internal/seqmsg"
)

// D8: a REQ with ReqRelaxed and ReqCorrelate, and a receive deadline on
// every request (the application's retry loop), against a REP process
// that answers request 5 a second late, hangs on request 50, is killed
// with SIGKILL while hung and is restarted. Proves: after a timeout the
// REQ may send again; a reply to an earlier request (the late one, and the
// replies the restarted REP gives to the requests queued while it was
// down) is never returned, only the reply to the request outstanding;
// every reply returned is whole and intact; the REQ works again within its
// reconnect interval of the restart.
func TestD8ReqSurvivesRepRestart(t *testing.T) {
	checkLeaks(t)
	const (
		timeout  = 300 * time.Millisecond
		lateSeq  = 5
		lateBy   = time.Second
		hangSeq  = 50
		outage   = time.Second
		attempts = 30
	)
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	repArgs := []string{"-role", "rep", "-bind", ep, "-delay-seq", fmt.Sprint(lateSeq), "-delay", lateBy.String(),
		"-hang-seq", fmt.Sprint(hangSeq)}
	repCol := newCollector()
	rep1 := startPeer(t, "rep1", repCol, "", repArgs...)
	rep1.ready()
	req := newSock(t, zmq.Req, zmq.ReqRelaxed(true), zmq.ReqCorrelate(true), zmq.ReconnectInterval(100*time.Millisecond))
	w := watch(req, zmq.EventHandshakeSucceeded|zmq.EventDisconnected)
	defer w.close()
	if err := req.Connect(ep); err != nil {
		t.Fatal(err)
	}
	x := newSender(req, 1, 2, 64)
	answered := map[uint64]bool{}
	timeouts, asked := 0, 0
	// ask sends the next request and waits for its reply, at most timeout.
	ask := func() bool {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := x.sendOne(ctx); err != nil {
			t.Fatalf("send %d: %v", x.last.Load()+1, err)
		}
		seq := x.last.Load()
		asked++
		rctx, rcancel := context.WithTimeout(context.Background(), timeout)
		defer rcancel()
		m, err := req.Recv(rctx)
		if errors.Is(err, context.DeadlineExceeded) {
			timeouts++
			return false
		}
		if err != nil {
			t.Fatalf("recv %d: %v", seq, err)
		}
		prod, got, err := seqmsg.Check(m.Frames)
		switch {
		case err != nil:
			t.Fatalf("reply to %d is not whole and intact: %v", seq, err)
		case prod != 1 || got != seq:
			t.Fatalf("request %d got the reply to request %d (a stale reply)", seq, got)
		case answered[got]:
			t.Fatalf("reply %d returned twice", got)
		}
		answered[got] = true
		return true
	}
	// askUntil asks until one request is answered.
	askUntil := func(what string) {
		t.Helper()
		for i := 0; i < attempts; i++ {
			if ask() {
				return
			}
		}
		t.Fatalf("%s: no reply in %d attempts", what, attempts)
	}

	for x.last.Load() < lateSeq-1 {
		if !ask() {
			t.Fatalf("request %d timed out", x.last.Load())
		}
	}
	// Request 5 is answered late: retries until one is answered.
	if ask() {
		t.Fatalf("request %d was answered before its delay", lateSeq)
	}
	askUntil("after a late reply")

	// Request 50 hangs; the REP is killed and restarted.
	x.last.Store(hangSeq - 1)
	if ask() {
		t.Fatalf("request %d was answered by a hung REP", hangSeq)
	}
	waitFor(t, "the REP to get the request it hangs on", 5*time.Second, repCol, func() bool { return repCol.maxSeq(1) >= hangSeq })
	rep1.kill()
	w.wait(t, zmq.EventDisconnected, 5*time.Second)
	down := time.Now()
	for time.Since(down) < outage { // requests while the REP is down, each timing out
		if ask() {
			t.Fatal("a reply while the REP was down")
		}
	}
	queued := x.last.Load() - hangSeq
	rep := startPeer(t, "rep2", repCol, "", repArgs...)
	_, restarted := rep.ready()
	askUntil("after the restart")
	recovered := time.Since(restarted)
	for i := 0; i < 5; i++ {
		if !ask() {
			t.Fatalf("request %d timed out after the restart", x.last.Load())
		}
	}

	// Every reply the REPs sent that the REQ did not return was stale;
	// among them the late one, and those to the requests queued while the
	// REP was down.
	for _, r := range repCol.records() {
		if r.status != "ok" {
			t.Errorf("a REP got a damaged request: %+v", r)
		}
	}
	replies := map[uint64]bool{}
	readReplies := func(p *peer, until uint64) {
		for {
			f, ok := p.next("r", 5*time.Second)
			if !ok {
				if until != 0 {
					t.Fatalf("%s: no reply line for %d", p.name, until)
				}
				return
			}
			var seq uint64
			fmt.Sscan(f[1], &seq)
			replies[seq] = true
			if seq == until {
				return
			}
		}
	}
	readReplies(rep1, 0) // it is dead: every line it printed has been read
	readReplies(rep, x.last.Load())
	stale := 0
	for seq := range replies {
		if !answered[seq] {
			stale++
		}
	}
	if !replies[lateSeq] || answered[lateSeq] {
		t.Errorf("the late reply to %d: sent %v, returned %v; want sent and not returned", lateSeq, replies[lateSeq], answered[lateSeq])
	}
	redelivered := 0
	for _, r := range repCol.records() {
		if r.by == "rep2" && r.seq > hangSeq && r.seq <= hangSeq+queued {
			redelivered++
		}
	}
	if redelivered != int(queued) {
		t.Errorf("%d requests queued while the REP was down, %d reached the new REP", queued, redelivered)
	}
	figure(t, "%d requests, %d answered, %d timed out; %d replies sent, %d of them stale and discarded (the late one "+
		"and those to the %d requests queued while the REP was down, all delivered to the new REP); "+
		"working again %v after the restart (reconnect interval 100ms)",
		asked, len(answered), timeouts, len(replies), stale, queued, recovered.Round(time.Millisecond))
}
