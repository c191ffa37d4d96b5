package zmtp

import "io"

// Greeting sizes.
const (
	// SignatureSize is the size of the greeting's signature, the part a peer
	// sends before it knows the other side's version.
	SignatureSize = 10
	// GreetingSize is the size of a whole ZMTP 3.x greeting.
	GreetingSize = 64
)

// mechanismSize is the size of the greeting's NUL-padded mechanism field.
const mechanismSize = 20

// Version is a ZMTP protocol version.
type Version struct{ Major, Minor uint8 }

// AtLeast31 reports whether v is ZMTP 3.1 or later.
func (v Version) AtLeast31() bool {
	return v.Major > 3 || v.Major == 3 && v.Minor >= 1
}

// Greeting is the part of a ZMTP 3.x greeting that follows the signature.
type Greeting struct {
	Major, Minor uint8
	Mechanism    string // "NULL", "PLAIN", "CURVE"
	AsServer     bool
}

// Version returns g's protocol version.
func (g Greeting) Version() Version { return Version{g.Major, g.Minor} }

// AppendSignature appends the 10-byte greeting signature, with the padding
// libzmq sends (a big-endian uint64 1).
func AppendSignature(b []byte) []byte {
	return append(b, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F)
}

// CheckSignature validates a received signature. It returns ErrBadSignature
// if sig is not SignatureSize bytes long and a *VersionError (reported as
// 1.0) for a ZMTP 1.0 peer, recognized as libzmq does by a first byte other
// than 0xFF or a tenth byte with bit 0 clear. ZMTP 2.0 and 3.x peers send
// the same signature. The padding is not significant.
func CheckSignature(sig []byte) error {
	if len(sig) != SignatureSize {
		return ErrBadSignature
	}
	if sig[0] != 0xFF || sig[9]&1 == 0 {
		return &VersionError{Major: 1, Minor: 0}
	}
	return nil
}

// AppendGreetingRest appends greeting bytes 10 to 63: the version, the
// mechanism name (NUL padded, truncated to 20 bytes), the as-server flag and
// the zero filler.
func AppendGreetingRest(b []byte, g Greeting) []byte {
	b = append(b, g.Major, g.Minor)
	mech := g.Mechanism
	if len(mech) > mechanismSize {
		mech = mech[:mechanismSize]
	}
	b = append(b, mech...)
	b = append(b, make([]byte, mechanismSize-len(mech))...)
	var asServer byte
	if g.AsServer {
		asServer = 1
	}
	b = append(b, asServer)
	return append(b, make([]byte, GreetingSize-SignatureSize-2-mechanismSize-1)...)
}

// AppendGreeting appends a whole 64-byte greeting.
func AppendGreeting(b []byte, g Greeting) []byte {
	return AppendGreetingRest(AppendSignature(b), g)
}

// ParseGreeting parses the ZMTP 3.x greeting in the first GreetingSize bytes
// of p. It returns io.ErrUnexpectedEOF if p is shorter, the error of
// CheckSignature for a bad signature, a *VersionError for a version below 3
// (a ZMTP 2.0 greeting is shorter and laid out differently: callers that
// serve 2.0 peers check the revision byte first, see VersionError) and
// ErrBadMechanism for a malformed mechanism name. The padding and filler are
// ignored, and any non-zero as-server byte means true.
func ParseGreeting(p []byte) (Greeting, error) {
	if len(p) < GreetingSize {
		return Greeting{}, io.ErrUnexpectedEOF
	}
	if err := CheckSignature(p[:SignatureSize]); err != nil {
		return Greeting{}, err
	}
	g := Greeting{Major: p[10], Minor: p[11], AsServer: p[32] != 0}
	if g.Major < 3 {
		return Greeting{}, &VersionError{Major: g.Major, Minor: g.Minor}
	}
	mech, ok := parseMechanism(p[12 : 12+mechanismSize])
	if !ok {
		return Greeting{}, ErrBadMechanism
	}
	g.Mechanism = mech
	return g, nil
}

// parseMechanism decodes a NUL-padded mechanism field.
func parseMechanism(f []byte) (string, bool) {
	n := 0
	for n < len(f) && f[n] != 0 {
		if !isMechanismChar(f[n]) {
			return "", false
		}
		n++
	}
	if n == 0 {
		return "", false
	}
	for _, c := range f[n:] {
		if c != 0 {
			return "", false
		}
	}
	switch name := f[:n]; string(name) { // no allocation for known names
	case "NULL":
		return "NULL", true
	case "PLAIN":
		return "PLAIN", true
	case "CURVE":
		return "CURVE", true
	default:
		return string(name), true
	}
}

// isMechanismChar reports whether c is an RFC 23 mechanism-char other than NUL.
func isMechanismChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '+'
}
