package zmtp

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"
)

// The CURVE mechanism's commands (RFC 25, with the cryptography of RFC 26,
// CurveZMQ), laid out byte for byte as libzmq 4.3 sends them. Sizes are of
// the whole command body, name included, as libzmq checks them.
//
//	HELLO    "\x05HELLO", version 1.0, 72 zero bytes of padding, the
//	         client's short-term public key C', an 8-byte nonce, and
//	         Box[64 zero bytes](C'->S): 200 bytes.
//	WELCOME  "\x07WELCOME", a 16-byte nonce, Box[S' + cookie](S->C'):
//	         168 bytes. The cookie is a 16-byte nonce and
//	         SecretBox[C' + s'](K), K being a key only the server knows.
//	INITIATE "\x08INITIATE", the cookie, an 8-byte nonce, and
//	         Box[C + vouch + metadata](C'->S'): 257 bytes and more. The
//	         vouch is a 16-byte nonce and Box[C' + S](C->S').
//	READY    "\x05READY", an 8-byte nonce, Box[metadata](S'->C'): 30 bytes
//	         and more.
//	MESSAGE  "\x07MESSAGE", an 8-byte nonce, Box[flags + payload](C'<->S'):
//	         33 bytes and more.
//
// Every box is NaCl's crypto_box: a 16-byte Poly1305 tag, then the
// XSalsa20 ciphertext. A box's full 24-byte nonce is a fixed prefix
// followed by the short nonce the command carries.
const (
	CmdMessage = "MESSAGE"

	CurveHelloSize       = 200
	CurveWelcomeSize     = 168
	CurveInitiateMinSize = 257
	CurveReadyMinSize    = 30
	// CurveMessageOverhead is what a MESSAGE body holds beside the
	// payload: the name, the nonce, the tag and the flags byte.
	CurveMessageOverhead = 8 + 8 + box.Overhead + 1
	// CurveCookieSize is the cookie's length: its nonce and its box.
	CurveCookieSize = 16 + 64 + secretbox.Overhead

	curveKeySize  = 32
	vouchSize     = 16 + 64 + box.Overhead
	initiateFixed = curveKeySize + vouchSize // C and the vouch
)

// The nonce prefixes of RFC 26.
const (
	nonceHello    = "CurveZMQHELLO---"
	nonceWelcome  = "WELCOME-"
	nonceInitiate = "CurveZMQINITIATE"
	nonceReady    = "CurveZMQREADY---"
	nonceVouch    = "VOUCH---"
	nonceCookie   = "COOKIE--"
	// NonceMessageClient and NonceMessageServer prefix the nonces of the
	// MESSAGE commands a client and a server send.
	NonceMessageClient = "CurveZMQMESSAGEC"
	NonceMessageServer = "CurveZMQMESSAGES"
)

// MESSAGE's flags byte: libzmq's message flags, which it carries as they are.
const (
	CurveFlagMore    byte = 1
	CurveFlagCommand byte = 2
)

// Why a CURVE command is refused. The mechanism maps each to libzmq's
// protocol error code.
var (
	// ErrCurveMalformed: the command has the wrong size.
	ErrCurveMalformed = errors.New("zmtp: malformed CURVE command")
	// ErrCurveVersion: a HELLO of a CurveZMQ version other than 1.0.
	ErrCurveVersion = errors.New("zmtp: CURVE HELLO of an unknown version")
	// ErrCurveBox: a box does not open with the keys it should have been
	// made with: a wrong key, or tampered bytes.
	ErrCurveBox = errors.New("zmtp: CURVE box does not open")
	// ErrCurveSignature: HELLO's signature box opens but does not hold
	// 64 zero bytes.
	ErrCurveSignature = errors.New("zmtp: CURVE HELLO signature is not 64 zero bytes")
	// ErrCurveCookie: INITIATE's cookie opens but names another
	// connection's keys.
	ErrCurveCookie = errors.New("zmtp: CURVE cookie is not this connection's")
	// ErrCurveVouch: the vouch names another short-term key or server.
	ErrCurveVouch = errors.New("zmtp: CURVE vouch names other keys")
	// ErrCurveLowOrder: a peer's key is a point of small order.
	ErrCurveLowOrder = errors.New("zmtp: CURVE key is a point of small order")
	// ErrCurveSequence: a nonce not above the last one from that peer.
	ErrCurveSequence = errors.New("zmtp: CURVE nonce does not increase")
	// ErrCurveNotMessage: a frame other than MESSAGE in the data phase.
	ErrCurveNotMessage = errors.New("zmtp: CURVE data frame is not a MESSAGE command")
)

