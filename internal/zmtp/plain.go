package zmtp

import "errors"

// The PLAIN mechanism's commands (RFC 24). INITIATE and READY carry
// metadata, as READY does under NULL.
const (
	CmdHello    = "HELLO"
	CmdWelcome  = "WELCOME"
	CmdInitiate = "INITIATE"
)

// MaxPlainCredential is the longest PLAIN user name or password: each is
// sent with a one-byte length.
const MaxPlainCredential = 255

// ErrMalformedHello reports a PLAIN HELLO whose lengths do not add up.
var ErrMalformedHello = errors.New("zmtp: malformed PLAIN HELLO")

// AppendPlainHello appends a PLAIN HELLO command frame. Credentials longer
// than MaxPlainCredential are truncated; the socket options refuse them
// before they get here.
func AppendPlainHello(b []byte, username, password []byte) []byte {
	username = username[:min(len(username), MaxPlainCredential)]
	password = password[:min(len(password), MaxPlainCredential)]
	return AppendCommand(b, CmdHello, []byte{byte(len(username))}, username, []byte{byte(len(password))}, password)
}

// ParsePlainHello parses the data of a PLAIN HELLO: a user name and a
// password, each after its one-byte length, and nothing after them. The
// results alias data.
func ParsePlainHello(data []byte) (username, password []byte, err error) {
	if len(data) < 1 || int(data[0]) > len(data)-1 {
		return nil, nil, ErrMalformedHello
	}
	username, data = data[1:1+int(data[0])], data[1+int(data[0]):]
	if len(data) < 1 || int(data[0]) != len(data)-1 {
		return nil, nil, ErrMalformedHello
	}
	return username, data[1:], nil
}

// AppendInitiate appends a PLAIN INITIATE command frame carrying md.
func AppendInitiate(b []byte, md Metadata) []byte {
	b = appendCommandHeader(b, CmdInitiate, uint64(1+len(CmdInitiate))+metadataLen(md))
	return AppendMetadata(b, md)
}

// libzmq's PLAIN mechanism (4.3.4 and later, as of 2026) spells its ERROR
// command's name with the C string "\x05ERROR", which C reads as the byte
// 0x5E followed by "RROR": its PLAIN server sends the name-length byte
// 0x5E and the name "RROR" run together, 9 bytes where RFC 23 has 10, and
// its PLAIN client recognizes only that form. An RFC 23 ERROR makes a
// libzmq PLAIN client report an unexpected command instead of the refusal.
var libzmqPlainError = []byte("\x5eRROR")

// AppendPlainError appends an ERROR command frame in the form libzmq's
// PLAIN server sends and its PLAIN client expects (see libzmqPlainError).
// A reason longer than 255 bytes is truncated.
func AppendPlainError(b []byte, reason string) []byte {
	reason = reason[:min(len(reason), maxReasonSize)]
	b = AppendFrameHeader(b, FlagCommand, uint64(len(libzmqPlainError)+1+len(reason)))
	b = append(b, libzmqPlainError...)
	b = append(b, byte(len(reason)))
	return append(b, reason...)
}

// ParsePlainCommand is ParseCommand for a PLAIN client: it also reads
// libzmq's form of ERROR (see libzmqPlainError) as an ERROR.
func ParsePlainCommand(body []byte) (name string, data []byte, err error) {
	if len(body) > len(libzmqPlainError) && string(body[:len(libzmqPlainError)]) == string(libzmqPlainError) {
		return CmdError, body[len(libzmqPlainError):], nil
	}
	return ParseCommand(body)
}
