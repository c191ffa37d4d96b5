package pipe

import (
	"net"
	"sync"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// Out is an outbound byte stream: a socket encodes whole messages into it
// under a short lock, and one connection writer swaps out everything pending
// at once and writes it with a single (vectored) system call.
//
// Large bodies are not copied: they are queued by reference beside the
// encoded headers. The high-water mark counts messages not yet taken by the
// writer.
type Out struct {
	mu       sync.Mutex
	buf      []byte // encoded bytes; those before segStart are in segs
	segStart int
	segs     net.Buffers // completed segments, in order
	refs     []*Chunk    // buffers to release once the taken batch is written
	msgs     int
	hwm      int
	closed   bool
	conflate bool
	wWait    bool          // a sender found the stream full
	idle     bool          // the writer waits for data
	wake     chan struct{} // wakes the writer
	onSpace  func()
}

// RefThreshold is the body size from which frames are queued by reference.
const RefThreshold = 32 << 10

// NewOut returns a stream holding at most hwm messages (0: no limit).
// onSpace is called without locks when a sender that found the stream full
// may try again.
func NewOut(hwm int, onSpace func()) *Out {
	return &Out{hwm: hwm, wake: make(chan struct{}, 1), onSpace: onSpace}
}

// SetHWM changes the high-water mark.
func (o *Out) SetHWM(hwm int) {
	o.mu.Lock()
	o.hwm = hwm
	o.unlockAndSignalSpace()
}

// Wake returns the channel the writer waits on.
func (o *Out) Wake() <-chan struct{} { return o.wake }

func (o *Out) fullLocked() bool { return !o.conflate && o.hwm > 0 && o.msgs >= o.hwm }

// SetConflate makes the stream keep only the newest message not yet taken
// by the writer (ZMQ_CONFLATE).
func (o *Out) SetConflate(on bool) {
	o.mu.Lock()
	o.conflate = on
	o.mu.Unlock()
}

// Full reports whether the stream is at its high-water mark; on true the
// sender is notified through onSpace later.
func (o *Out) Full() bool {
	o.mu.Lock()
	full := o.fullLocked()
	if full {
		o.wWait = true
	}
	o.mu.Unlock()
	return full
}

// PushMsg encodes one message as ZMTP frames unless the stream is full or
// closed, and reports whether it did. On success the stream owns the frames:
// small ones are copied at once (and their chunks, if any, released), large
// ones are queued by reference and released after they are written. chunks
// is nil or parallel to frames. On false the caller still owns everything.
func (o *Out) PushMsg(frames [][]byte, chunks []*Chunk) bool {
	o.mu.Lock()
	if o.closed || o.fullLocked() {
		o.wWait = !o.closed
		o.mu.Unlock()
		return false
	}
	if o.conflate && o.msgs > 0 {
		o.resetLocked()
	}
	last := len(frames) - 1
	for i, f := range frames {
		var flags byte
		if i < last {
			flags = zmtp.FlagMore
		}
		o.buf = zmtp.AppendFrameHeader(o.buf, flags, uint64(len(f)))
		var c *Chunk
		if chunks != nil {
			c = chunks[i]
		}
		if len(f) >= RefThreshold {
			o.ref(f, c)
			continue
		}
		o.buf = append(o.buf, f...)
		if c != nil {
			c.Release()
		}
	}
	o.msgs++
	o.unlockAndWakeWriter()
	return true
}

// PushCommand queues an encoded command frame. Commands are never held back
// by the high-water mark and do not count as messages.
func (o *Out) PushCommand(frame []byte) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	o.buf = append(o.buf, frame...)
	o.unlockAndWakeWriter()
	return true
}

func (o *Out) unlockAndWakeWriter() {
	wake := o.idle
	o.idle = false
	o.mu.Unlock()
	if wake {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// ref queues body by reference after the bytes encoded so far; o.mu is held.
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
}

// Take moves everything pending into b, which must have been emptied by
// [Batch.Done]. It reports false, with b empty, when nothing is pending;
// the writer then waits on [Out.Wake].
func (o *Out) Take(b *Batch) bool {
	o.mu.Lock()
	if len(o.buf) == 0 && len(o.segs) == 0 {
		o.idle = true
		o.mu.Unlock()
		return false
	}
	b.Bufs = append(b.Bufs, o.segs...)
	if len(o.buf) > o.segStart {
		b.Bufs = append(b.Bufs, o.buf[o.segStart:])
	}
	o.segStart = 0
	b.refs = append(b.refs, o.refs...)
	// Hand the writer's spare buffer to the senders.
	var spare []byte
	if n := len(b.own); n > 0 {
		spare = b.own[n-1][:0]
		b.own = b.own[:n-1]
	}
	b.own = append(b.own, o.buf[:0:cap(o.buf)])
	o.buf = spare
	clear(o.segs)
	o.segs = o.segs[:0]
	clear(o.refs)
	o.refs = o.refs[:0]
	o.msgs = 0
	o.unlockAndSignalSpace()
	return true
}

func (o *Out) unlockAndSignalSpace() {
	wake := o.wWait && !o.fullLocked()
	if wake {
		o.wWait = false
	}
	cb := o.onSpace
	o.mu.Unlock()
	if wake && cb != nil {
		cb()
	}
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
	if len(b.own) > 2 {
		b.own = b.own[:2]
	}
}

// Pending reports whether anything waits to be written.
func (o *Out) Pending() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf) > 0 || len(o.segs) > 0
}

// Reset drops everything pending (the libzmq "hiccup" of a subscriber's
// outbound pipe on reconnect).
func (o *Out) Reset() {
	o.mu.Lock()
	o.resetLocked()
	o.unlockAndSignalSpace()
}

func (o *Out) resetLocked() {
	for _, c := range o.refs {
		c.Release()
	}
	clear(o.refs)
	o.refs = o.refs[:0]
	clear(o.segs)
	o.segs = o.segs[:0]
	o.buf = o.buf[:0]
	o.segStart = 0
	o.msgs = 0
}

// Close stops accepting messages; what is pending can still be taken.
func (o *Out) Close() {
	o.mu.Lock()
	o.closed = true
	o.wWait = false
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// PushRaw queues raw bytes (a STREAM socket's data) as one message.
func (o *Out) PushRaw(data []byte) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	o.buf = append(o.buf, data...)
	o.msgs++
	o.unlockAndWakeWriter()
	return true
}