// LowOrder reports whether k is a point of small order on Curve25519 (the
// all-zero key is one): a key exchange with it gives a known shared secret.
// libsodium refuses such keys; NaCl in Go does not, so the mechanism checks.
func LowOrder(k *[32]byte) bool {
	one := [curveKeySize]byte{1}
	_, err := curve25519.X25519(one[:], k[:])
	return err != nil
}

// nonce builds a full nonce from a prefix and a 64-bit counter, or from an
// 8-byte prefix and 16 bytes.
func nonce(prefix string, n uint64) *[24]byte {
	var b [24]byte
	copy(b[:], prefix)
	binary.BigEndian.PutUint64(b[16:], n)
	return &b
}

func longNonce(prefix string, rest []byte) *[24]byte {
	var b [24]byte
	copy(b[:], prefix)
	copy(b[8:], rest)
	return &b
}

// AppendCurveHello appends a client's HELLO command frame: nonce n, the
// short-term key pair (cnPublic, cnSecret), for the server whose long-term
// key is server.
func AppendCurveHello(b []byte, server, cnPublic, cnSecret *[32]byte, n uint64) []byte {
	b = appendCommandHeader(b, CmdHello, CurveHelloSize)
	b = append(b, 1, 0)
	b = append(b, make([]byte, 72)...)
	b = append(b, cnPublic[:]...)
	b = binary.BigEndian.AppendUint64(b, n)
	var zeros [64]byte
	return box.Seal(b, zeros[:], nonce(nonceHello, n), server, cnSecret)
}

// CurveHello is what a server learns from a valid HELLO.
type CurveHello struct {
	ClientShort [32]byte // C'
	Nonce       uint64
}

// OpenCurveHello checks a HELLO's data (the body after the name) for the
// server whose long-term secret key is secret.
func OpenCurveHello(data []byte, secret *[32]byte) (CurveHello, error) {
	var h CurveHello
	if len(data) != CurveHelloSize-6 {
		return h, ErrCurveMalformed
	}
	if data[0] != 1 || data[1] != 0 {
		return h, ErrCurveVersion
	}
	copy(h.ClientShort[:], data[74:106])
	h.Nonce = binary.BigEndian.Uint64(data[106:114])
	if LowOrder(&h.ClientShort) {
		return h, ErrCurveLowOrder
	}
	var sig [64]byte
	out, ok := box.Open(sig[:0], data[114:], nonce(nonceHello, h.Nonce), &h.ClientShort, secret)
	if !ok {
		return h, ErrCurveBox
	}
	var zeros [64]byte
	if subtle.ConstantTimeCompare(out, zeros[:]) != 1 {
		return h, ErrCurveSignature
	}
	return h, nil
}

// CurveWelcome is what a server puts in its WELCOME.
type CurveWelcome struct {
	ClientShort       *[32]byte // C'
	ServerShort       *[32]byte // S'
	ServerShortSecret *[32]byte // s', sealed in the cookie
	Secret            *[32]byte // s, the server's long-term secret
	CookieKey         *[32]byte // K
	CookieNonce       [16]byte  // random
	Nonce             [16]byte  // random
}

// AppendCurveWelcome appends a server's WELCOME command frame.
func AppendCurveWelcome(b []byte, w *CurveWelcome) []byte {
	var plain [32 + CurveCookieSize]byte
	copy(plain[:], w.ServerShort[:])
	copy(plain[32:], w.CookieNonce[:])
	var cookiePlain [64]byte
	copy(cookiePlain[:], w.ClientShort[:])
	copy(cookiePlain[32:], w.ServerShortSecret[:])
	secretbox.Seal(plain[48:48], cookiePlain[:], longNonce(nonceCookie, w.CookieNonce[:]), w.CookieKey)
	clear(cookiePlain[:])

	b = appendCommandHeader(b, CmdWelcome, CurveWelcomeSize)
	b = append(b, w.Nonce[:]...)
	b = box.Seal(b, plain[:], longNonce(nonceWelcome, w.Nonce[:]), w.ClientShort, w.Secret)
	clear(plain[:])
	return b
}

