package zmq

import (
	"errors"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// frameReader decodes one connection's byte stream, straight out of large
// reusable chunks, into whole messages on its pipe's inbound queue. Bodies
// of largeBody bytes or more are read into buffers of their own instead.
//
// The engine's reader goroutine drives it. Where the platform gives raw
// access to the socket, a receiving socket drives it as well: before a
// receive waits, it takes what the kernel already holds with one
// non-blocking read (see [frameReader.Pull]). A receiver that keeps up
// with a stream then reads it itself, without a hand-off between two
// goroutines for every batch. mu serializes the two drivers.
type frameReader struct {
	e *engine

	mu         sync.Mutex
	c          *pipe.Chunk  // the chunk being filled; nil when done or idle (see trim)
	done       bool         // the reader goroutine has ended
	start, end int          // undecoded bytes are c.Buf[start:end]
	limit      int          // how far the next read into c may fill
	batch      []pipe.Frame // whole messages, then the frames of a partial one
	msgs       int          // whole messages in batch
	partial    int          // where the partial message starts in batch
	failed     error        // a protocol error an inline read found
	ended      error        // the stream ended with bytes still to decode (see readBlocking)
	dry        int          // inline reads in a row that found nothing
	skip       int          // inline reads skipped since the last one tried

	// The raw reads' results, and the functions bound to them once so
	// that a read does not allocate.
	n      int
	err    error
	held   bool
	waitFn func(fd uintptr) bool
	nowFn  func(fd uintptr)

	// A large body being read into its own buffer.
	large      *pipe.Chunk
	largeHave  int
	largeSize  uint64
	largeFlags byte

	// While a receiver reads the connection itself, the reader goroutine
	// stands by instead of waking for every arrival: until the receiver
	// finds the socket empty (wake), or has not read for standbyWindow.
	lastPull atomic.Int64 // monotonic time of the last inline read that queued messages
	wake     chan struct{}

	// For receives that wait in poll(2) (see pollwait.go): the socket's
	// descriptor plus one (0: not known yet), and whether the connection
	// ended or failed, so that polling it would only spin.
	fd     atomic.Int64
	noPoll atomic.Bool

	// reads counts the reads that returned bytes, by either driver: the
	// heartbeat's sign of life, and how trim knows a connection is idle.
	reads     atomic.Uint64
	trimReads uint64 // reads at the last trim; guarded by mu
}

// After n inline reads in a row found nothing, only one receive in
// 2^min(n, maxDryShift) that finds its socket empty reads again.
const maxDryShift = 6

// standbyWindow is how long the reader goroutine leaves a connection to a
// receiver that reads it itself. Beyond it, the goroutine watches the
// connection again: it keeps reading ahead up to the high-water mark,
// answering PINGs and noticing the end of the stream while the
// application does not receive.
const standbyWindow = time.Millisecond

var monoBase = time.Now()

func monotime() int64 { return int64(time.Since(monoBase)) }

// readLoop runs the reader goroutine's side until the connection fails.
func (e *engine) readLoop() error {
	r := &e.rd
	defer r.finish()
	var standby *time.Timer
	for {
		if err := e.waitRoom(); err != nil {
			return err
		}
		if idle := monotime() - r.lastPull.Load(); e.raw != nil && idle < int64(standbyWindow) && !e.lingering.Load() {
			if standby == nil {
				standby = time.NewTimer(standbyWindow - time.Duration(idle))
				defer standby.Stop()
			} else {
				standby.Reset(standbyWindow - time.Duration(idle))
			}
			select {
			case <-r.wake: // the receiver found nothing: watch the connection
			case <-standby.C:
				continue
			case <-e.space: // lingering, or room
				continue
			case <-e.stop:
				return net.ErrClosed
			}
		}
		if err := r.readBlocking(); err != nil {
			return err
		}
	}
}

// waitRoom waits while the pipe's inbound queue is full, unless the
// connection is closing.
func (e *engine) waitRoom() error {
	for !e.lingering.Load() && e.p.in.Full() {
		e.paused.Store(true)
		select {
		case <-e.space:
		case <-e.stop:
			e.paused.Store(false)
			return net.ErrClosed
		}
		e.paused.Store(false)
	}
	return nil
}

// readBlocking waits for bytes, reads them and queues the whole messages
// among them.
func (r *frameReader) readBlocking() error {
	if queued, err := r.backlog(); queued || err != nil {
		return err
	}
	n, err := r.fill()
	defer r.mu.Unlock()
	if r.failed != nil {
		return r.failed
	}
	if n == 0 && err != nil {
		if r.start < r.end {
			// The stream ended behind messages the high-water mark
			// held back (a receive that read inline may have filled
			// the queue since waitRoom looked): they are delivered
			// first, as room is made, and the end reported after.
			r.ended = err
			r.noPoll.Store(true)
			return nil
		}
		return err
	}
	_, derr := r.advance(n)
	return derr
}

// backlog decodes bytes left over when the queue was full, and reports
// whether that queued anything; once the stream has ended, the end is
// reported when nothing more can be queued.
func (r *frameReader) backlog() (queued bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed != nil {
		return false, r.failed
	}
	if r.large != nil || r.start == r.end {
		return false, r.ended
	}
	n, err := r.decode()
	if n == 0 && err == nil {
		err = r.ended
	}
	return n > 0, err
}

// fill reads once, waiting for bytes, and returns with mu held.
func (r *frameReader) fill() (n int, err error) {
	raw := r.e.sys
	if raw == nil {
		// No raw access, so nobody reads inline: mu may be held while
		// the read blocks. trim gives way to it, so such a connection
		// keeps its chunk while idle.
		r.mu.Lock()
		return r.e.conn.Read(r.target())
	}
	r.held = false
	if r.waitFn == nil {
		r.waitFn = r.readWaiting
	}
	rerr := raw.Read(r.waitFn)
	if !r.held {
		r.mu.Lock()
		return 0, rerr
	}
	return r.n, r.err
}

// readWaiting is the reader goroutine's raw read: it reports false, to wait
// for the socket to become readable, when nothing is there. Otherwise it
// returns with mu held and the result in n and err. The wait holds neither
// mu nor, once trimmed, a chunk.
func (r *frameReader) readWaiting(fd uintptr) bool {
	r.mu.Lock()
	if r.trimmed() && !readable(fd) {
		r.mu.Unlock()
		return false
	}
	var again bool
	r.n, again, r.err = readFD(fd, r.target())
	if again {
		r.mu.Unlock()
		return false
	}
	r.held = true
	return true
}

// readNow is the receiver's raw read, which does not wait.
func (r *frameReader) readNow(fd uintptr) {
	if r.trimmed() && !readable(fd) {
		return
	}
	r.n, _, r.err = readFD(fd, r.target())
}

// trimmed reports whether the connection gave its chunk back (see trim),
// or has not taken one yet: a read then first checks, without a buffer,
// that there is something to read, rather than take a chunk only to find
// nothing. Reads on a busy connection, which holds its chunk, skip the
// check. mu is held.
func (r *frameReader) trimmed() bool { return r.c == nil && r.large == nil }

// Pull reads what the kernel already holds, without waiting, and reports
// whether whole messages were queued. It gives way when the reader
// goroutine is busy; the end of the stream and errors are left for that
// goroutine to find. The caller holds no socket lock.
func (r *frameReader) Pull() bool { return r.pull(false, false) == pullGot }

// pullResult is what a pull found.
type pullResult int

const (
	pullGot       pullResult = iota // whole messages, queued
	pullEmpty                       // nothing in the socket (or not read: the back-off)
	pullBusy                        // the reader goroutine has the connection in hand, or it ended
	pullContended                   // the reader goroutine was reading: it queues what it read
)

// pull is Pull for a receive that may wait in poll(2) next. quiet leaves
// the reader goroutine standing by when the socket holds nothing (the
// receive watches the socket itself); force skips the back-off of reads
// that found nothing (poll(2) said something is there).
func (r *frameReader) pull(quiet, force bool) pullResult {
	if !r.mu.TryLock() {
		return pullContended
	}
	got := r.pullLocked(quiet, force)
	failed := r.failed
	r.mu.Unlock()
	if failed != nil {
		// The reader goroutine stops, and the connection reports it.
		// Not under mu: closing waits for the reader goroutine's read.
		r.e.fail(failed)
	}
	return got
}

// pullLocked is pull with mu held.
func (r *frameReader) pullLocked(quiet, force bool) pullResult {
	e := r.e
	if r.done || r.failed != nil || r.ended != nil || e.lingering.Load() {
		r.noPoll.Store(true)
		return pullBusy
	}
	if r.large != nil {
		// The reader goroutine finishes a large body: a receive would
		// only take turns with it for pieces of one message.
		signal(r.wake)
		return pullBusy
	}
	var msgs int
	var derr error
	if r.start < r.end {
		// Whole messages the high-water mark held back come first.
		msgs, derr = r.decode()
	}
	if msgs == 0 && derr == nil {
		if r.dry > 0 && !force {
			// Reads that found nothing back off: a receiver that waits
			// for each reply (REQ, REP) would pay a failed system call
			// per message.
			if r.skip++; r.skip < 1<<min(r.dry, maxDryShift) {
				if !quiet {
					signal(r.wake)
				}
				return pullEmpty
			}
			r.skip = 0
		}
		if r.nowFn == nil {
			r.nowFn = r.readNow
		}
		r.n, r.err = 0, nil
		cerr := e.raw.Control(r.nowFn)
		n, err := r.n, r.err
		if cerr != nil || n == 0 || err != nil {
			// Nothing there (or the end, or an error): the reader
			// goroutine takes over, and wakes the receiver when bytes
			// arrive; a quiet receive watches the socket itself.
			r.dry++
			if cerr != nil || err != nil {
				r.noPoll.Store(true)
				signal(r.wake)
				return pullBusy
			}
			if !quiet {
				signal(r.wake)
			}
			return pullEmpty
		}
		if !force {
			// A read after poll(2) said bytes are there says nothing of
			// whether the next receive will find some: only a read on
			// the chance ends the back-off. So a receive that waits for
			// each reply goes straight to poll(2) most of the time.
			r.dry = 0
		}
		msgs, derr = r.advance(n)
	}
	if derr != nil {
		r.failed = derr
		return pullBusy
	}
	if msgs == 0 {
		// Part of a message: the receiver waits for the rest, and the
		// reader goroutine reads it.
		signal(r.wake)
		return pullBusy
	}
	r.lastPull.Store(monotime())
	return pullGot
}

// target returns where the next read goes: the rest of a large body, or
// the chunk. mu is held.
func (r *frameReader) target() []byte {
	if lg := r.large; lg != nil {
		if r.largeHave == len(lg.Buf) {
			// Claims beyond trustedBody are believed only as the bytes
			// arrive: grow fourfold at a time.
			nb := pipe.GetChunk(int(min(r.largeSize, 4*uint64(r.largeHave))))
			copy(nb.Buf, lg.Buf[:r.largeHave])
			lg.Release()
			r.large = nb
		}
		return r.large.Buf[r.largeHave:]
	}
	if r.c == nil {
		// Given back while idle: take a chunk again.
		r.c = pipe.GetChunk(pipe.ChunkSize)
		r.start, r.end, r.limit = 0, 0, len(r.c.Buf)
	}
	if r.end == len(r.c.Buf) {
		// Full: move the undecoded tail into a fresh chunk.
		nc := pipe.GetChunk(pipe.ChunkSize)
		r.end = copy(nc.Buf, r.c.Buf[r.start:r.end])
		r.start = 0
		r.c.Release()
		r.c = nc
		r.limit = len(nc.Buf)
	}
	return r.c.Buf[r.end:r.limit]
}

// advance takes n bytes read into the target, then decodes and queues
// what became whole. mu is held.
func (r *frameReader) advance(n int) (int, error) {
	if n > 0 {
		r.reads.Add(1)
	}
	if lg := r.large; lg != nil {
		r.largeHave += n
		if uint64(r.largeHave) < r.largeSize {
			return 0, nil
		}
		r.large = nil
		// Keep the next body out of the chunk: read little until its
		// header shows whether it is large too.
		r.limit = min(len(r.c.Buf), r.end+4096)
		body := lg.Buf[:r.largeSize]
		if r.e.curve != nil {
			err := r.openCurve(body)
			lg.Release()
			if err != nil {
				return 0, err
			}
		} else if r.largeFlags&zmtp.FlagCommand != 0 {
			err := r.command(body)
			lg.Release()
			if err != nil {
				return 0, err
			}
		} else {
			r.add(pipe.MakeFrame(body, r.largeFlags&zmtp.FlagMore, lg))
		}
	} else {
		r.end += n
		r.limit = len(r.c.Buf)
	}
	return r.decode()
}

// add appends a data frame to the batch.
func (r *frameReader) add(f pipe.Frame) {
	r.batch = append(r.batch, f)
	if !f.More() {
		r.msgs++
		r.partial = len(r.batch)
	}
}

// finish releases the reader's buffers when its goroutine ends.
func (r *frameReader) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.batch {
		f.Release()
	}
	clear(r.batch)
	r.batch, r.msgs, r.partial = r.batch[:0], 0, 0
	if r.large != nil {
		r.large.Release()
		r.large = nil
	}
	if r.c != nil {
		r.c.Release()
		r.c = nil
	}
	if cc := r.e.curve; cc != nil {
		cc.recv.release()
	}
	r.done = true
}

