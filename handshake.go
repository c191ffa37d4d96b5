package zmq

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// maxHandshakeCommand bounds a command during the handshake.
const maxHandshakeCommand = 1 << 20

// A mechanism is a ZMTP security mechanism (RFC 23): after the greeting it
// exchanges commands until each side knows the other's metadata: NULL,
// PLAIN (plain.go) and CURVE (curve.go), which also seals the data phase
// (curvedata.go).
type mechanism interface {
	// name is the mechanism's name in the greeting.
	name() string
	// handshake runs the command exchange over c, announcing local, and
	// returns the peer's metadata.
	handshake(c commandConn, local zmtp.Metadata) (peer zmtp.Metadata, err error)
}

// nullMechanism is RFC 23's NULL: each side sends READY with its metadata.
// A socket with a ZAPDomain first asks the ZAP handler about the peer, when
// one is bound (or, with ZAPEnforceDomain, refuses the peer when none is).
type nullMechanism struct{ e *engine }

func (nullMechanism) name() string { return "NULL" }

func (m nullMechanism) handshake(c commandConn, local zmtp.Metadata) (zmtp.Metadata, error) {
	if o := &m.e.opts; o.zapDomain != "" {
		err := m.e.authenticate("NULL")
		if errors.Is(err, errNoZAPHandler) && !o.zapEnforceDomain {
			err = nil
		}
		if err != nil {
			return nil, refuse(c, err, zmtp.AppendError)
		}
	}
	if err := c.write(zmtp.AppendReady(nil, local)); err != nil {
		return nil, err
	}
	data, err := expect(c, zmtp.CmdReady)
	if err != nil {
		return nil, err
	}
	peer, err := zmtp.ParseMetadata(data)
	if err != nil {
		return nil, protocolErr(ProtocolInvalidMetadata, err)
	}
	return peer, nil
}

// mechanism returns the mechanism the socket's options choose.
func (e *engine) mechanism() mechanism {
	o := &e.opts
	switch {
	case o.mechanism == MechanismPlain && o.asServer:
		return plainServer{e}
	case o.mechanism == MechanismPlain:
		return plainClient{username: o.plainUsername, password: o.plainPassword}
	case o.mechanism == MechanismCurve && o.asServer:
		return curveServer{e}
	case o.mechanism == MechanismCurve:
		return curveClient{e}
	}
	return nullMechanism{e}
}

// authenticate asks the ZAP handler about the peer, which presents
// credentials under mechanism, and keeps the user id and metadata the
// handler gives an accepted peer.
func (e *engine) authenticate(mechanism string, credentials ...[]byte) error {
	r, err := e.askZAP(mechanism, credentials...)
	if err != nil {
		return err
	}
	e.zapped, e.userID, e.zapMetadata = true, r.userID, r.metadata
	return nil
}

// peerError turns the data of an ERROR command the peer sent during the
// handshake into an error: an *AuthError when the reason is a ZAP status
// code, as libzmq sends when its authenticator refuses us.
func peerError(data []byte) error {
	reason, err := zmtp.ParseError(data)
	if err != nil {
		return protocolErr(ProtocolMalformedError, err)
	}
	if len(reason) == 3 && reason[0] >= '3' && reason[0] <= '5' {
		if status, err := strconv.Atoi(reason); err == nil {
			return &AuthError{Status: status, Reason: reason}
		}
	}
	return protocolErr(ProtocolUnspecified, errors.New("peer sent ERROR "+strconv.Quote(reason)))
}

func protocolErr(code ProtocolCode, err error) *ProtocolError {
	return &ProtocolError{Code: code, Err: err}
}

// endsForGood reports whether err ends a connection for good: the peer broke
// the protocol, or authentication failed other than for a while (ZAP's
// 300).
func endsForGood(err error) bool {
	var pe *ProtocolError
	var ae *AuthError
	return errors.As(err, &pe) || errors.As(err, &ae) && ae.Status != 300
}

