package pipe

import (
	"net"
	"slices"
	"sync"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// Out is an outbound byte stream: a socket encodes whole messages into it,
// and one connection writer swaps out everything pending at once and writes
// it with a single (vectored) system call.
//
// The stream is guarded by the socket's own mutex, so a Send costs one lock:
// the methods that say so expect their caller to hold it, and the writer's
// [Out.Take] takes it once per batch.
//
// Large bodies are not copied: they are queued by reference beside the
// encoded headers. The high-water mark counts messages not yet taken by the
// writer.
//
// While the writer keeps up, one buffer holds everything pending, and the
// writer and the senders swap two buffers at each Take; that buffer grows
// up to maxFirstBuffer. When more is pending (a peer that stopped reading,
// up to SendHWM messages), the full buffer is sealed as a segment and
// encoding goes on in pooled chunks of SegmentSize: growing one contiguous
// buffer without bound would copy the whole queue under the socket's mutex
// at each reallocation, which took hundreds of milliseconds for a few
// megabytes (and stalled the process when a garbage collection waited for
// the copy). libzmq's pipes, too, queue in chunks.
type Out struct {
	mu       *sync.Mutex
	buf      []byte // encoded bytes; those before segStart are in segs
	segStart int
	segs     net.Buffers // completed segments, in order
	refs     []*Chunk    // buffers to release once the taken batch is written
	cur      *Chunk      // the chunk buf is in, once the first buffer was sealed
	first    []byte      // the first (swapped) buffer, once sealed into segs
	msgs     int
	hwm      int
	closed   bool
	conflate bool
	wWait    bool          // a sender found the stream full
	idle     bool          // the writer waits for data
	wake     chan struct{} // wakes the writer
	onSpace  func()

	// Inline writes (see SetInline). While inlineBusy a sender owns the
	// writing side: the writer must not write. A batch the sender could
	// not write whole is carried over to the writer, which writes it
	// before anything taken later.
	inline       func(*Batch) bool
	onDefer      func() bool
	inlineBusy   bool
	carry        bool
	writerWanted bool // the writer woke while a sender wrote
	ib           Batch
}

// SetInline lets a sender write what it pushed on its own goroutine (see
// FlushInline), with w, which writes what it can without waiting and
// reports whether it wrote the whole batch (then it has called its Done).
// A push that would wake the writer asks onDefer whether the sender will
// call FlushInline instead. nil turns it off. The caller holds the mutex.
func (o *Out) SetInline(w func(*Batch) bool, onDefer func() bool) {
	o.inline, o.onDefer = w, onDefer
}

// FlushInline writes what is pending on the caller's goroutine, if the
// writer is asleep and nobody else writes; otherwise it leaves the bytes
// to whoever writes, waking the writer if nobody would. What the
// connection does not take at once is handed to the writer. The caller
// does not hold the mutex.
func (o *Out) FlushInline() {
	o.mu.Lock()
	if !o.idle || o.inlineBusy || o.empty() || o.inline == nil {
		if o.idle && !o.inlineBusy && !o.empty() {
			o.wakeNow()
		}
		o.mu.Unlock()
		return
	}
	w := o.inline
	o.inlineBusy = true
	o.take(&o.ib)
	o.mu.Unlock()
	whole := w(&o.ib)
	o.mu.Lock()
	o.inlineBusy = false
	o.carry = !whole
	if o.carry || !o.empty() || o.writerWanted {
		o.writerWanted = false
		o.wakeNow()
	}
	o.mu.Unlock()
}

// UnlessInline runs f with the mutex held, unless a sender writes or
// what one could not write waits for the writer: for the writer to touch
// state it shares with senders that write (CURVE's sealer) while it is
// idle.
func (o *Out) UnlessInline(f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.inlineBusy && !o.carry {
		f()
	}
}

// InlineBusy reports whether a sender is writing.
func (o *Out) InlineBusy() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.inlineBusy
}

func (o *Out) empty() bool { return len(o.buf) == 0 && len(o.segs) == 0 }

// RefThreshold is the body size from which frames are queued by reference.
const RefThreshold = 32 << 10

