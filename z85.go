package zmq

import (
	"errors"
	"strconv"
)

// Z85 (ZeroMQ RFC 32) encodes every 4 bytes as 5 printable characters. It is
// the text form of CURVE keys in socket options, certificates and ZAP.

// Errors a [Z85Error] wraps; test for them with [errors.Is].
var (
	// ErrZ85Length reports input of a length Z85 cannot take: not a
	// multiple of 4 bytes to encode, or of 5 characters to decode.
	ErrZ85Length = errors.New("zmq: z85: bad length")
	// ErrZ85Char reports a character outside the Z85 alphabet.
	ErrZ85Char = errors.New("zmq: z85: invalid character")
	// ErrZ85Overflow reports a group of 5 characters whose value does not
	// fit in 32 bits (above "%nSc0", which is 0xFFFFFFFF).
	ErrZ85Overflow = errors.New("zmq: z85: value above 32 bits")
)

// Z85Error is the error Z85Encode and Z85Decode return. It says what was
// wrong and where, never what the input held: Z85 usually carries keys.
type Z85Error struct {
	Op     string // "encode" or "decode"
	Err    error  // ErrZ85Length, ErrZ85Char or ErrZ85Overflow
	Len    int    // the length of the input, in bytes
	Offset int    // the bad character's offset, or its group's first; -1 for ErrZ85Length
}

// Error says what was wrong and at which offset.
func (e *Z85Error) Error() string {
	switch e.Err {
	case ErrZ85Length:
		unit, mult := "characters", "5"
		if e.Op == "encode" {
			unit, mult = "bytes", "4"
		}
		return "zmq: z85: cannot " + e.Op + " " + strconv.Itoa(e.Len) + " " + unit +
			": the length must be a multiple of " + mult
	case ErrZ85Char:
		return "zmq: z85: invalid character at offset " + strconv.Itoa(e.Offset)
	case ErrZ85Overflow:
		return "zmq: z85: the group at offset " + strconv.Itoa(e.Offset) +
			" is above 32 bits"
	}
	return "zmq: z85: " + e.Op + ": " + trimPrefix(e.Err.Error())
}

// Unwrap returns the sentinel error.
func (e *Z85Error) Unwrap() error { return e.Err }

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Values maps a character to its value plus one; zero marks a character
// outside the alphabet.
var z85Values = func() (t [256]byte) {
	for i := 0; i < len(z85Alphabet); i++ {
		t[z85Alphabet[i]] = byte(i + 1)
	}
	return t
}()

// Z85Encode returns the Z85 form of src, whose length must be a multiple of
// 4 (as libzmq's zmq_z85_encode requires); the result is 5/4 as long. Empty
// input encodes as "".
func Z85Encode(src []byte) (string, error) {
	if len(src)%4 != 0 {
		return "", &Z85Error{Op: "encode", Err: ErrZ85Length, Len: len(src), Offset: -1}
	}
	dst := make([]byte, len(src)/4*5)
	z85Encode(dst, src)
	return string(dst), nil
}

// z85Encode writes the Z85 form of src, a multiple of 4 bytes long, to dst,
// which must be len(src)/4*5 bytes long.
func z85Encode(dst, src []byte) {
	for len(src) >= 4 {
		v := uint32(src[0])<<24 | uint32(src[1])<<16 | uint32(src[2])<<8 | uint32(src[3])
		for i := 4; i >= 0; i-- {
			dst[i] = z85Alphabet[v%85]
			v /= 85
		}
		src, dst = src[4:], dst[5:]
	}
}

// Z85Decode returns the bytes s encodes. Its length must be a multiple of 5,
// every character must be in the Z85 alphabet, and every group of 5 must
// encode a value below 2^32; otherwise it returns a *Z85Error saying where
// the input went wrong. libzmq's zmq_z85_decode refuses the same strings,
// except the empty one, which decodes here as empty.
func Z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, &Z85Error{Op: "decode", Err: ErrZ85Length, Len: len(s), Offset: -1}
	}
	dst := make([]byte, len(s)/5*4)
	if err := z85Decode(dst, s); err != nil {
		return nil, err
	}
	return dst, nil
}

// z85Decode decodes s, a multiple of 5 characters long, into dst, which must
// be len(s)/5*4 bytes long.
func z85Decode(dst []byte, s string) error {
	for g := 0; g < len(s); g += 5 {
		var v uint64
		for i := g; i < g+5; i++ {
			d := z85Values[s[i]]
			if d == 0 {
				return &Z85Error{Op: "decode", Err: ErrZ85Char, Len: len(s), Offset: i}
			}
			v = v*85 + uint64(d-1)
		}
		if v > 0xFFFFFFFF {
			return &Z85Error{Op: "decode", Err: ErrZ85Overflow, Len: len(s), Offset: g}
		}
		o := g / 5 * 4
		dst[o], dst[o+1], dst[o+2], dst[o+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	return nil
}
