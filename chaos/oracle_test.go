//go:build chaos

package chaos

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zmq-go/zmq/chaos/internal/seqmsg"
)

// The oracle of §6.4. Every message carries (producer, seq) and a CRC per
// frame (package seqmsg). A run passes iff, per producer:
//
//   - every delivered message is whole and intact (no partial multipart,
//     every CRC matches);
//   - no message is delivered twice, and seqs are delivered in increasing
//     order;
//   - nothing is delivered that was not sent;
//   - what was sent but not delivered forms gaps (runs of consecutive
//     seqs), each inside the window of one fault, at most one gap per
//     window; a window bounds the loss the fault may cause, such as the
//     messages in flight when a connection broke. Everything outside the
//     windows is delivered: in particular what a connecting socket still
//     had queued when the fault happened.

// rec is one delivered message.
type rec struct {
	prod   uint32
	seq    uint64
	frames int
	status string // "ok" or "bad:why"
	at     time.Time
	by     string // which receiver
}

// A collector gathers the messages delivered to the receivers of a test,
// in the order each receiver delivered them.
type collector struct {
	mu   sync.Mutex
	recs []rec
	max  map[uint32]uint64 // per producer: highest seq delivered
	n    map[uint32]int    // per producer: messages delivered
	ch   chan struct{}     // closed and replaced at each message
}

func newCollector() *collector {
	return &collector{max: map[uint32]uint64{}, n: map[uint32]int{}, ch: make(chan struct{})}
}

func (c *collector) add(r rec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r)
	c.max[r.prod] = max(c.max[r.prod], r.seq)
	c.n[r.prod]++
	close(c.ch)
	c.ch = make(chan struct{})
}

// maxSeq returns the highest seq of prod delivered so far.
func (c *collector) maxSeq(prod uint32) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max[prod]
}

// firstAbove returns the first message of prod delivered with a seq above
// seq, if any.
func (c *collector) firstAbove(prod uint32, seq uint64) (rec, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.recs {
		if r.prod == prod && r.seq > seq {
			return r, true
		}
	}
	return rec{}, false
}

// records returns a copy of what was delivered.
func (c *collector) records() []rec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rec(nil), c.recs...)
}

// waitUntil waits until cond holds, re-checking it at each delivery, at
// most d.
func (c *collector) waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ch := c.ch
		c.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