// trim gives back the receive chunk of a connection that has read nothing
// since the last trim, when nothing is left in it to decode, so that idle
// connections hold no receive buffer: the next read takes one again. It
// gives way if a read is in progress.
func (r *frameReader) trim() (idle bool) {
	if !r.mu.TryLock() {
		return false
	}
	defer r.mu.Unlock()
	reads := r.reads.Load()
	idle = reads == r.trimReads
	r.trimReads = reads
	if !idle || r.done || r.c == nil || r.large != nil || r.start != r.end || len(r.batch) > 0 {
		return idle
	}
	r.c.Release()
	r.c = nil
	if cc := r.e.curve; cc != nil {
		cc.recv.release()
	}
	return true
}

// decode turns the bytes in the chunk into frames and queues the whole
// messages; it returns how many it queued. It stops when the queue has no
// more room, leaving the rest of the bytes for later, as libzmq's decoder
// stops at the high-water mark. A large body that has not fully arrived
// continues in a buffer of its own. mu is held.
func (r *frameReader) decode() (int, error) {
	e := r.e
	maxSize := e.opts.maxMsgSize
	c := r.c
	room := e.p.in.Room()
	refs := int32(0)
	// queue retains the decoded frames' chunk references, then queues the
	// whole messages: also those before a protocol error, as libzmq has
	// delivered them by then.
	queue := func() int {
		c.Retain(refs)
		refs = 0
		return r.push()
	}
	for r.msgs < room || r.partial != len(r.batch) {
		buf := c.Buf[r.start:r.end]
		flags, size, hn, err := zmtp.ParseFrameHeader(buf)
		if err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return queue(), protocolErr(ProtocolMalformedCommand, err)
		}
		if maxSize >= 0 && size > uint64(maxSize) || size > maxFrame {
			return queue(), protocolErr(ProtocolUnspecified, ErrMsgTooLarge)
		}
		if have := uint64(len(buf) - hn); have < size {
			if size < largeBody {
				break
			}
			r.large = pipe.GetChunk(int(min(size, max(trustedBody, 4*have))))
			r.largeHave = copy(r.large.Buf, buf[hn:])
			r.largeSize, r.largeFlags = size, flags
			r.start = r.end
			break
		}
		body := buf[hn : hn+int(size)]
		r.start += hn + int(size)
		if e.curve != nil {
			if err := r.openCurve(body); err != nil {
				return queue(), err
			}
			continue
		}
		if flags&zmtp.FlagCommand != 0 {
			if err := r.command(body); err != nil {
				return queue(), err
			}
			continue
		}
		r.add(pipe.MakeFrame(body, flags&zmtp.FlagMore, c))
		refs++
	}
	return queue(), nil
}

