package pipe

import (
	"sync"
	"sync/atomic"
)

// Queue is an inbound message queue: one producer (a connection reader or
// an inproc peer) appends whole messages, one consumer (a socket, under its
// own lock) takes them one message at a time.
//
// The producer side is guarded by a mutex. The consumer swaps the whole
// producer batch out at once and then pops without locking, so a steady
// stream costs one lock per batch on each side. The queue counts messages,
// not frames, against its high-water mark.
type Queue struct {
	mu       sync.Mutex
	w        []Frame // producer batch
	count    int     // messages queued and not yet accounted as consumed
	hwm      int     // 0: no limit
	closed   bool    // the producer is gone; drain then report end
	rWaiting bool    // the consumer found the queue empty
	wWaiting bool    // the producer found the queue full; see waits
	conflate bool    // keep only the newest message

	// waits mirrors wWaiting for the consumer, which reports what it
	// consumed (taking mu) early only when the producer waits for room;
	// hungry mirrors rWaiting for a producer that stages messages.
	waits  atomic.Bool
	hungry atomic.Bool

	// reportAt is how many messages the consumer takes before it reports
	// them while the producer waits (see SetLowWater).
	reportAt atomic.Int32
	lowWater bool

	// Consumer-only state, written for every message, on cache lines of
	// its own: a producer that reads hungry for every message it stages
	// must not keep pulling the line the consumer writes.
	_        cacheLinePad
	r        []Frame
	rPos     int
	popped   int // where the slots of the message last popped begin; see Done
	consumed int
	_        cacheLinePad

	stage Puller // the producer's staged messages, if it stages them

	onReadable func() // called without locks when rWaiting is cleared
	onWritable func() // called without locks when wWaiting is cleared
}

// NewQueue returns a queue holding at most hwm messages (0: no limit).
// onReadable is called when a consumer that found the queue empty should
// look again; onWritable when a producer that found it full may push again.
// Either may be nil.
func NewQueue(hwm int, onReadable, onWritable func()) *Queue {
	q := &Queue{hwm: hwm, onReadable: onReadable, onWritable: onWritable}
	q.setRWaiting(true)
	q.setReportAt()
	return q
}

// SetLowWater makes a producer that waits for room wait until the
// consumer has taken half the high-water mark (libzmq's low-water mark),
// rather than 64 messages: fewer, larger hand-offs for a producer that
// outpaces its consumer.
func (q *Queue) SetLowWater(on bool) {
	q.mu.Lock()
	q.lowWater = on
	q.setReportAt()
	q.mu.Unlock()
}

// setReportAt derives reportAt. mu is held (or q is new). A waiting
// producer hears of room at the latest once half the high-water mark has
// been taken, as libzmq's low-water mark has it: with a small mark a
// consumer that takes half the queue and then waits for the producer must
// not stall it.
func (q *Queue) setReportAt() {
	n := 64
	if q.lowWater {
		n = max(n, q.hwm/2)
	}
	if q.hwm > 0 {
		n = min(n, max((q.hwm+1)/2, 1))
	}
	q.reportAt.Store(int32(min(n, 1<<30)))
}

// setRWaiting records whether the consumer waits for messages. mu is held
// (or q is new).
func (q *Queue) setRWaiting(on bool) {
	q.rWaiting = on
	if q.hungry.Load() != on {
		q.hungry.Store(on)
	}
}

// Hungry reports whether the consumer found the queue empty and waits: a
// producer that stages messages hands them over at once then.
func (q *Queue) Hungry() bool { return q.hungry.Load() }

// PushStaged appends msgs whole messages held in frames, as a producer
// that stages them hands them over; the high-water mark was respected by
// the staging. It reports how many more messages the queue takes now
// (a large number when it has no limit; at 0 the producer is notified
// through onWritable when there is room) and false, taking nothing, if the
// queue is closed.
func (q *Queue) PushStaged(frames []Frame, msgs int) (room int, ok bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, false
	}
	q.appendLocked(frames, msgs)
	if room = q.roomLocked(); room == 0 {
		q.setWWaiting(true)
	}
	if msgs > 0 {
		q.unlockAndNotify()
	} else {
		q.mu.Unlock()
	}
	return room, true
}

// A Puller hands over messages held back for the consumer; it reports
// whether it handed over any. The consumer calls it holding no lock.
type Puller interface{ Pull() bool }

// SetStage records where the producer stages messages.
func (q *Queue) SetStage(p Puller) {
	q.mu.Lock()
	q.stage = p
	q.mu.Unlock()
}