func (c *collector) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for p, m := range c.max {
		parts = append(parts, fmt.Sprintf("producer %d: %d delivered, highest seq %d", p, c.n[p], m))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// A window is the loss a fault may cause to one producer: seqs in (lo, hi].
type window struct {
	prod   uint32
	lo, hi uint64
	name   string
	// multi allows several gaps in the window (a publisher dropping for
	// a frozen subscriber now and then), not only one.
	multi bool
	// reorder allows messages of the window to be delivered after later
	// ones, in their own order: ZeroMQ orders messages per connection,
	// and a bound receiver that survives the fault fair-queues what it
	// still holds of the broken connection with the messages of the new
	// one (libzmq 4.3.4 does the same; see TestInterleaveAfterReconnect).
	reorder bool
}

// sentSpan is what a producer sent: seqs first..last (first is 1 unless
// the first messages were sent before the receiver could get them, as
// with a subscriber that has not joined yet).
type sentSpan struct{ first, last uint64 }

// verdict is what the oracle found: per window, the gaps inside it.
type verdict struct {
	delivered int
	lost      int
	late      int              // delivered after a later message (see window.reorder)
	gaps      map[string][]gap // by window name
}

type gap struct{ from, to uint64 } // lost: from..to

func (g gap) size() uint64 { return g.to - g.from + 1 }

func (v verdict) String() string {
	var names []string
	for n := range v.gaps {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d delivered (%d late), %d lost", v.delivered, v.late, v.lost)
	for _, n := range names {
		for _, g := range v.gaps[n] {
			fmt.Fprintf(&b, "; %s: %d..%d (%d)", n, g.from, g.to, g.size())
		}
	}
	return b.String()
}

// verify checks the oracle against what each producer sent and the fault
// windows, and returns what it found; it fails the test on any violation.
func verify(t testing.TB, recs []rec, sent map[uint32]sentSpan, windows []window) verdict {
	t.Helper()
	v, problems := judge(recs, sent, windows)
	for i, p := range problems {
		if i == 20 {
			t.Errorf("... and %d more", len(problems)-20)
			break
		}
		t.Error(p)
	}
	return v
}

// judge applies the oracle; problems lists the violations.
func judge(recs []rec, sent map[uint32]sentSpan, windows []window) (v verdict, problems []string) {
	v.gaps = map[string][]gap{}
	delivered := map[uint32][]uint64{}
	seen := map[uint32]map[uint64]bool{}
	last := map[uint32]uint64{}     // the highest seq delivered so far
	lastLate := map[uint32]uint64{} // the last seq delivered after a higher one
	for i, r := range recs {
		if r.status != "ok" {
			problems = append(problems, fmt.Sprintf("message %d (producer %d seq %d, %d frames, by %s) is not whole and intact: %s",
				i, r.prod, r.seq, r.frames, r.by, r.status))
			continue
		}
		span, ok := sent[r.prod]
		if seen[r.prod] == nil {
			seen[r.prod] = map[uint64]bool{}
		}
		switch {
		case !ok || r.seq > span.last || r.seq < 1:
			problems = append(problems, fmt.Sprintf("producer %d seq %d delivered but never sent", r.prod, r.seq))
			continue
		case seen[r.prod][r.seq]:
			problems = append(problems, fmt.Sprintf("producer %d seq %d delivered twice", r.prod, r.seq))
			continue
		case r.seq < last[r.prod]:
			// Late: the rest of a broken connection's queue, which a
			// bound receiver fair-queues with its successor's messages.
			if w := windowOf(windows, r.prod, r.seq); w == nil || !w.reorder || r.seq < lastLate[r.prod] {
				problems = append(problems, fmt.Sprintf("producer %d seq %d delivered after seq %d (out of order)", r.prod, r.seq, last[r.prod]))
				continue
			}
			lastLate[r.prod] = r.seq
			v.late++
		default:
			last[r.prod] = r.seq
		}
		seen[r.prod][r.seq] = true
		if r.seq >= span.first {
			delivered[r.prod] = append(delivered[r.prod], r.seq)
			v.delivered++
		}
	}
	for _, d := range delivered {
		slices.Sort(d)
	}
	prods := make([]uint32, 0, len(sent))
	for p := range sent {
		prods = append(prods, p)
	}
	sort.Slice(prods, func(i, j int) bool { return prods[i] < prods[j] })
	for _, p := range prods {
		span := sent[p]
		// The gaps: runs of sent seqs that were not delivered.
		var gaps []gap
		next := span.first
		for _, s := range append(delivered[p], span.last+1) {
			if s > next {
				gaps = append(gaps, gap{next, s - 1})
			}
			next = s + 1
		}
		for _, g := range gaps {
			v.lost += int(g.size())
			var in *window
			for i := range windows {
				w := &windows[i]
				if w.prod == p && g.from > w.lo && g.to <= w.hi {
					in = w
					break
				}
			}
			if in == nil {
				problems = append(problems, fmt.Sprintf("producer %d: seqs %d..%d (%d) lost outside every fault window %v",
					p, g.from, g.to, g.size(), windowsOf(windows, p)))
				continue
			}
			if len(v.gaps[in.name]) > 0 && !in.multi {
				problems = append(problems, fmt.Sprintf("producer %d: a second gap %d..%d in window %s (%d..%d)",
					p, g.from, g.to, in.name, in.lo+1, in.hi))
			}
			v.gaps[in.name] = append(v.gaps[in.name], g)
		}
	}
	return v, problems
}

// windowOf returns the window of producer p that holds seq, if any.
func windowOf(ws []window, p uint32, seq uint64) *window {
	for i := range ws {
		if w := &ws[i]; w.prod == p && seq > w.lo && seq <= w.hi {
			return w
		}
	}
	return nil
}

func windowsOf(ws []window, p uint32) string {
	var out []string
	for _, w := range ws {
		if w.prod == p {
			out = append(out, fmt.Sprintf("%s:%d..%d", w.name, w.lo+1, w.hi))
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}

// TestOracle shows that the oracle catches what it must: a partial or
// corrupt message, a duplicate, a reordering, an invented message, loss
// outside a window, two gaps in one window; and that it accepts a gap
// inside a window.
func TestOracle(t *testing.T) {
	ok := func(seqs ...uint64) []rec {
		var rs []rec
		for _, s := range seqs {
			rs = append(rs, rec{prod: 1, seq: s, frames: 1, status: "ok"})
		}
		return rs
	}
	sent := map[uint32]sentSpan{1: {1, 10}}
	win := []window{{prod: 1, lo: 3, hi: 7, name: "kill"}}
	cases := []struct {
		name string
		recs []rec
		want string // "" for no problem
	}{
		{"all", ok(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), ""},
		{"gap in window", ok(1, 2, 3, 4, 7, 8, 9, 10), ""},
		{"gap outside", ok(1, 3, 4, 5, 6, 7, 8, 9, 10), "outside every fault window"},
		{"gap crossing the window", ok(1, 2, 3, 4, 5, 6, 9, 10), "outside every fault window"},
		{"two gaps in a window", ok(1, 2, 3, 4, 6, 8, 9, 10), "a second gap"},
		{"duplicate", ok(1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10), "twice"},
		{"reordered", ok(1, 3, 2, 4, 5, 6, 7, 8, 9, 10), "out of order"},
		{"invented", ok(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), "never sent"},
		{"partial", append(ok(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), rec{prod: 1, seq: 11, frames: 2, status: "bad:2_frames,_the_message_has_3"}), "not whole"},
		{"lost tail", ok(1, 2, 3, 4, 5, 6, 7), "outside every fault window"},
	}
	// A window that allows reordering: the tail of a broken connection
	// may come after messages of the new one, in its own order.
	reorder := []window{{prod: 1, lo: 3, hi: 7, name: "kill", reorder: true}}
	for _, c := range []struct {
		name string
		recs []rec
		want string
	}{
		{"interleaved tail", ok(1, 2, 3, 4, 8, 5, 9, 6, 7, 10), ""},
		{"interleaved tail with a gap", ok(1, 2, 3, 4, 8, 5, 9, 10), ""},
		{"tail out of its own order", ok(1, 2, 3, 4, 8, 6, 9, 5, 7, 10), "out of order"},
		{"late outside the window", ok(1, 2, 4, 5, 6, 7, 3, 8, 9, 10), "out of order"},
		{"late duplicate", ok(1, 2, 3, 4, 8, 5, 9, 5, 6, 7, 10), "twice"},
	} {
		_, problems := judge(c.recs, sent, reorder)
		got := strings.Join(problems, "\n")
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range cases {
		_, problems := judge(c.recs, sent, win)
		got := strings.Join(problems, "\n")
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.want)
		}
	}
	// seqmsg catches what the transport could do to a multipart message.
	m := seqmsg.Encode(7, 42, 3, 100)
	if _, _, err := seqmsg.Check(m); err != nil {
		t.Fatal(err)
	}
	for name, frames := range map[string][][]byte{
		"truncated message": m[:2],
		"foreign frame":     {m[0], seqmsg.Encode(7, 43, 3, 100)[1], m[2]},
		"swapped frames":    {m[1], m[0], m[2]},
		"short frame":       {m[0], m[1], m[2][:50]},
	} {
		if _, _, err := seqmsg.Check(frames); err == nil {
			t.Errorf("%s passed the check", name)
		}
	}
}