// maxFrame is the largest frame body a connection takes whatever
// MaxMsgSize says: no Go slice can hold more (a 64-bit Go heap spans at
// most 2^48 bytes; an int on a 32-bit platform stops at 2^31-1). A larger
// claim can never be received, so it is refused at its header rather than
// believed as its bytes arrive; libzmq closes the connection when it fails
// to allocate such a frame.
const maxFrame = min(math.MaxInt, 1<<48-1)

// push queues the whole messages of the batch and keeps the partial one.
func (r *frameReader) push() int {
	msgs := r.msgs
	if msgs == 0 {
		return 0
	}
	whole := r.batch[:r.partial]
	if r.e.lingering.Load() || !r.e.p.in.PushBatch(whole, msgs) {
		// Closing: what arrives now is dropped.
		for _, f := range whole {
			f.Release()
		}
	}
	rest := copy(r.batch, r.batch[r.partial:])
	clear(r.batch[rest:])
	r.batch = r.batch[:rest]
	r.msgs, r.partial = 0, 0
	return msgs
}

// openCurve opens a CURVE connection's MESSAGE frame (every frame of its
// data phase is one) and handles the frame it carries. mu is held.
func (r *frameReader) openCurve(body []byte) error {
	flags, payload, c, err := r.e.curve.recv.open(body)
	if err != nil {
		return err
	}
	if flags&zmtp.CurveFlagCommand != 0 {
		err := r.command(payload)
		c.Release()
		return err
	}
	var more byte
	if flags&zmtp.CurveFlagMore != 0 {
		more = zmtp.FlagMore
	}
	r.add(pipe.MakeFrame(payload, more, c))
	return nil
}

