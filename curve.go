package zmq

import (
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// The CURVE mechanism (RFC 25, with RFC 26's CurveZMQ handshake). The
// client knows the server's long-term public key S; each side makes a
// short-term key pair per connection, and everything after the handshake
// travels in MESSAGE commands sealed with the short-term keys (see
// curvedata.go). libzmq's nonces are followed: each side counts from 1 in
// its own direction, the client's HELLO and INITIATE taking 1 and 2 and
// the server's READY 1, and every nonce must be above the last one the
// peer sent.

// errCurveNoSecret is why a CURVE socket without a long-term secret key
// fails its handshakes.
var errCurveNoSecret = errors.New("zmq: CURVE socket has no secret key (see CurveSecret)")

// errCurveNoServerKey is why a CURVE client without the server's key fails
// its handshakes.
var errCurveNoServerKey = errors.New("zmq: CURVE client has no server key (see CurveServerKey)")

// newShortTermKeys makes a connection's short-term key pair.
func newShortTermKeys() (public, secret [32]byte, err error) {
	if _, err := rand.Read(secret[:]); err != nil {
		return public, secret, err
	}
	p, err := curve25519.X25519(secret[:], curve25519.Basepoint)
	copy(public[:], p)
	return public, secret, err
}

// randomNonce returns 16 random bytes for a long nonce.
func randomNonce() (n [16]byte) {
	rand.Read(n[:]) // crypto/rand.Read does not fail
	return n
}

// curveErr maps a CURVE codec's error to libzmq's protocol error code.
// malformed is the code of a command of the wrong size.
func curveErr(err error, malformed ProtocolCode) *ProtocolError {
	code := ProtocolCryptographic
	switch {
	case errors.Is(err, zmtp.ErrCurveMalformed), errors.Is(err, zmtp.ErrCurveVersion):
		code = malformed
	case errors.Is(err, zmtp.ErrCurveVouch):
		// The vouch opened, so the client holds the key it claims, but it
		// vouches for another connection or another server.
		code = ProtocolKeyExchange
	case errors.Is(err, zmtp.ErrCurveSequence):
		code = ProtocolInvalidSequence
	case errors.Is(err, zmtp.ErrCurveNotMessage):
		code = ProtocolUnexpectedCommand
	case errors.Is(err, zmtp.ErrMalformedCommand):
		code = ProtocolMalformedCommand
	}
	return protocolErr(code, err)
}

// curveClient is RFC 26's client: HELLO to the server's long-term key,
// WELCOME with the server's short-term key and a cookie, INITIATE with our
// long-term key, a vouch and our metadata, then READY with the server's.
type curveClient struct{ e *engine }

func (curveClient) name() string { return "CURVE" }

func (m curveClient) handshake(c commandConn, local zmtp.Metadata) (zmtp.Metadata, error) {
	o := &m.e.opts
	if o.curveSecret == nil {
		return nil, protocolErr(ProtocolCryptographic, errCurveNoSecret)
	}
	if o.curveServerKey == (CurvePublicKey{}) {
		return nil, protocolErr(ProtocolCryptographic, errCurveNoServerKey)
	}
	public := [32]byte(o.curvePublic)
	if o.curvePublic == (CurvePublicKey{}) {
		public = o.curveSecret.PublicKey()
	}
	server := [32]byte(o.curveServerKey)
	cnPublic, cnSecret, err := newShortTermKeys()
	defer clear(cnSecret[:])
	if err != nil {
		return nil, err
	}

	if err := c.write(zmtp.AppendCurveHello(nil, &server, &cnPublic, &cnSecret, 1)); err != nil {
		return nil, err
	}
	data, err := expect(c, zmtp.CmdWelcome)
	if err != nil {
		return nil, err
	}
	serverShort, cookie, err := zmtp.OpenCurveWelcome(data, &server, &cnSecret)
	if err != nil {
		// libzmq's client reports every bad WELCOME, of a wrong size
		// too, as ZMTP_CRYPTOGRAPHIC.
		return nil, protocolErr(ProtocolCryptographic, err)
	}
	cc := newCurveCodec(zmtp.NonceMessageClient, zmtp.NonceMessageServer)
	box.Precompute(&cc.send.key, &serverShort, &cnSecret)
	clear(cnSecret[:])

	err = c.write(zmtp.AppendCurveInitiate(nil, &zmtp.CurveInitiate{
		Cookie:      &cookie,
		Nonce:       2,
		Shared:      &cc.send.key,
		Client:      &public,
		Secret:      o.curveSecret.bytes(),
		ClientShort: &cnPublic,
		ServerShort: &serverShort,
		Server:      &server,
		VouchNonce:  randomNonce(),
		Metadata:    local,
	}))
	if err != nil {
		return nil, err
	}
	if data, err = expect(c, zmtp.CmdReady); err != nil {
		return nil, err
	}
	n, md, err := zmtp.OpenCurveReady(data, &cc.send.key)
	if err != nil {
		return nil, curveErr(err, ProtocolMalformedReady)
	}
	peer, err := zmtp.ParseMetadata(md)
	if err != nil {
		return nil, protocolErr(ProtocolInvalidMetadata, err)
	}
	cc.start(3, n)
	m.e.curve = cc
	return peer, nil
}

// curveServer is RFC 26's server: it checks HELLO, answers WELCOME with a
// short-term key and a cookie that only it can open, checks INITIATE's
// cookie and vouch, asks the ZAP handler about the client's long-term key,
// and says READY or refuses.
type curveServer struct{ e *engine }

func (curveServer) name() string { return "CURVE" }

func (m curveServer) handshake(c commandConn, local zmtp.Metadata) (zmtp.Metadata, error) {
	o := &m.e.opts
	if o.curveSecret == nil {
		return nil, protocolErr(ProtocolCryptographic, errCurveNoSecret)
	}
	secret := o.curveSecret.bytes()
	data, err := expect(c, zmtp.CmdHello)
	if err != nil {
		return nil, err
	}
	hello, err := zmtp.OpenCurveHello(data, secret)
	if err != nil {
		return nil, curveErr(err, ProtocolMalformedHello)
	}

	// The short-term secret and the cookie key live only as long as this
	// handshake: the cookie, sealed with a key no other connection has,
	// cannot be replayed on another connection, and once the shared key is
	// computed neither is needed.
	serverShort, shortSecret, err := newShortTermKeys()
	defer clear(shortSecret[:])
	if err != nil {
		return nil, err
	}
	var cookieKey [32]byte
	defer clear(cookieKey[:])
	rand.Read(cookieKey[:])
	err = c.write(zmtp.AppendCurveWelcome(nil, &zmtp.CurveWelcome{
		ClientShort:       &hello.ClientShort,
		ServerShort:       &serverShort,
		ServerShortSecret: &shortSecret,
		Secret:            secret,
		CookieKey:         &cookieKey,
		CookieNonce:       randomNonce(),
		Nonce:             randomNonce(),
	}))
	if err != nil {
		return nil, err
	}

	if data, err = expect(c, zmtp.CmdInitiate); err != nil {
		return nil, err
	}
	public := o.curveSecret.PublicKey()
	in, err := zmtp.OpenCurveInitiate(data, &zmtp.CurveInitiateKeys{
		CookieKey:         &cookieKey,
		ClientShort:       &hello.ClientShort,
		ServerShortSecret: &shortSecret,
		Server:            (*[32]byte)(&public),
	})
	if err != nil {
		return nil, curveErr(err, ProtocolMalformedInitiate)
	}
	clear(shortSecret[:])
	clear(cookieKey[:])
	if in.Nonce <= hello.Nonce {
		return nil, protocolErr(ProtocolInvalidSequence, zmtp.ErrCurveSequence)
	}

	// As libzmq: ask the handler unless ZAPEnforceDomain is set without a
	// domain; with no handler bound, accept the client (encryption without
	// authentication, "Stonehouse") unless ZAPEnforceDomain says to refuse.
	if o.zapDomain != "" || !o.zapEnforceDomain {
		err := m.e.authenticate("CURVE", in.Client[:])
		if errors.Is(err, errNoZAPHandler) && !o.zapEnforceDomain {
			err = nil
		}
		if err != nil {
			return nil, refuse(c, err, zmtp.AppendError)
		}
	}
	peer, err := zmtp.ParseMetadata(in.Metadata)
	if err != nil {
		return nil, protocolErr(ProtocolInvalidMetadata, err)
	}
	cc := newCurveCodec(zmtp.NonceMessageServer, zmtp.NonceMessageClient)
	cc.send.key = in.Shared
	clear(in.Shared[:])
	if err := c.write(zmtp.AppendCurveReady(nil, &cc.send.key, 1, local)); err != nil {
		return nil, err
	}
	cc.start(2, in.Nonce)
	m.e.curve = cc
	return peer, nil
}
