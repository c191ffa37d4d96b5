package zmq

import (
	"net"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
)

// Test hooks, visible only to this package's tests.

// PeerCount returns the number of pipes the socket has attached and not
// yet detached.
func PeerCount(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		if p.attached && !p.gone && (p.eng != nil || p.ep == nil || p.ep.persistent != p || isInproc(p)) {
			n++
		}
	}
	return n
}

// ConnectedPeers returns the number of pipes with a live connection (or an
// inproc peer).
func ConnectedPeers(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		if p.attached && !p.gone && (p.eng != nil || isInproc(p)) {
			n++
		}
	}
	return n
}

// pullStages hands over what inproc peers have staged for s, as a receive
// that finds nothing does, so that the hooks below count it.
func pullStages(s *Socket) {
	s.mu.Lock()
	var stages []pipe.Puller
	for p := range s.pipes {
		if st := p.in.Stage(); st != nil {
			stages = append(stages, st)
		}
	}
	s.mu.Unlock()
	pulled(stages, false, false)
}

// QueuedIn returns the number of inbound messages queued over all pipes,
// counting those inproc peers have staged.
func QueuedIn(s *Socket) int {
	pullStages(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		n += p.in.Len()
	}
	return n
}

// LastQueued returns the first frame of the newest queued inbound message
// of a single-pipe socket, or "".
func LastQueued(s *Socket) string {
	pullStages(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		if f, ok := p.in.PeekLast(); ok {
			return string(f)
		}
	}
	return ""
}

// SubscriptionCount returns the number of distinct (prefix, peer)
// subscriptions a PUB or XPUB holds, or of prefixes a SUB holds.
func SubscriptionCount(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch x := s.pat.(type) {
	case *pubPattern:
		return x.subs.n
	case *subPattern:
		return x.subs.n
	}
	return 0
}

// RawConnForTest reports whether the engine would read conn raw.
func RawConnForTest(c net.Conn) bool { return rawConn(c) != nil }

// SetLingerStallForTest shortens how long a closing socket waits on a peer
// that shows no sign of life; the returned function restores it.
func SetLingerStallForTest(d time.Duration) (restore func()) {
	old := lingerStallNanos.Swap(int64(d))
	return func() { lingerStallNanos.Store(old) }
}

// WaitersForTest returns how many goroutines are in a blocking receive and
// in a blocking send of s that found they could not proceed and wait to be
// woken (see Socket.doMore: the count goes up right before the wait).
func WaitersForTest(s *Socket) (recv, send int32) {
	return s.recvWaiters.Load(), s.sendWaiters.Load()
}

// PollWaitsForTest returns how many times receives have waited in
// poll(2) (see pollwait.go).
func PollWaitsForTest() int64 { return pollWaits.Load() }

// InlineWritesForTest returns how many batches the senders of the
// sockets' current connections have written themselves (see
// engine.inlineWrite).
func InlineWritesForTest(socks ...*Socket) int64 {
	var n int64
	for _, s := range socks {
		s.mu.Lock()
		for p := range s.pipes {
			if p.eng != nil {
				n += p.eng.inlineWrites.Load()
			}
		}
		s.mu.Unlock()
	}
	return n
}

// SetInlineWriteCapForTest bounds each write of a sender to n bytes (0: no
// bound) on connections made afterwards, so that a batch is left in part
// to the connection's writer.
func SetInlineWriteCapForTest(n int) (restore func()) {
	inlineWriteCap.Store(int64(n))
	return func() { inlineWriteCap.Store(0) }
}