// Stage returns where the producer stages messages, or nil.
func (q *Queue) Stage() Puller {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stage
}

// SetCallbacks replaces the notification callbacks.
func (q *Queue) SetCallbacks(onReadable, onWritable func()) {
	q.mu.Lock()
	q.onReadable, q.onWritable = onReadable, onWritable
	q.mu.Unlock()
}

// SetHWM changes the high-water mark.
func (q *Queue) SetHWM(hwm int) {
	q.mu.Lock()
	q.hwm = hwm
	q.setReportAt()
	wake := q.wWaiting && !q.fullLocked()
	if wake {
		q.setWWaiting(false)
	}
	cb := q.onWritable
	q.mu.Unlock()
	if wake && cb != nil {
		cb()
	}
}

func (q *Queue) fullLocked() bool { return !q.conflate && q.hwm > 0 && q.count >= q.hwm }

// SetConflate makes the queue keep only the newest message (ZMQ_CONFLATE);
// the high-water mark no longer applies.
func (q *Queue) SetConflate(on bool) {
	q.mu.Lock()
	q.conflate = on
	q.mu.Unlock()
}

// dropPendingLocked releases the producer batch before a conflating push.
func (q *Queue) dropPendingLocked() {
	for _, f := range q.w {
		f.Release()
	}
	clear(q.w)
	q.w = q.w[:0]
	q.count = 0
}

// lastMessage returns the frames of the last whole message in frames.
func lastMessage(frames []Frame) []Frame {
	i := len(frames) - 1
	for i > 0 && frames[i-1].More() {
		i--
	}
	return frames[i:]
}

// PeekLast returns the first frame of the newest queued message, for tests.
func (q *Queue) PeekLast() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.w) > 0 {
		return lastMessage(q.w)[0].Bytes(), true
	}
	return nil, false
}

// setWWaiting records whether the producer waits for room. mu is held.
func (q *Queue) setWWaiting(on bool) {
	q.wWaiting = on
	if q.waits.Load() != on {
		q.waits.Store(on)
	}
}

// Room returns how many more messages the queue takes before it is at its
// high-water mark (a large number when it has none).
func (q *Queue) Room() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.roomLocked()
}

func (q *Queue) roomLocked() int {
	if q.conflate || q.hwm <= 0 {
		return 1 << 30
	}
	return max(q.hwm-q.count, 0)
}

// Full reports whether the queue is at its high-water mark. A producer that
// sees true is notified through onWritable when space frees up.
func (q *Queue) Full() bool {
	q.mu.Lock()
	full := q.fullLocked()
	if full {
		q.setWWaiting(true)
	}
	q.mu.Unlock()
	return full
}

// Push appends one whole message unless the queue is full or closed. It
// reports whether the message was taken; on false the caller still owns it.
func (q *Queue) Push(frames ...Frame) bool {
	q.mu.Lock()
	if q.closed || q.fullLocked() {
		q.setWWaiting(!q.closed)
		q.mu.Unlock()
		return false
	}
	if q.conflate {
		q.dropPendingLocked()
	}
	q.w = append(q.w, frames...)
	q.count++
	q.unlockAndNotify()
	return true
}

// PushBatch appends msgs whole messages held in frames, regardless of the
// high-water mark (a reader checks [Queue.Full] before it reads more). It
// reports false, taking nothing, if the queue is closed.
func (q *Queue) PushBatch(frames []Frame, msgs int) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.appendLocked(frames, msgs)
	q.unlockAndNotify()
	return true
}

// appendLocked appends msgs whole messages held in frames; a conflating
// queue keeps only the last. mu is held.
func (q *Queue) appendLocked(frames []Frame, msgs int) {
	if msgs == 0 {
		return
	}
	if q.conflate {
		q.dropPendingLocked()
		last := lastMessage(frames)
		for _, f := range frames[:len(frames)-len(last)] {
			f.Release()
		}
		frames, msgs = last, 1
	}
	q.w = append(q.w, frames...)
	q.count += msgs
}

func (q *Queue) unlockAndNotify() {
	wake := q.rWaiting
	q.setRWaiting(false)
	cb := q.onReadable
	q.mu.Unlock()
	if wake && cb != nil {
		cb()
	}
}

// Close marks the end of the producer's stream. Messages already queued can
// still be popped; after them Pop reports the end. Close wakes the consumer.
func (q *Queue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.setWWaiting(false)
	q.unlockAndNotify()
}

