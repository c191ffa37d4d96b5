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

// VersionError reports a peer speaking an unsupported protocol version
// (ZMTP 1.0 or 2.0). Major and Minor are greeting bytes 10 and 11 as received
// (libzmq's ZMTP 1.0 and 2.0 revisions are 0 and 1). A peer recognized as
// ZMTP 1.0 from its signature alone is reported as 1.0.
type VersionError struct{ Major, Minor uint8 }

func (e *VersionError) Error() string {
	return "zmtp: unsupported protocol version " +
		strconv.Itoa(int(e.Major)) + "." + strconv.Itoa(int(e.Minor))
}