// OpenCurveWelcome opens a WELCOME's data for the client with short-term
// secret key cnSecret, talking to the server whose long-term key is
// server. It returns the server's short-term key S' and the cookie.
func OpenCurveWelcome(data []byte, server, cnSecret *[32]byte) (serverShort [32]byte, cookie [CurveCookieSize]byte, err error) {
	if len(data) != CurveWelcomeSize-8 {
		return serverShort, cookie, ErrCurveMalformed
	}
	var plain [32 + CurveCookieSize]byte
	if _, ok := box.Open(plain[:0], data[16:], longNonce(nonceWelcome, data[:16]), server, cnSecret); !ok {
		return serverShort, cookie, ErrCurveBox
	}
	copy(serverShort[:], plain[:32])
	copy(cookie[:], plain[32:])
	if LowOrder(&serverShort) {
		return serverShort, cookie, ErrCurveLowOrder
	}
	return serverShort, cookie, nil
}

// CurveInitiate is what a client puts in its INITIATE.
type CurveInitiate struct {
	Cookie      *[CurveCookieSize]byte
	Nonce       uint64
	Shared      *[32]byte // precomputed from C' and S'
	Client      *[32]byte // C, the client's long-term public key
	Secret      *[32]byte // c
	ClientShort *[32]byte // C'
	ServerShort *[32]byte // S'
	Server      *[32]byte // S
	VouchNonce  [16]byte  // random
	Metadata    Metadata
}

// AppendCurveInitiate appends a client's INITIATE command frame.
func AppendCurveInitiate(b []byte, in *CurveInitiate) []byte {
	var vouchPlain [64]byte
	copy(vouchPlain[:], in.ClientShort[:])
	copy(vouchPlain[32:], in.Server[:])

	plain := make([]byte, 0, initiateFixed+int(metadataLen(in.Metadata)))
	plain = append(plain, in.Client[:]...)
	plain = append(plain, in.VouchNonce[:]...)
	plain = box.Seal(plain, vouchPlain[:], longNonce(nonceVouch, in.VouchNonce[:]), in.ServerShort, in.Secret)
	plain = AppendMetadata(plain, in.Metadata)

	b = appendCommandHeader(b, CmdInitiate, uint64(9+CurveCookieSize+8+box.Overhead+len(plain)))
	b = append(b, in.Cookie[:]...)
	b = binary.BigEndian.AppendUint64(b, in.Nonce)
	b = box.SealAfterPrecomputation(b, plain, nonce(nonceInitiate, in.Nonce), in.Shared)
	clear(plain)
	return b
}

// CurveInitiateKeys are what a server checks an INITIATE with.
type CurveInitiateKeys struct {
	CookieKey         *[32]byte // K
	ClientShort       *[32]byte // C', from HELLO
	ServerShortSecret *[32]byte // s'
	Server            *[32]byte // S
}

// CurveInitiated is what a server learns from a valid INITIATE.
type CurveInitiated struct {
	Client   [32]byte // C
	Nonce    uint64
	Shared   [32]byte // precomputed from C' and s'
	Metadata []byte   // the client's metadata, not yet parsed
}

// OpenCurveInitiate checks an INITIATE's data (the body after the name):
// the cookie must be the one this server made for this connection, the box
// must open, and the vouch must be the client's long-term key's, for this
// connection's short-term key and this server.
func OpenCurveInitiate(data []byte, k *CurveInitiateKeys) (*CurveInitiated, error) {
	if len(data) < CurveInitiateMinSize-9 {
		return nil, ErrCurveMalformed
	}
	var cookie [64]byte
	if _, ok := secretbox.Open(cookie[:0], data[16:CurveCookieSize], longNonce(nonceCookie, data[:16]), k.CookieKey); !ok {
		return nil, ErrCurveBox
	}
	okC := subtle.ConstantTimeCompare(cookie[:32], k.ClientShort[:])
	okS := subtle.ConstantTimeCompare(cookie[32:], k.ServerShortSecret[:])
	clear(cookie[:])
	if okC&okS != 1 {
		return nil, ErrCurveCookie
	}
	in := &CurveInitiated{Nonce: binary.BigEndian.Uint64(data[CurveCookieSize : CurveCookieSize+8])}
	box.Precompute(&in.Shared, k.ClientShort, k.ServerShortSecret)
	ct := data[CurveCookieSize+8:]
	plain, ok := box.OpenAfterPrecomputation(make([]byte, 0, len(ct)-box.Overhead), ct, nonce(nonceInitiate, in.Nonce), &in.Shared)
	if !ok {
		return nil, ErrCurveBox
	}
	copy(in.Client[:], plain[:32])
	if LowOrder(&in.Client) {
		return nil, ErrCurveLowOrder
	}
	var vouch [64]byte
	if _, ok := box.Open(vouch[:0], plain[48:initiateFixed], longNonce(nonceVouch, plain[32:48]), &in.Client, k.ServerShortSecret); !ok {
		return nil, ErrCurveBox
	}
	okC = subtle.ConstantTimeCompare(vouch[:32], k.ClientShort[:])
	okS = subtle.ConstantTimeCompare(vouch[32:], k.Server[:])
	if okC&okS != 1 {
		return nil, ErrCurveVouch
	}
	in.Metadata = plain[initiateFixed:]
	return in, nil
}

