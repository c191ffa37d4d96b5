package zmq

import (
	"encoding/binary"
	"errors"
	"net"

	"golang.org/x/crypto/nacl/box"

	"github.com/zmq-go/zmq/internal/pipe"
	"github.com/zmq-go/zmq/internal/zmtp"
)

// CURVE's data phase: every ZMTP frame travels sealed in a MESSAGE command,
// its flags (MORE, and COMMAND for PING, PONG, SUBSCRIBE...) in the box's
// first byte, under a nonce that counts up in each direction.
//
// The engine keeps the NULL path as it is: the outbound stream holds
// NULL-encoded frames, which the writer seals at write time (curveSender),
// and the reader hands each frame it decodes to curveReceiver, which opens
// it into a buffer of its own and queues the frame it carried. The two
// halves share only the key, which does not change after the handshake:
// the sender belongs to the writer goroutine, the receiver to whoever holds
// frameReader.mu.

// curveCodec is a connection's data-phase state, made by the handshake.
type curveCodec struct {
	send curveSender
	recv curveReceiver
}

func newCurveCodec(sendPrefix, recvPrefix string) *curveCodec {
	cc := &curveCodec{}
	copy(cc.send.nonce[:], sendPrefix)
	cc.recv.prefix = recvPrefix
	return cc
}

// start sets the nonces once the handshake is done: next is our first
// MESSAGE's, last the last the peer used in the handshake.
func (cc *curveCodec) start(next, last uint64) {
	cc.send.next = next
	cc.recv.key = cc.send.key
	cc.recv.last = last
}

// curveFlags maps a ZMTP frame's flags to a MESSAGE's flags byte.
func curveFlags(f byte) byte {
	var b byte
	if f&zmtp.FlagMore != 0 {
		b |= zmtp.CurveFlagMore
	}
	if f&zmtp.FlagCommand != 0 {
		b |= zmtp.CurveFlagCommand
	}
	return b
}

// maxSealed is how much the sender seals before writing: a batch of many
// large messages is written in pieces rather than sealed whole first.
const maxSealed = 256 << 10

// curveSender seals the NULL-encoded frames of taken batches.
type curveSender struct {
	key   [32]byte
	nonce [24]byte // the prefix, then the counter of the next MESSAGE
	next  uint64

	// Reused buffers: the frame being sealed (its flags byte, then its
	// body), and the sealed frames to write.
	plain []byte
	wire  []byte
}

// write seals the frames in bufs, a whole number of NULL-encoded frames,
// and writes them to conn, maxSealed bytes at a time.
func (s *curveSender) write(conn net.Conn, bufs net.Buffers) error {
	r := frameCursor{bufs: bufs}
	for !r.empty() {
		out, err := s.seal(&r, maxSealed)
		if err != nil {
			return err
		}
		if _, err := conn.Write(out); err != nil {
			return err
		}
	}
	return nil
}

// seal seals frames from r into the sender's wire buffer until r is empty
// or at least limit bytes are sealed, and returns them. They stay valid
// until the next seal.
func (s *curveSender) seal(r *frameCursor, limit int) ([]byte, error) {
	out := s.wire[:0]
	for !r.empty() && len(out) < limit {
		var h [9]byte
		r.read(h[:1])
		n := 2
		if h[0]&zmtp.FlagLong != 0 {
			n = 9
		}
		ok := r.read(h[1:n])
		_, size, _, err := zmtp.ParseFrameHeader(h[:n])
		s.plain = append(s.plain[:0], curveFlags(h[0]))
		if ok && err == nil {
			s.plain, ok = r.appendN(s.plain, size)
		}
		if !ok || err != nil {
			// Our own encoder wrote whole frames: this cannot happen,
			// and must not send anything unsealed if it does.
			return nil, errCurveStream
		}
		binary.BigEndian.PutUint64(s.nonce[16:], s.next)
		out = zmtp.AppendFrameHeader(out, 0, uint64(16+box.Overhead+len(s.plain)))
		out = append(out, "\x07MESSAGE"...)
		out = append(out, s.nonce[16:]...)
		out = box.SealAfterPrecomputation(out, s.plain, &s.nonce, &s.key)
		s.next++
	}
	s.wire = out[:0]
	return out, nil
}