// SegmentSize bounds an encoding buffer; see [Out]. It holds at least one
// frame below RefThreshold with its header, so a frame is never split, and
// it is a chunk size class. With thousands of 8 KiB messages queued
// (BenchmarkOutQueued), 64 KiB segments were faster than 128 or 256 KiB
// ones, and faster than the one growing buffer: a segment stays in the
// cache while it is filled, and the pool recycles it.
const SegmentSize = 64 << 10

// maxFirstBuffer bounds the buffer the writer and the senders swap. A
// sender that outruns a tcp connection fills about a megabyte between two
// writes. Written from this one reused buffer rather than from sixteen
// 64 KiB segments in one writev, the same bytes cost the sending process a
// third less system time (0.37 s against 0.53 s for 2 GB over loopback),
// and 1 KiB messages over tcp went about 20% faster. Growing it by
// doubling copies less than it holds.
const maxFirstBuffer = 1 << 20

// maxFrameHeader is the length of a long frame's header.
const maxFrameHeader = 9

// minBuffer is the first capacity of a growing encoding buffer.
const minBuffer = 512

// NewOut returns a stream guarded by mu, holding at most hwm messages (0: no
// limit). onSpace is called when a sender that found the stream full may try
// again; it may run with mu held and must not take it.
func NewOut(mu *sync.Mutex, hwm int, onSpace func()) *Out {
	return &Out{mu: mu, hwm: hwm, wake: make(chan struct{}, 1), onSpace: onSpace}
}

// SetHWM changes the high-water mark. The caller holds the mutex.
func (o *Out) SetHWM(hwm int) {
	o.hwm = hwm
	o.signalSpace()
}

// Wake returns the channel the writer waits on.
func (o *Out) Wake() <-chan struct{} { return o.wake }

func (o *Out) full() bool { return !o.conflate && o.hwm > 0 && o.msgs >= o.hwm }

// SetConflate makes the stream keep only the newest message not yet taken
// by the writer (ZMQ_CONFLATE). The caller holds the mutex.
func (o *Out) SetConflate(on bool) { o.conflate = on }

// Full reports whether the stream is at its high-water mark; on true the
// sender is notified through onSpace later. The caller holds the mutex.
func (o *Out) Full() bool {
	if o.full() {
		o.wWait = true
		return true
	}
	return false
}

// PushMsg encodes one message as ZMTP frames unless the stream is full or
// closed, and reports whether it did. Small frames are copied at once; large
// ones are queued by reference, so the caller must not modify them, and a
// reference is taken on their chunk (chunks is nil or parallel to frames)
// until they are written. The caller keeps its own references. The caller
// holds the mutex.
func (o *Out) PushMsg(frames [][]byte, chunks []*Chunk) bool {
	if o.closed || o.full() {
		o.wWait = !o.closed
		return false
	}
	if o.conflate && o.msgs > 0 {
		o.Reset()
	}
	last := len(frames) - 1
	for i, f := range frames {
		var flags byte
		if i < last {
			flags = zmtp.FlagMore
		}
		// Room for the longest header: a few bytes wasted at the end of
		// a segment cost less than a test per frame.
		large := len(f) >= RefThreshold
		n := maxFrameHeader
		if !large {
			n += len(f)
		}
		if len(o.buf)+n > cap(o.buf) {
			o.makeRoom(n)
		}
		o.buf = zmtp.AppendFrameHeader(o.buf, flags, uint64(len(f)))
		if large {
			var c *Chunk
			if chunks != nil {
				if c = chunks[i]; c != nil {
					c.Retain(1)
				}
			}
			o.ref(f, c)
			continue
		}
		o.buf = append(o.buf, f...)
	}
	o.msgs++
	o.wakeWriter()
	return true
}

// PushRaw queues raw bytes (a STREAM socket's data) as one message. The
// caller holds the mutex.
func (o *Out) PushRaw(data []byte) bool {
	if o.closed {
		return false
	}
	o.write(data)
	o.msgs++
	o.wakeWriter()
	return true
}

