package zmtp

import (
	"errors"
	"strconv"
)

// Errors returned by the parse functions. The engine should treat each of them
// as a protocol error and close the connection.
var (
	// ErrBadSignature means a signature is not SignatureSize bytes long.
	ErrBadSignature = errors.New("zmtp: bad greeting signature")
	// ErrBadMechanism means the greeting's mechanism field is empty, holds a
	// character outside A-Z 0-9 - _ . +, or is not NUL padded.
	ErrBadMechanism = errors.New("zmtp: bad security mechanism name")
	// ErrFrameTooLarge means a long frame size has its top bit set.
	ErrFrameTooLarge = errors.New("zmtp: frame size too large")
	// ErrMalformedCommand means a command body or command data is malformed.
	ErrMalformedCommand = errors.New("zmtp: malformed command")
	// ErrMalformedMetadata means a metadata property list is malformed.
	ErrMalformedMetadata = errors.New("zmtp: malformed metadata")
	// ErrCommandMore means a command frame has the MORE flag set.
	ErrCommandMore = errors.New("zmtp: command frame with MORE flag")
)

// VersionError reports a greeting that is not a ZMTP 3.x one, which is all
// this package parses. Major and Minor are greeting bytes 10 and 11 as
// received; a peer recognized as ZMTP 1.0 from its signature alone (see
// [CheckSignature]) is reported as 1.0.
//
// Byte 10 is the revision in libzmq's terms: 0 for ZMTP 1.0, 1 for ZMTP 2.0
// (RFC 15, where byte 11 is the socket type rather than a minor version)
// and 3 for ZMTP 3.x. The library refuses ZMTP 1.0 peers, but serves ZMTP
// 2.0 peers: the engine reads the revision byte before the rest of the
// greeting and hands such a peer to its RFC 15 handshake, so a 2.0 greeting
// never reaches [ParseGreeting] there.
type VersionError struct{ Major, Minor uint8 }

func (e *VersionError) Error() string {
	if e.Major == 0 {
		return "zmtp: ZMTP 1.0 peer (revision 0), which is not supported"
	}
	return "zmtp: greeting version " + strconv.Itoa(int(e.Major)) + "." +
		strconv.Itoa(int(e.Minor)) + " is not ZMTP 3.x"
}