// trim drops buffers a burst grew, for an idle writer.
func (s *curveSender) trim() {
	if cap(s.plain) > maxIdleSealed {
		s.plain = nil
	}
	if cap(s.wire) > maxIdleSealed {
		s.wire = nil
	}
}

// maxIdleSealed is the largest buffer an idle sender keeps.
const maxIdleSealed = 16 << 10

// frameCursor reads a sequence of buffers as one stream.
type frameCursor struct {
	bufs net.Buffers
	i    int // the buffer being read
	off  int // in it
}

func (c *frameCursor) empty() bool {
	for c.i < len(c.bufs) && c.off == len(c.bufs[c.i]) {
		c.i++
		c.off = 0
	}
	return c.i == len(c.bufs)
}

// read fills p, and reports false if the stream ends first.
func (c *frameCursor) read(p []byte) bool {
	for len(p) > 0 {
		if c.empty() {
			return false
		}
		k := copy(p, c.bufs[c.i][c.off:])
		c.off += k
		p = p[k:]
	}
	return true
}

// appendN appends the next n bytes to b, and reports false if the stream
// ends first.
func (c *frameCursor) appendN(b []byte, n uint64) ([]byte, bool) {
	for n > 0 {
		if c.empty() {
			return b, false
		}
		chunk := c.bufs[c.i][c.off:]
		k := int(min(n, uint64(len(chunk))))
		b = append(b, chunk[:k]...)
		c.off += k
		n -= uint64(k)
	}
	return b, true
}

// errCurveStream is why a CURVE connection closes if the outbound stream
// ever held a partial frame.
var errCurveStream = errors.New("zmq: CURVE sender found a partial frame in the outbound stream")

// Plain text from this size on is opened into a buffer of its own rather
// than into the shared one.
const curveOwnBuffer = 8 << 10

// curveReceiver opens the MESSAGE frames the reader decodes.
type curveReceiver struct {
	key    [32]byte
	prefix string // of the peer's nonces
	last   uint64 // the last nonce the peer used

	// Small messages are opened one after another into a shared chunk,
	// which each frame in it holds a reference to.
	c   *pipe.Chunk
	pos int
}

// open opens the MESSAGE frame body and returns its flags byte and
// payload, with the chunk holding the payload: a reference to it is the
// caller's.
func (r *curveReceiver) open(body []byte) (flags byte, payload []byte, c *pipe.Chunk, err error) {
	n := len(body) - zmtp.CurveMessageOverhead + 1 // the plain text's length
	var dst []byte
	switch {
	case n <= 0:
		// Too short: OpenCurveMessage says why, writing nothing.
	case n >= curveOwnBuffer:
		c = pipe.GetChunk(n)
		dst = c.Buf[:0]
	default:
		if r.c == nil || len(r.c.Buf)-r.pos < n {
			if r.c != nil {
				r.c.Release()
			}
			r.c, r.pos = pipe.GetChunk(pipe.ChunkSize), 0
		}
		dst = r.c.Buf[r.pos:r.pos]
	}
	plain, last, err := zmtp.OpenCurveMessage(dst, body, &r.key, r.prefix, r.last)
	if err != nil {
		if c != nil {
			c.Release()
		}
		pe := curveErr(err, ProtocolMalformedMessage)
		pe.Err = &curveDataError{pe.Err}
		return 0, nil, nil, pe
	}
	r.last = last
	if c == nil {
		c = r.c
		c.Retain(1)
		r.pos += len(plain)
	}
	return plain[0], plain[1:], c, nil
}

// release gives back the shared chunk, when the reader ends or idles.
func (r *curveReceiver) release() {
	if r.c != nil {
		r.c.Release()
		r.c, r.pos = nil, 0
	}
}

// curveDataError marks a MESSAGE that failed to open: libzmq reports it to
// the monitor as a handshake failure, HANDSHAKE_FAILED_PROTOCOL with its
// code, although the handshake is long over, and so does serveConn.
type curveDataError struct{ err error }

func (e *curveDataError) Error() string { return e.err.Error() }
func (e *curveDataError) Unwrap() error { return e.err }