// PushCommand queues an encoded command frame, taking the mutex itself.
// Commands are never held back by the high-water mark and do not count as
// messages.
func (o *Out) PushCommand(frame []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.PushCommandLocked(frame)
}

// PushCommandLocked is PushCommand for a caller that holds the mutex.
func (o *Out) PushCommandLocked(frame []byte) bool {
	if o.closed {
		return false
	}
	o.write(frame)
	o.wakeWriter()
	return true
}

func (o *Out) wakeWriter() {
	if !o.idle || o.inlineBusy {
		return // the writer, or the sender writing, takes the bytes
	}
	if o.inline != nil && o.onDefer != nil && o.onDefer() {
		return // the sender writes them (FlushInline)
	}
	o.wakeNow()
}

func (o *Out) wakeNow() {
	if o.idle {
		o.idle = false
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// write copies p into the stream, across segments if need be.
func (o *Out) write(p []byte) {
	for len(p) > 0 {
		if n := min(len(p), SegmentSize); len(o.buf)+n > cap(o.buf) {
			o.makeRoom(n)
		}
		k := min(len(p), cap(o.buf)-len(o.buf))
		o.buf = append(o.buf, p[:k]...)
		p = p[k:]
	}
}

// makeRoom makes room for n more bytes in buf, n being at most
// SegmentSize: it grows the first buffer up to maxFirstBuffer, copying the
// bytes not sealed yet, or seals buf and goes on in a fresh chunk. Bytes
// in a segment are never copied again.
func (o *Out) makeRoom(n int) {
	open := len(o.buf) - o.segStart
	if o.cur == nil && cap(o.buf) < maxFirstBuffer && open+n <= maxFirstBuffer {
		// The bytes before segStart stay where the segments refer to.
		nb := make([]byte, open, min(max(2*cap(o.buf), open+n, minBuffer), maxFirstBuffer))
		copy(nb, o.buf[o.segStart:])
		o.buf, o.segStart = nb, 0
		return
	}
	if open > 0 {
		o.segs = append(o.segs, o.buf[o.segStart:len(o.buf):len(o.buf)])
	}
	if o.cur != nil {
		o.refs = append(o.refs, o.cur)
	} else {
		o.first = o.buf
	}
	o.cur = GetChunk(SegmentSize)
	o.buf, o.segStart = o.cur.Buf[:0], 0
}

// ref queues body by reference after the bytes encoded so far.
func (o *Out) ref(body []byte, c *Chunk) {
	if len(o.buf) > o.segStart {
		o.segs = append(o.segs, o.buf[o.segStart:len(o.buf):len(o.buf)])
	}
	o.segs = append(o.segs, body)
	if c != nil {
		o.refs = append(o.refs, c)
	}
	// Later bytes go after these, so the queued ones are never overwritten.
	o.segStart = len(o.buf)
}

// Batch is what a writer takes from the stream in one go.
type Batch struct {
	Bufs net.Buffers
	refs []*Chunk
	own  [][]byte // backing arrays to reuse

	// Sealed marks bytes a sender already encoded for the wire (CURVE
	// seals at write time): when a batch it could not write whole is
	// carried over, the writer writes the rest as they are.
	Sealed bool
}

// Take moves everything pending into b, which must have been emptied by
// [Batch.Done]. It reports false, with b empty, when nothing is pending;
// the writer then waits on [Out.Wake].
func (o *Out) Take(b *Batch) bool {
	o.mu.Lock()
	if o.carry {
		// What a sender could not write whole comes first.
		*b, o.ib = o.ib, *b
		o.carry = false
		o.mu.Unlock()
		return true
	}
	if o.inlineBusy {
		o.idle, o.writerWanted = true, true
		o.mu.Unlock()
		return false
	}
	if o.empty() {
		o.idle = true
		o.mu.Unlock()
		return false
	}
	o.take(b)
	o.mu.Unlock()
	return true
}

// take is Take with the mutex held and bytes pending.
func (o *Out) take(b *Batch) {
	b.Bufs = append(b.Bufs, o.segs...)
	if len(o.buf) > o.segStart {
		b.Bufs = append(b.Bufs, o.buf[o.segStart:])
	}
	o.segStart = 0
	b.refs = append(b.refs, o.refs...)
	// The first buffer goes to the writer, for reuse after the write; a
	// chunk is released then.
	own := o.buf
	if o.cur != nil {
		b.refs = append(b.refs, o.cur)
		own, o.cur, o.first = o.first, nil, nil
	}
	// Hand the writer's spare buffer to the senders.
	var spare []byte
	if n := len(b.own); n > 0 {
		spare = b.own[n-1][:0]
		b.own = b.own[:n-1]
	}
	b.own = append(b.own, own[:0:cap(own)])
	o.buf = spare
	clear(o.segs)
	o.segs = o.segs[:0]
	clear(o.refs)
	o.refs = o.refs[:0]
	o.msgs = 0
	o.signalSpace()
}

func (o *Out) signalSpace() {
	if o.wWait && !o.full() {
		o.wWait = false
		if o.onSpace != nil {
			o.onSpace()
		}
	}
}

// Advance drops the first n bytes of the batch, which were written,
// keeping the list's capacity.
func (b *Batch) Advance(n int) {
	i := 0
	for i < len(b.Bufs) && n >= len(b.Bufs[i]) {
		n -= len(b.Bufs[i])
		i++
	}
	if i < len(b.Bufs) {
		b.Bufs[i] = b.Bufs[i][n:]
	}
	k := copy(b.Bufs, b.Bufs[i:])
	clear(b.Bufs[k:])
	b.Bufs = b.Bufs[:k]
}

// Done releases what the batch referenced after it was written (or
// abandoned) and keeps one buffer for reuse.
func (b *Batch) Done() {
	for _, c := range b.refs {
		c.Release()
	}
	clear(b.refs)
	b.refs = b.refs[:0]
	clear(b.Bufs)
	b.Bufs = b.Bufs[:0]
	b.Sealed = false
	if len(b.own) > 2 {
		b.own = b.own[:2]
	}
}

// maxIdleBuffer is the largest buffer a batch keeps for reuse while its
// writer is idle.
const maxIdleBuffer = 16 << 10

// Trim drops the buffers kept for reuse that a burst grew beyond
// maxIdleBuffer, for a writer that has been idle a while: an idle
// connection holds little. Trimming at every pause would cost an
// allocation per batch.
func (b *Batch) Trim() {
	b.own = slices.DeleteFunc(b.own, func(buf []byte) bool { return cap(buf) > maxIdleBuffer })
}

// Trim drops the encoding buffer if a burst grew it beyond maxIdleBuffer
// and nothing is pending. The caller holds the mutex.
func (o *Out) Trim() {
	if len(o.buf) == 0 && len(o.segs) == 0 && cap(o.buf) > maxIdleBuffer {
		o.buf = nil
	}
	if !o.inlineBusy && !o.carry {
		o.ib.Trim()
	}
}

// BufCap returns the capacity of the encoding buffer, for tests and
// statistics. The caller holds the mutex.
func (o *Out) BufCap() int { return cap(o.buf) }

// Pending reports whether anything waits to be written. The caller holds
// the mutex.
func (o *Out) Pending() bool { return len(o.buf) > 0 || len(o.segs) > 0 }

// Reset drops everything pending (the libzmq "hiccup" of a subscriber's
// outbound pipe on reconnect). The caller holds the mutex.
func (o *Out) Reset() {
	for _, c := range o.refs {
		c.Release()
	}
	clear(o.refs)
	o.refs = o.refs[:0]
	clear(o.segs)
	o.segs = o.segs[:0]
	if o.cur != nil {
		o.cur.Release()
		o.buf, o.cur, o.first = o.first, nil, nil
	}
	o.buf = o.buf[:0]
	o.segStart = 0
	o.msgs = 0
	o.signalSpace()
}

// Close stops accepting messages, taking the mutex itself; what is pending
// can still be taken.
func (o *Out) Close() {
	o.mu.Lock()
	o.CloseLocked()
	o.mu.Unlock()
}

// CloseLocked is Close for a caller that holds the mutex.
func (o *Out) CloseLocked() {
	o.closed = true
	o.wWait = false
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
