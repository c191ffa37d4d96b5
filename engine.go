package zmq

import (
	"math"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// An engine runs one ZMTP connection: the handshake, then a reader that
// decodes frames straight out of large reusable buffers into the pipe's
// inbound queue, and a writer goroutine that drains the pipe's outbound
// stream with one system call per batch.
//
// Its life, in serveConn (lifecycle.go): the handshake (handshake.go: the
// greeting, then the mechanism's exchange behind the mechanism interface),
// attaching the pipe to the socket, heartbeats (heartbeat.go), then the
// reader and writer until the connection ends; serveConn returns why it
// ended, as a *ProtocolError, *AuthError, *TimeoutError or network error,
// and reports it to the monitor.
//
// Who owns what:
//   - the goroutine running serveConn owns the handshake, then the reader
//     state (frameReader, under frameReader.mu, which a receiving socket's
//     inline reads also take: see frameReader.Pull);
//   - the writer goroutine owns the Batch it writes; the outbound stream
//     (pipe.Out) is guarded by the socket's mutex. On REQ and REP a
//     sender that finds the writer asleep writes its message itself,
//     without waiting (inlineWrite, pipe.Out.FlushInline): while it does,
//     it owns the writing side and the writer takes nothing, and what the
//     socket did not accept is carried over to the writer, first in line;
//   - the heartbeat's state is guarded by heartbeat.mu, its timer runs the
//     checks;
//   - a failure found off the reader (a heartbeat timeout, an inline read's
//     protocol error, the linger watchdog) is recorded in cause by fail,
//     which then closes the connection: the reader's own error is then only
//     the closed connection.
//
// Lock order: frameReader.mu, then heartbeat.mu, then Socket.mu, then the
// leaf locks (a queue's, Socket.actMu, Socket.monMu, Socket.pw.mu). Closing a connection
// waits for a read in progress, whose callback may take any of the first
// three: kill is never called with one of them held.
//
// CURVE, which encrypts, plugs in at both ends (curvedata.go): the
// outbound stream keeps messages as NULL-encoded frames, whole, and the
// writer seals a taken batch for the wire at write time (a message queued
// before its connection existed included); the reader hands each frame it
// decodes to the CURVE receiver, which opens it, before queuing what it
// carried. The NULL path only tests e.curve.
type engine struct {
	s    *Socket
	opts options // the socket's options when the connection started
	conn net.Conn
	ep   *endpoint
	p    *peerPipe
	out  *pipe.Out

	raw syscall.RawConn // for receivers' reads that must not wait; nil where unsupported
	sys syscall.RawConn // the socket, where raw access is allowed (see rawConn): the reader goroutine reads it
	rd  frameReader

	// A sender's inline write (see inlineWrite), bound once so that it
	// does not allocate.
	iw    *pipe.Batch
	iwN   int
	iwErr error
	iwFn  func(fd uintptr) bool
	// For tests: the bound on each inline write (0: none), and the
	// batches senders wrote.
	iwCap        int
	inlineWrites atomic.Int64

	zmtp2 bool // the peer speaks ZMTP 2.0: no commands
	hb    heartbeat

	// curve seals and opens the data frames of a CURVE connection (see
	// curvedata.go); nil under NULL and PLAIN. Set by the handshake.
	curve *curveCodec

	// What the ZAP handler said of the peer it accepted (see authenticate),
	// for the message properties (see newConnProps).
	zapped      bool
	userID      []byte
	zapMetadata zmtp.Metadata

	space     chan struct{} // the inbound queue has room again
	paused    atomic.Bool   // the reader waits for room in the inbound queue
	stop      chan struct{} // closed to stop the writer at once
	stopOnce  sync.Once
	lingering atomic.Bool // the socket is closing: flush, half-close, drain
	local     atomic.Bool // closed by the socket's own doing (see close)
	wdone     chan struct{}
	finTimer  *time.Timer   // closes a lingering connection the peer keeps open
	trimW     chan struct{} // the janitor found the connection idle
	writes    atomic.Uint64 // batches written: progress, for the linger watchdog

	lingerOnce sync.Once
	stallMu    sync.Mutex // guards stall and stallDone
	stall      *time.Timer
	stallDone  bool

	// cause is why the connection was failed from outside the reader (a
	// heartbeat timeout, a protocol error an inline read found): the
	// reader's own error is then only the closed connection.
	cause atomic.Pointer[error]
}

func newEngine(s *Socket, conn net.Conn, ep *endpoint) *engine {
	e := &engine{s: s, conn: conn, ep: ep, space: make(chan struct{}, 1), stop: make(chan struct{}), wdone: make(chan struct{}), trimW: make(chan struct{}, 1)}
	e.rd.e = e
	e.rd.wake = make(chan struct{}, 1)
	e.iwCap = int(inlineWriteCap.Load())
	return e
}

// Bodies from this size on are read into a buffer of their own instead of
// being staged through the shared receive chunk.
const largeBody = 8 << 10

// Bodies up to this size get their whole buffer at once; larger claims are
// only believed as the bytes arrive.
const trustedBody = 256 << 10

// finWait bounds how long a closing connection waits for the peer to close
// after everything was written and the write side shut down.
const finWait = 2 * time.Second

// lingerStall is how long a closing socket waits on a peer that shows no
// sign of life: a lingering connection that writes and reads nothing for
// that long is closed, and a connected endpoint whose peer cannot be reached
// for that long is given up, their queued messages dropped. A peer that
// froze or vanished without a word cannot hold Close forever, whatever the
// Linger. Atomic for the tests, which shorten it while connections of
// earlier tests may still linger.
func lingerStall() time.Duration { return time.Duration(lingerStallNanos.Load()) }

var lingerStallNanos = func() *atomic.Int64 {
	var d atomic.Int64
	d.Store(int64(30 * time.Second))
	return &d
}()

// startLinger makes the engine flush and close (see writeLoop), and starts
// the watchdog that fails it if it makes no progress for lingerStall. The
// caller holds the socket's mutex or owns the engine.
func (e *engine) startLinger() {
	e.lingering.Store(true)
	e.lingerOnce.Do(func() {
		e.stallMu.Lock()
		defer e.stallMu.Unlock()
		if e.stallDone {
			return
		}
		w, r := e.writes.Load(), e.rd.reads.Load()
		e.stall = time.AfterFunc(lingerStall(), func() { e.checkStall(&w, &r) })
	})
}

// checkStall fails a lingering connection that wrote and read nothing since
// the last check (w and r), and checks again later otherwise.
func (e *engine) checkStall(w, r *uint64) {
	nw, nr := e.writes.Load(), e.rd.reads.Load()
	if nw == *w && nr == *r {
		e.fail(&TimeoutError{Op: "linger", After: lingerStall()})
		return
	}
	*w, *r = nw, nr
	e.stallMu.Lock()
	defer e.stallMu.Unlock()
	if !e.stallDone {
		e.stall.Reset(lingerStall())
	}
}

// stopLinger stops the watchdog when the connection has ended.
func (e *engine) stopLinger() {
	e.stallMu.Lock()
	defer e.stallMu.Unlock()
	e.stallDone = true
	if e.stall != nil {
		e.stall.Stop()
	}
}

// fail closes the connection for cause. The first cause is the one
// reported (see reason).
func (e *engine) fail(cause error) {
	e.cause.CompareAndSwap(nil, &cause)
	e.kill()
}

// reason returns why the connection ended: the cause given to fail, if
// any, or the error the reader ended with.
func (e *engine) reason(readErr error) error {
	if c := e.cause.Load(); c != nil {
		return *c
	}
	return readErr
}

// stopWriter stops the writer goroutine without flushing.
func (e *engine) stopWriter() { e.stopOnce.Do(func() { close(e.stop) }) }

// writeLoop drains the outbound stream until the engine stops. When the
// socket is closing it flushes everything and half-closes the connection.
func (e *engine) writeLoop() {
	defer close(e.wdone)
	var b pipe.Batch
	var bufs net.Buffers // WriteTo consumes it; b.Bufs keeps the batch for Done
	for {
		if !e.out.Take(&b) {
			if e.lingering.Load() && !e.out.InlineBusy() {
				closeWrite(e.conn)
				// The reader ends when the peer closes its side, or
				// when finWait has passed.
				e.finTimer = time.AfterFunc(finWait, e.kill)
				return
			}
			select {
			case <-e.out.Wake():
				continue
			case <-e.trimW:
				// Idle for a while (see Socket.janitor): give back what
				// a burst grew.
				b.Trim()
				if e.curve != nil {
					e.out.UnlessInline(e.curve.send.trim)
				}
				continue
			case <-e.stop:
				return
			}
		}
		var err error
		if e.curve != nil && !b.Sealed {
			err = e.curve.send.write(e.conn, b.Bufs)
		} else {
			bufs = b.Bufs
			_, err = bufs.WriteTo(e.conn)
		}
		b.Done()
		if err != nil {
			e.conn.Close()
			return
		}
		e.writes.Add(1)
	}
}

// inlineWrite writes a batch from a sender's goroutine without waiting
// (see pipe.Out.FlushInline), which owns the writing side meanwhile. It
// reports whether the batch went whole; if not, the rest is left in it
// for the writer goroutine. A failed write closes the connection, as the
// writer's does, and the batch is dropped with it.
func (e *engine) inlineWrite(b *pipe.Batch) bool {
	if e.iwFn == nil {
		e.iwFn = e.writeNow
	}
	e.iw, e.iwN, e.iwErr = b, 0, nil
	if err := e.sys.Write(e.iwFn); err != nil && e.iwErr == nil {
		e.iwErr = err
	}
	e.iw = nil
	if e.iwErr != nil {
		b.Done()
		e.conn.Close()
		return true
	}
	e.writes.Add(1)
	if len(b.Bufs) == 0 {
		b.Done()
		return true
	}
	return false
}

// inlineSeal is inlineWrite for CURVE: it seals the batch on the
// sender's goroutine, then writes it as inlineWrite does; the writer gets
// what the socket does not take, sealed. A batch beyond maxInlineSeal
// goes to the writer whole, to be sealed there. The sealer's state is the
// writing side's, which the sender owns meanwhile.
func (e *engine) inlineSeal(b *pipe.Batch) bool {
	n := 0
	for _, buf := range b.Bufs {
		n += len(buf)
	}
	if n > maxInlineSeal {
		return false
	}
	r := frameCursor{bufs: b.Bufs}
	wire, err := e.curve.send.seal(&r, math.MaxInt)
	b.Done()
	if err != nil {
		e.conn.Close()
		return true
	}
	b.Bufs = append(b.Bufs, wire)
	b.Sealed = true
	return e.inlineWrite(b)
}

// maxInlineSeal bounds the batch a sender seals itself: a REQ or REP
// message, not a burst.
const maxInlineSeal = 64 << 10

// inlineWriteCap, when above zero, bounds each write of a sender on the
// connections made afterwards, as a socket with little room would: for
// tests (see engine.iwCap).
var inlineWriteCap atomic.Int64

// writeNow writes what the socket takes at once of e.iw, in order.
func (e *engine) writeNow(fd uintptr) bool {
	b := e.iw
	e.inlineWrites.Add(1)
	for len(b.Bufs) > 0 {
		buf := b.Bufs[0]
		if e.iwCap > 0 && len(buf) > e.iwCap {
			buf = buf[:e.iwCap]
		}
		first := len(b.Bufs[0])
		n, again, err := writeFD(fd, buf)
		if err != nil {
			e.iwErr = err
			break
		}
		if again {
			break
		}
		b.Advance(n)
		if n < first {
			break // the socket's buffer is full
		}
	}
	return true
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}
