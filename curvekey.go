package zmq

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"golang.org/x/crypto/curve25519"
)

// CURVE (ZeroMQ RFC 26) keys are Curve25519 keys: 32 bytes, or 40 characters
// of Z85 text.
const (
	// CurveKeySize is the length of a CURVE key in bytes.
	CurveKeySize = 32
	// CurveKeyZ85Size is the length of a CURVE key's Z85 text.
	CurveKeyZ85Size = 40
)

// ErrCurveKeyLowOrder reports a CURVE public key that is a point of small
// order (the all-zero key is one): a Diffie-Hellman exchange with it yields
// a shared secret of all zeros, whatever the secret key, so a peer offering
// it must be refused. See [CurvePublicKey.Check].
var ErrCurveKeyLowOrder = errors.New("zmq: curve public key is a point of small order")

// CurvePublicKey is a CURVE public key. Its String form is the 40-character
// Z85 text that libzmq's CURVE_PUBLICKEY and CURVE_SERVERKEY options,
// zmq_curve_keypair and certificate files use. Keys compare with ==.
type CurvePublicKey [CurveKeySize]byte

// String returns the key's Z85 text.
func (k CurvePublicKey) String() string {
	var b [CurveKeyZ85Size]byte
	z85Encode(b[:], k[:])
	return string(b[:])
}

// MarshalText returns the key's Z85 text.
func (k CurvePublicKey) MarshalText() ([]byte, error) {
	b := make([]byte, CurveKeyZ85Size)
	z85Encode(b, k[:])
	return b, nil
}

// UnmarshalText sets the key from its 40-character Z85 text.
func (k *CurvePublicKey) UnmarshalText(text []byte) error {
	if len(text) != CurveKeyZ85Size {
		return &keyError{what: "public", n: len(text), text: true}
	}
	p, err := ParseCurvePublicKey(text)
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// Check returns [ErrCurveKeyLowOrder] if k is a point of small order on
// Curve25519 (such as all zeros), with which any key exchange gives a known
// shared secret. The CURVE handshake refuses such a key from a peer.
func (k CurvePublicKey) Check() error {
	// Any scalar will do: X25519 clamps it to a multiple of the cofactor,
	// so the product is zero exactly when k lies in the small subgroup.
	scalar := [CurveKeySize]byte{1}
	if _, err := curve25519.X25519(scalar[:], k[:]); err != nil {
		return ErrCurveKeyLowOrder
	}
	return nil
}

// ParseCurvePublicKey reads a public key given as libzmq's CURVE key options
// take one: 32 raw bytes, or 40 characters of Z85 (optionally followed by a
// NUL, as a C string would be).
func ParseCurvePublicKey(key []byte) (CurvePublicKey, error) {
	var k CurvePublicKey
	if err := parseCurveKey(k[:], key, "public"); err != nil {
		return CurvePublicKey{}, err
	}
	return k, nil
}

// CurveSecretKey is a CURVE secret key. It does not print: String,
// GoString, Format and LogValue all show "CurveSecretKey(redacted)", in
// every verb and also when the key is a field of a struct being printed,
// and it has no MarshalText, so encoding/json, encoding/xml and log/slog do
// not reveal it either. Its Z85 and Bytes methods give the key away on
// purpose. A CurveSecretKey is immutable; copies share the key. It does not
// compare with ==: use Equal.
type CurveSecretKey struct {
	// key returns the key. A function rather than the array or a pointer
	// to it: fmt prints a function as an address whatever the verb, while
	// it prints an array's contents, and a pointer's target in some verbs,
	// when the CurveSecretKey sits in an unexported field where fmt cannot
	// call its methods.
	key func() *[CurveKeySize]byte
}

const redacted = "CurveSecretKey(redacted)"

var zeroKey [CurveKeySize]byte

// newSecretKey wraps b, which nothing else may hold.
func newSecretKey(b *[CurveKeySize]byte) *CurveSecretKey {
	return &CurveSecretKey{key: func() *[CurveKeySize]byte { return b }}
}

// bytes returns the key's array, which must not be modified; the zero
// CurveSecretKey is the all-zero key.
func (k CurveSecretKey) bytes() *[CurveKeySize]byte {
	if k.key == nil {
		return &zeroKey
	}
	return k.key()
}

// NewCurveKeyPair generates a CURVE key pair from crypto/rand, as libzmq's
// zmq_curve_keypair does with libsodium.
func NewCurveKeyPair() (CurvePublicKey, *CurveSecretKey, error) {
	return newCurveKeyPair(rand.Reader)
}

func newCurveKeyPair(r io.Reader) (CurvePublicKey, *CurveSecretKey, error) {
	b := new([CurveKeySize]byte)
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return CurvePublicKey{}, nil, fmt.Errorf("zmq: generating a curve key: %w", err)
	}
	sk := newSecretKey(b)
	return sk.PublicKey(), sk, nil
}