// command handles a command frame in the data phase. mu is held.
func (r *frameReader) command(body []byte) error {
	name, data, err := zmtp.ParseCommand(body)
	if err != nil {
		return protocolErr(ProtocolMalformedCommand, err)
	}
	switch name {
	case zmtp.CmdPing:
		ttl, ctx, err := zmtp.ParsePing(data)
		if err != nil {
			return protocolErr(ProtocolMalformedCommand, err)
		}
		r.e.out.PushCommand(zmtp.AppendPong(nil, ctx))
		if ttl > 0 {
			r.e.hb.pinged(time.Duration(ttl)*100*time.Millisecond, r.reads.Load())
		}
	case zmtp.CmdSubscribe, zmtp.CmdCancel:
		if t := r.e.s.typ; t != Pub && t != XPub {
			// Only publishers take subscriptions: to any other socket
			// they mean nothing, like an unknown command. (libzmq's
			// session queues them for the socket whatever its type.)
			return nil
		}
		if r.partial != len(r.batch) {
			return protocolErr(ProtocolUnexpectedCommand, errors.New("subscription inside a multipart message"))
		}
		b := make([]byte, 1+len(data))
		if name == zmtp.CmdSubscribe {
			b[0] = 1
		}
		copy(b[1:], data)
		r.batch = append(r.batch, pipe.MakeFrame(b, 0, nil))
		r.msgs++
		r.partial = len(r.batch)
	case zmtp.CmdError:
		return peerError(data)
	}
	return nil
}

// pollFD returns the connection's socket for a receive to poll, or -1 if
// it should not: the connection lingers, ended or failed.
func (r *frameReader) pollFD() int {
	if r.e.raw == nil || r.noPoll.Load() || r.e.lingering.Load() {
		return -1
	}
	if v := r.fd.Load(); v != 0 {
		return int(v - 1)
	}
	fd := -1
	if r.e.raw.Control(func(v uintptr) { fd = int(v) }) != nil || fd < 0 {
		return -1
	}
	r.fd.Store(int64(fd) + 1)
	return fd
}

// wakeReader wakes the reader goroutine from standing by.
func (r *frameReader) wakeReader() { signal(r.wake) }
