package zmq

import (
	"sync"
	"time"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// heartbeat keeps ZMTP 3.1 heartbeats (RFC 37) on one connection: it sends a
// PING every HeartbeatInterval and fails the connection when nothing at all
// arrives within HeartbeatTimeout of a PING, or within the time-to-live the
// peer announced in its own PING. Any bytes received count as a sign of life.
//
// Its timer runs the checks on a goroutine of the runtime's, so that a
// writer blocked on a frozen peer does not stop them. Liveness is read from
// the reader's count of reads: no clock is read on the receive path.
//
// Lock order: frameReader.mu, then heartbeat.mu, then Socket.mu (a PING is
// queued on the outbound stream, which the socket's mutex guards).
type heartbeat struct {
	e       *engine
	ivl     time.Duration // between our PINGs; 0: we send none
	timeout time.Duration // for an answer to our PING
	ttl     uint16        // deciseconds announced in our PINGs

	mu       sync.Mutex
	t        *time.Timer
	stopped  bool
	nextPing time.Time // when our next PING is due; zero: none

	// An unanswered PING of ours: when it went, and the read count then.
	pingAt    time.Time
	pingReads uint64
	// The peer's time-to-live after its last PING: the deadline, and the
	// read count when that PING was read.
	ttlAt    time.Time
	ttlReads uint64
	peerTTL  time.Duration
}

// initHeartbeat takes the heartbeat's settings from the engine's options.
// It is called before the connection is shared with anything that reads
// it: a receive reading inline may handle the peer's first PING (pinged)
// before startHeartbeat runs.
func (e *engine) initHeartbeat() {
	o := &e.opts
	h := &e.hb
	h.e = e
	h.ivl, h.timeout = o.heartbeatIvl, o.heartbeatTimeout
	if h.timeout < 0 {
		h.timeout = h.ivl
	}
	h.ttl = uint16(o.heartbeatTTL / (100 * time.Millisecond))
}

// startHeartbeat starts sending PINGs if the socket asks for them. It is
// called once the handshake is done; the peer's TTL may start the timer
// sooner or later (pinged). A ZMTP 2.0 peer has no commands, so no PINGs.
func (e *engine) startHeartbeat() {
	h := &e.hb
	if h.ivl <= 0 || e.zmtp2 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextPing = time.Now().Add(h.ivl)
	h.armLocked()
}

// pinged is called by the reader for a PING that announces a time-to-live:
// the peer expects some traffic from us, and we from it, within ttl.
func (h *heartbeat) pinged(ttl time.Duration, reads uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || h.e == nil {
		return
	}
	h.ttlAt, h.ttlReads, h.peerTTL = time.Now().Add(ttl), reads, ttl
	h.armLocked()
}

// stop stops the timer; a check already running finds stopped set.
func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.t != nil {
		h.t.Stop()
	}
}

// armLocked sets the timer for the earliest thing due. h.mu is held.
func (h *heartbeat) armLocked() {
	var next time.Time
	for _, t := range []time.Time{h.nextPing, h.pingDeadline(), h.ttlAt} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if next.IsZero() {
		return
	}
	d := time.Until(next)
	if h.t == nil {
		h.t = time.AfterFunc(d, h.check)
	} else {
		h.t.Reset(d)
	}
}

func (h *heartbeat) pingDeadline() time.Time {
	if h.pingAt.IsZero() {
		return time.Time{}
	}
	return h.pingAt.Add(h.timeout)
}

// check runs on the timer: it fails the connection if the peer is overdue,
// sends a PING if one is due, and sets the timer again.
func (h *heartbeat) check() {
	if err := h.checkLocked(); err != nil {
		// Not under mu: closing waits for a read in progress, which may
		// be handling a PING (see pinged).
		h.e.fail(err)
	}
}

func (h *heartbeat) checkLocked() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil
	}
	e := h.e
	now := time.Now()
	reads := e.rd.reads.Load()
	// A reader that waits for room in a full inbound queue reads nothing:
	// the silence is ours, not the peer's. So is a reader that has not yet
	// been scheduled to read what arrived (a loaded machine): bytes waiting
	// in the socket are a sign of life too.
	paused := e.paused.Load()
	alive := func(reads0 uint64) bool { return reads != reads0 || paused || pendingInput(e.sys) }
	if !h.pingAt.IsZero() {
		if alive(h.pingReads) {
			h.pingAt = time.Time{}
		} else if !now.Before(h.pingDeadline()) {
			return &TimeoutError{Op: "heartbeat", After: h.timeout}
		}
	}
	if !h.ttlAt.IsZero() {
		if alive(h.ttlReads) {
			h.ttlAt = time.Time{}
		} else if !now.Before(h.ttlAt) {
			return &TimeoutError{Op: "heartbeat ttl", After: h.peerTTL}
		}
	}
	if !h.nextPing.IsZero() && !now.Before(h.nextPing) {
		e.out.PushCommand(zmtp.AppendPing(nil, h.ttl, nil))
		if h.pingAt.IsZero() {
			h.pingAt, h.pingReads = now, reads
		}
		h.nextPing = now.Add(h.ivl)
	}
	h.armLocked()
	return nil
}