// Closed reports whether the producer has closed the queue.
func (q *Queue) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Pop returns the frames of the next message, in the queue's own slots.
// They stay valid until the consumer calls [Queue.Done], which it does as
// soon as it has taken what it needs from them. ok is false when no
// message is queued; end is true when, moreover, the producer has closed
// the queue. When ok is false the consumer will be notified through
// onReadable once a message arrives. Pop must be called by one consumer at
// a time.
func (q *Queue) Pop() (frames []Frame, ok, end bool) {
	if q.conflate {
		q.conflateRefill()
	}
	if q.rPos == len(q.r) && !q.refill() {
		q.mu.Lock()
		end = q.closed && len(q.w) == 0
		q.mu.Unlock()
		return nil, false, end
	}
	start := q.rPos
	for q.rPos < len(q.r) {
		q.rPos++
		if !q.r[q.rPos-1].More() {
			break
		}
	}
	q.popped = start
	q.consumed++
	if q.consumed >= int(q.reportAt.Load()) && q.waits.Load() {
		q.account()
	}
	return q.r[start:q.rPos:q.rPos], true, false
}

// Done clears the slots of the message Pop returned last, so that the
// queue keeps no reference to what it handed out: a popped message's
// buffer must not stay alive from the queue however long the consumer
// then leaves it alone (a peer that went quiet, or away). The slots were
// just read and are the consumer's until the next refill: clearing them
// here costs little.
func (q *Queue) Done() {
	for i := q.popped; i < q.rPos; i++ {
		q.r[i] = Frame{}
	}
	q.popped = q.rPos
}

// Unpopped returns the number of messages queued and not yet popped. Only
// the consumer may call it.
func (q *Queue) Unpopped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count - q.consumed
}

// Peek reports whether a message is ready without taking it. It registers
// the consumer for a notification when it reports false.
func (q *Queue) Peek() bool {
	return q.rPos < len(q.r) || q.refill()
}

// PeekMsg returns the frames of the next message without taking it, or nil
// (registering the consumer for a notification, as Peek) when none is
// queued. They stay valid until the consumer's next Pop or refill.
func (q *Queue) PeekMsg() []Frame {
	if q.conflate {
		q.conflateRefill()
	}
	if q.rPos == len(q.r) && !q.refill() {
		return nil
	}
	end := q.rPos
	for end < len(q.r) {
		end++
		if !q.r[end-1].More() {
			break
		}
	}
	return q.r[q.rPos:end:end]
}

// conflateRefill drops what the consumer holds when a newer message waits.
func (q *Queue) conflateRefill() {
	q.mu.Lock()
	newer := len(q.w) > 0
	q.mu.Unlock()
	if newer {
		for _, f := range q.r[q.rPos:] {
			f.Release()
		}
		clear(q.r)
		q.r, q.rPos, q.popped = q.r[:0], 0, 0
	}
}

// refill swaps in the producer batch; false if it was empty. The batch
// given back to the producer was wholly popped and cleared (see Done), so
// it holds no references.
func (q *Queue) refill() bool {
	q.mu.Lock()
	q.count -= q.consumed
	q.consumed = 0
	q.r, q.w = q.w, q.r[:0]
	q.rPos, q.popped = 0, 0
	if len(q.r) == 0 {
		q.setRWaiting(true)
	}
	q.unlockAndWakeWriter()
	return len(q.r) > 0
}

func (q *Queue) account() {
	q.mu.Lock()
	q.count -= q.consumed
	q.consumed = 0
	q.unlockAndWakeWriter()
}

func (q *Queue) unlockAndWakeWriter() {
	wake := q.wWaiting && (q.hwm == 0 || q.count < q.hwm)
	if wake {
		q.setWWaiting(false)
	}
	cb := q.onWritable
	q.mu.Unlock()
	if wake && cb != nil {
		cb()
	}
}

// Len returns the number of messages queued and not yet taken by the
// consumer's last batch accounting, for tests and statistics.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count
}

// Drain releases every queued frame. It is called by the consumer when it
// drops the queue.
func (q *Queue) Drain() {
	for _, f := range q.r[q.rPos:] {
		f.Release()
	}
	clear(q.r)
	q.r, q.rPos, q.popped = q.r[:0], 0, 0
	q.mu.Lock()
	for _, f := range q.w {
		f.Release()
	}
	clear(q.w)
	q.w = q.w[:0]
	q.count, q.consumed = 0, 0
	wake := q.wWaiting
	q.setWWaiting(false)
	cb := q.onWritable
	q.mu.Unlock()
	if wake && cb != nil {
		cb()
	}
}

// cacheLinePad separates fields that different goroutines write, so that
// they do not share a cache line (128 bytes covers the adjacent-line
// prefetch of common x86 parts).
type cacheLinePad [128]byte