// commandConn reads and writes command frames during the handshake.
type commandConn struct{ conn net.Conn }

func (c commandConn) write(frame []byte) error {
	_, err := c.conn.Write(frame)
	return err
}

// read reads one command frame, growing its buffer only as bytes arrive.
func (c commandConn) read() (name string, data []byte, err error) {
	body, err := c.readBody()
	if err != nil {
		return "", nil, err
	}
	name, data, err = zmtp.ParseCommand(body)
	if err != nil {
		return "", nil, protocolErr(ProtocolMalformedCommand, err)
	}
	return name, data, nil
}

// readBody reads one command frame and returns its body.
func (c commandConn) readBody() ([]byte, error) {
	var h [9]byte
	if _, err := io.ReadFull(c.conn, h[:2]); err != nil {
		return nil, err
	}
	n := 2
	if h[0]&zmtp.FlagLong != 0 {
		if _, err := io.ReadFull(c.conn, h[2:9]); err != nil {
			return nil, err
		}
		n = 9
	}
	if h[0]&zmtp.FlagCommand != 0 {
		// A handshake command is one frame whatever its MORE flag says:
		// libzmq accepts the flag here and ignores it, and so do we.
		h[0] &^= zmtp.FlagMore
	}
	flags, size, _, err := zmtp.ParseFrameHeader(h[:n])
	if err != nil {
		return nil, protocolErr(ProtocolMalformedCommand, err)
	}
	if flags&zmtp.FlagCommand == 0 {
		return nil, protocolErr(ProtocolUnexpectedCommand, errors.New("data frame during the handshake"))
	}
	if size > maxHandshakeCommand {
		return nil, protocolErr(ProtocolMalformedCommand, errors.New("handshake command of "+strconv.FormatUint(size, 10)+" bytes"))
	}
	body, err := io.ReadAll(io.LimitReader(c.conn, int64(size)))
	if err != nil {
		return nil, err
	}
	if uint64(len(body)) != size {
		return nil, io.ErrUnexpectedEOF
	}
	return body, nil
}

