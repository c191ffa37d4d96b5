package zmq

import (
	"errors"
	"io"
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
type engine struct {
	s    *Socket
	opts options // the socket's options when the connection started
	conn net.Conn
	ep   *endpoint
	p    *peerPipe
	out  *pipe.Out

	raw syscall.RawConn // for reads that must not wait; nil where unsupported
	rd  frameReader

	space     chan struct{} // the inbound queue has room again
	stop      chan struct{} // closed to stop the writer at once
	stopOnce  sync.Once
	lingering atomic.Bool // the socket is closing: flush, half-close, drain
	wdone     chan struct{}
}

func newEngine(s *Socket, conn net.Conn, ep *endpoint) *engine {
	e := &engine{s: s, conn: conn, ep: ep, space: make(chan struct{}, 1), stop: make(chan struct{}), wdone: make(chan struct{})}
	e.rd.e = e
	e.rd.wake = make(chan struct{}, 1)
	return e
}

// protocolError marks connection failures caused by the peer breaking the
// protocol; libzmq does not reconnect after those.
type protocolError struct{ err error }

func (e *protocolError) Error() string { return "zmq: protocol error: " + e.err.Error() }
func (e *protocolError) Unwrap() error { return e.err }

func protoErr(err error) error { return &protocolError{err} }

var errPeerIncompatible = errors.New("incompatible peer socket type")

// Bodies from this size on are read into a buffer of their own instead of
// being staged through the shared receive chunk.
const largeBody = 8 << 10

// Bodies up to this size get their whole buffer at once; larger claims are
// only believed as the bytes arrive.
const trustedBody = 256 << 10

// finWait bounds how long a closing connection waits for the peer to close
// after everything was written and the write side shut down.
const finWait = 2 * time.Second

// maxHandshakeCommand bounds a command during the handshake.
const maxHandshakeCommand = 1 << 20

// handshake performs the greeting and the NULL mechanism's READY exchange.
func (e *engine) handshake() (peer zmtp.Metadata, legacy bool, err error) {
	s := e.s
	if ivl := e.opts.handshakeIvl; ivl > 0 {
		e.conn.SetDeadline(time.Now().Add(ivl))
		defer e.conn.SetDeadline(time.Time{})
	}
	// libzmq sends its greeting in stages and waits for ours in between:
	// send the signature, read the peer's, then send the rest.
	if _, err := e.conn.Write(zmtp.AppendSignature(nil)); err != nil {
		return nil, false, err
	}
	var g [zmtp.GreetingSize]byte
	if _, err := io.ReadFull(e.conn, g[:zmtp.SignatureSize]); err != nil {
		return nil, false, err
	}
	if err := zmtp.CheckSignature(g[:zmtp.SignatureSize]); err != nil {
		return nil, false, protoErr(err)
	}
	// Then the major version, and the rest once the peer's version is
	// known: a ZMTP 2.0 peer gets the 2.0 greeting instead.
	rest := zmtp.AppendGreetingRest(nil, zmtp.Greeting{Major: 3, Minor: 1, Mechanism: "NULL"})
	if _, err := e.conn.Write(rest[:1]); err != nil {
		return nil, false, err
	}
	if _, err := io.ReadFull(e.conn, g[zmtp.SignatureSize:zmtp.SignatureSize+1]); err != nil {
		return nil, false, err
	}
	switch rev := g[zmtp.SignatureSize]; {
	case rev == 1 || rev == 2:
		return e.handshakeV2()
	case rev == 0:
		return nil, false, protoErr(&zmtp.VersionError{Major: rev})
	}
	if _, err := e.conn.Write(rest[1:]); err != nil {
		return nil, false, err
	}
	if _, err := io.ReadFull(e.conn, g[zmtp.SignatureSize+1:]); err != nil {
		return nil, false, err
	}
	greet, err := zmtp.ParseGreeting(g[:])
	if err != nil {
		return nil, false, protoErr(err)
	}
	if greet.Mechanism != "NULL" {
		e.conn.Write(zmtp.AppendError(nil, "mechanism mismatch"))
		return nil, false, protoErr(errors.New("peer mechanism " + greet.Mechanism + ", want NULL"))
	}
	legacy = greet.Major == 3 && greet.Minor == 0

	md := zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte(s.typ.String())}}
	if s.typ.usesRoutingID() {
		md = append(md, zmtp.Property{Name: zmtp.PropIdentity, Value: e.opts.routingID})
	}
	if _, err := e.conn.Write(zmtp.AppendReady(nil, md)); err != nil {
		return nil, false, err
	}

	name, data, err := readCommand(e.conn)
	if err != nil {
		return nil, false, err
	}
	switch name {
	case zmtp.CmdReady:
	case zmtp.CmdError:
		reason, _ := zmtp.ParseError(data)
		return nil, false, protoErr(errors.New("peer sent ERROR: " + reason))
	default:
		return nil, false, protoErr(errors.New("unexpected command " + name + " in handshake"))
	}
	peer, err = zmtp.ParseMetadata(data)
	if err != nil {
		return nil, false, protoErr(err)
	}
	st, _ := peer.Get(zmtp.PropSocketType)
	if !zmtp.Compatible(s.typ.String(), string(st)) {
		return nil, false, protoErr(errPeerIncompatible)
	}
	return peer, legacy, nil
}