// AppendCurveReady appends a server's READY command frame with nonce n.
func AppendCurveReady(b []byte, shared *[32]byte, n uint64, md Metadata) []byte {
	plain := AppendMetadata(make([]byte, 0, metadataLen(md)), md)
	b = appendCommandHeader(b, CmdReady, uint64(6+8+box.Overhead+len(plain)))
	b = binary.BigEndian.AppendUint64(b, n)
	return box.SealAfterPrecomputation(b, plain, nonce(nonceReady, n), shared)
}

// OpenCurveReady opens a READY's data and returns its nonce and the
// server's metadata, not yet parsed.
func OpenCurveReady(data []byte, shared *[32]byte) (n uint64, metadata []byte, err error) {
	if len(data) < CurveReadyMinSize-6 {
		return 0, nil, ErrCurveMalformed
	}
	n = binary.BigEndian.Uint64(data[:8])
	md, ok := box.OpenAfterPrecomputation(nil, data[8:], nonce(nonceReady, n), shared)
	if !ok {
		return 0, nil, ErrCurveBox
	}
	return n, md, nil
}

// messageName is MESSAGE's name with its length, as a body starts.
const messageName = "\x07" + CmdMessage

// CurveMessageSize returns the size of the MESSAGE body that carries a
// payload of n bytes.
func CurveMessageSize(n int) uint64 { return uint64(CurveMessageOverhead + n) }

// AppendCurveMessage appends a MESSAGE frame carrying plain (the flags
// byte, then the payload), sealed with shared under the nonce prefix and
// counter n. The frame itself has no flags: libzmq sends MESSAGE as a
// plain data frame, its flags inside the box.
func AppendCurveMessage(b []byte, shared *[32]byte, prefix string, n uint64, plain []byte) []byte {
	b = AppendFrameHeader(b, 0, uint64(8+8+box.Overhead+len(plain)))
	b = append(b, messageName...)
	b = binary.BigEndian.AppendUint64(b, n)
	return box.SealAfterPrecomputation(b, plain, nonce(prefix, n), shared)
}

// OpenCurveMessage opens a MESSAGE frame's body, whose nonce must be above
// last, and appends its plain text (the flags byte, then the payload) to
// dst. It checks as libzmq does, in its order: the body must be a command
// (ErrMalformedCommand), MESSAGE (ErrCurveNotMessage), long enough
// (ErrCurveMalformed), with a nonce above last (ErrCurveSequence), and
// open (ErrCurveBox).
func OpenCurveMessage(dst, body []byte, shared *[32]byte, prefix string, last uint64) (plain []byte, n uint64, err error) {
	if len(body) <= 1 || len(body) <= int(body[0]) {
		return nil, 0, ErrMalformedCommand
	}
	if len(body) < len(messageName) || string(body[:len(messageName)]) != messageName {
		return nil, 0, ErrCurveNotMessage
	}
	if len(body) < CurveMessageOverhead {
		return nil, 0, ErrCurveMalformed
	}
	n = binary.BigEndian.Uint64(body[8:16])
	if n <= last {
		return nil, n, ErrCurveSequence
	}
	plain, ok := box.OpenAfterPrecomputation(dst, body[16:], nonce(prefix, n), shared)
	if !ok {
		return nil, n, ErrCurveBox
	}
	return plain, n, nil
}