// handshake performs the greeting and the mechanism's exchange, within
// HandshakeInterval. It returns the peer's metadata and whether the peer
// speaks ZMTP 3.0 or 2.0 (legacy: subscriptions travel as messages).
func (e *engine) handshake() (peer zmtp.Metadata, legacy bool, err error) {
	if ivl := e.opts.handshakeIvl; ivl > 0 {
		e.conn.SetDeadline(time.Now().Add(ivl))
		defer func() {
			e.conn.SetDeadline(time.Time{})
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = &TimeoutError{Op: "handshake", After: ivl}
			}
		}()
	}
	mech := e.mechanism()
	c := commandConn{e.conn}

	// libzmq sends its greeting in stages and waits for ours in between:
	// send the signature, read the peer's, then send the rest. A first byte
	// that cannot start a greeting (ZMTP 1.0, or not ZMTP at all) is refused
	// at once rather than waited on.
	if err := c.write(zmtp.AppendSignature(nil)); err != nil {
		return nil, false, err
	}
	var g [zmtp.GreetingSize]byte
	if _, err := io.ReadFull(e.conn, g[:1]); err != nil {
		return nil, false, err
	}
	if g[0] != 0xFF {
		return nil, false, protocolErr(ProtocolUnspecified, errNotZMTP)
	}
	if _, err := io.ReadFull(e.conn, g[1:zmtp.SignatureSize]); err != nil {
		return nil, false, err
	}
	if err := zmtp.CheckSignature(g[:zmtp.SignatureSize]); err != nil {
		return nil, false, protocolErr(ProtocolUnspecified, err)
	}
	// Then the major version, and the rest once the peer's version is
	// known: a ZMTP 2.0 peer gets the 2.0 greeting instead.
	rest := zmtp.AppendGreetingRest(nil, zmtp.Greeting{Major: 3, Minor: 1, Mechanism: mech.name(), AsServer: e.opts.asServer})
	if err := c.write(rest[:1]); err != nil {
		return nil, false, err
	}
	if _, err := io.ReadFull(e.conn, g[zmtp.SignatureSize:zmtp.SignatureSize+1]); err != nil {
		return nil, false, err
	}
	switch rev := g[zmtp.SignatureSize]; {
	case rev == 1 || rev == 2:
		if e.opts.mechanism != MechanismNull || e.opts.zapDomain != "" {
			// ZMTP 2.0 has no mechanisms: a secured socket would talk
			// to it unsecured (libzmq refuses it too).
			return nil, false, protocolErr(ProtocolUnspecified, errLegacySecurity)
		}
		return e.handshakeV2()
	case rev == 0:
		return nil, false, protocolErr(ProtocolUnspecified, &zmtp.VersionError{Major: rev})
	}
	if err := c.write(rest[1:]); err != nil {
		return nil, false, err
	}
	if _, err := io.ReadFull(e.conn, g[zmtp.SignatureSize+1:]); err != nil {
		return nil, false, err
	}
	greet, err := zmtp.ParseGreeting(g[:])
	if err != nil {
		return nil, false, protocolErr(ProtocolUnspecified, err)
	}
	if greet.Mechanism != mech.name() {
		c.write(zmtp.AppendError(nil, "mechanism mismatch"))
		return nil, false, protocolErr(ProtocolMechanismMismatch, errors.New("peer mechanism "+greet.Mechanism+", want "+mech.name()))
	}
	legacy = greet.Major == 3 && greet.Minor == 0

	s := e.s
	md := zmtp.Metadata{{Name: zmtp.PropSocketType, Value: []byte(s.typ.String())}}
	if s.typ.usesRoutingID() {
		md = append(md, zmtp.Property{Name: zmtp.PropIdentity, Value: e.opts.routingID})
	}
	md = append(md, e.opts.metadata...)
	if peer, err = mech.handshake(c, md); err != nil {
		return nil, false, err
	}
	st, _ := peer.Get(zmtp.PropSocketType)
	if !zmtp.Compatible(s.typ.String(), string(st)) {
		return nil, false, protocolErr(ProtocolInvalidMetadata, &incompatibleError{local: s.typ.String(), peer: string(st)})
	}
	return peer, legacy, nil
}

// errNotZMTP is the cause of refusing a peer whose first byte cannot start a
// ZMTP 2.0 or 3.x greeting.
var errNotZMTP = errors.New("peer does not speak ZMTP 2.0 or later")

// errLegacySecurity is why a socket with a security mechanism or a ZAP
// domain refuses a ZMTP 2.0 peer.
var errLegacySecurity = errors.New("a ZMTP 2.0 peer cannot authenticate: refused by a socket with security")

// incompatibleError reports a peer whose socket type cannot talk to ours.
type incompatibleError struct{ local, peer string }

func (e *incompatibleError) Error() string {
	if e.peer == "" {
		return "peer sent no socket type"
	}
	return "a " + e.local + " socket cannot talk to a " + e.peer + " peer"
}

// handshakeV2 completes the greeting with a ZMTP 2.0 peer (RFC 15): after
// the revision each side sends its socket type as a byte and its identity
// as a short frame. There is no mechanism and no metadata; subscriptions
// travel as messages.
func (e *engine) handshakeV2() (peer zmtp.Metadata, legacy bool, err error) {
	e.zmtp2 = true
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
		return nil, false, protocolErr(ProtocolInvalidMetadata, &incompatibleError{local: e.s.typ.String(), peer: "type " + strconv.Itoa(int(h[0]))})
	}
	if h[1]&^zmtp.FlagMore != 0 {
		return nil, false, protocolErr(ProtocolUnspecified, errors.New("ZMTP 2.0 identity is not a short frame"))
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