// ParseCurveSecretKey reads a secret key given as libzmq's CURVE_SECRETKEY
// option takes one: 32 raw bytes, or 40 characters of Z85 (optionally
// followed by a NUL). Any 32 bytes are a valid Curve25519 secret key.
func ParseCurveSecretKey(key []byte) (*CurveSecretKey, error) {
	b := new([CurveKeySize]byte)
	if err := parseCurveKey(b[:], key, "secret"); err != nil {
		return nil, err
	}
	return newSecretKey(b), nil
}

// PublicKey returns the public key of the pair k belongs to, as libzmq's
// zmq_curve_public computes it.
func (k CurveSecretKey) PublicKey() CurvePublicKey {
	var p CurvePublicKey
	// X25519 with the base point never fails.
	out, _ := curve25519.X25519(k.bytes()[:], curve25519.Basepoint)
	copy(p[:], out)
	return p
}

// Z85 returns the key's 40-character Z85 text: the secret itself, for a
// socket option or a certificate file.
func (k CurveSecretKey) Z85() string {
	var b [CurveKeyZ85Size]byte
	z85Encode(b[:], k.bytes()[:])
	return string(b[:])
}

// Bytes returns a copy of the key's 32 bytes.
func (k CurveSecretKey) Bytes() []byte {
	b := *k.bytes()
	return b[:]
}

// Equal reports whether k and o are the same key, in constant time.
func (k CurveSecretKey) Equal(o *CurveSecretKey) bool {
	if o == nil {
		return false
	}
	return subtle.ConstantTimeCompare(k.bytes()[:], o.bytes()[:]) == 1
}

// String returns "CurveSecretKey(redacted)", never the key.
func (k CurveSecretKey) String() string { return redacted }

// GoString returns "CurveSecretKey(redacted)", never the key.
func (k CurveSecretKey) GoString() string { return redacted }

// Format prints "CurveSecretKey(redacted)" for every verb, never the key.
func (k CurveSecretKey) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue makes log/slog record "CurveSecretKey(redacted)", never the key.
func (k CurveSecretKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// parseCurveKey decodes key, in one of the forms libzmq's CURVE options
// take, into dst.
func parseCurveKey(dst, key []byte, what string) error {
	switch {
	case len(key) == CurveKeySize:
		copy(dst, key)
		return nil
	case len(key) == CurveKeyZ85Size+1 && key[CurveKeyZ85Size] == 0:
		key = key[:CurveKeyZ85Size]
		fallthrough
	case len(key) == CurveKeyZ85Size:
		if err := z85Decode(dst, string(key)); err != nil {
			return &keyError{what: what, n: len(key), err: err}
		}
		return nil
	}
	return &keyError{what: what, n: len(key)}
}

// keyError reports a key that could not be read. It matches [ErrInvalid],
// as libzmq's EINVAL, and the Z85 error that caused it; it never holds the
// key itself.
type keyError struct {
	what string // "public" or "secret"
	n    int    // the length given
	text bool   // only the Z85 text form was allowed
	err  error  // a *Z85Error, or nil for a bad length
}

func (e *keyError) Error() string {
	s := "zmq: curve " + e.what + " key: "
	switch {
	case e.err != nil:
		return s + "not Z85 text: " + trimPrefix(e.err.Error())
	case e.text:
		return s + strconv.Itoa(e.n) + " characters; want " + strconv.Itoa(CurveKeyZ85Size) + " of Z85 text"
	}
	return s + strconv.Itoa(e.n) + " bytes; want " + strconv.Itoa(CurveKeySize) +
		" bytes or " + strconv.Itoa(CurveKeyZ85Size) + " characters of Z85 text"
}

func (e *keyError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrInvalid, e.err}
	}
	return []error{ErrInvalid}
}