// handshakeV2 completes the greeting with a ZMTP 2.0 peer (RFC 15): after
// the revision each side sends its socket type as a byte and its identity
// as a short frame. There is no mechanism and no metadata; subscriptions
// travel as messages.
func (e *engine) handshakeV2() (peer zmtp.Metadata, legacy bool, err error) {
	var id []byte
	if e.s.typ.usesRoutingID() {
		id = e.opts.routingID
	}
	out := append([]byte{byte(e.s.typ)}, zmtp.AppendFrameHeader(nil, 0, uint64(len(id)))...)
	if _, err := e.conn.Write(append(out, id...)); err != nil {
		return nil, false, err
	}
	var h [3]byte // socket type, identity flags, identity size
	if _, err := io.ReadFull(e.conn, h[:]); err != nil {
		return nil, false, err
	}
	peerType := Type(h[0])
	if !peerType.valid() || !zmtp.Compatible(e.s.typ.String(), peerType.String()) {
		return nil, false, protoErr(errPeerIncompatible)
	}
	if h[1]&^zmtp.FlagMore != 0 {
		return nil, false, protoErr(errors.New("ZMTP 2.0 identity is not a short frame"))
	}
	ident := make([]byte, h[2])
	if _, err := io.ReadFull(e.conn, ident); err != nil {
		return nil, false, err
	}
	peer = zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte(peerType.String())}}
	if len(ident) > 0 {
		peer = append(peer, zmtp.Property{Name: zmtp.PropIdentity, Value: ident})
	}
	return peer, true, nil
}

// readCommand reads one command frame during the handshake, growing its
// buffer only as bytes arrive.
func readCommand(r io.Reader) (name string, data []byte, err error) {
	var h [9]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return "", nil, err
	}
	n := 2
	if h[0]&zmtp.FlagLong != 0 {
		if _, err := io.ReadFull(r, h[2:9]); err != nil {
			return "", nil, err
		}
		n = 9
	}
	flags, size, _, err := zmtp.ParseFrameHeader(h[:n])
	if err != nil {
		return "", nil, protoErr(err)
	}
	if flags&zmtp.FlagCommand == 0 {
		return "", nil, protoErr(errors.New("data frame during handshake"))
	}
	if size > maxHandshakeCommand {
		return "", nil, protoErr(errors.New("handshake command too large"))
	}
	body, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return "", nil, err
	}
	if uint64(len(body)) != size {
		return "", nil, io.ErrUnexpectedEOF
	}
	name, data, err = zmtp.ParseCommand(body)
	if err != nil {
		return "", nil, protoErr(err)
	}
	return name, data, nil
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
			if e.lingering.Load() {
				closeWrite(e.conn)
				e.conn.SetReadDeadline(time.Now().Add(finWait))
				return
			}
			select {
			case <-e.out.Wake():
				continue
			case <-e.stop:
				return
			}
		}
		bufs = b.Bufs
		_, err := bufs.WriteTo(e.conn)
		b.Done()
		if err != nil {
			e.conn.Close()
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}
