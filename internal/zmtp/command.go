package zmtp

// Command names.
const (
	CmdReady     = "READY"
	CmdError     = "ERROR"
	CmdSubscribe = "SUBSCRIBE"
	CmdCancel    = "CANCEL"
	CmdPing      = "PING"
	CmdPong      = "PONG"
)

// AppendCommand appends a whole command frame: header, name and the
// concatenation of data. The name must be 1 to 255 bytes long; a longer name
// is truncated.
func AppendCommand(b []byte, name string, data ...[]byte) []byte {
	if len(name) > 255 {
		name = name[:255]
	}
	size := uint64(1 + len(name))
	for _, d := range data {
		size += uint64(len(d))
	}
	b = appendCommandHeader(b, name, size)
	for _, d := range data {
		b = append(b, d...)
	}
	return b
}

// appendCommandHeader appends the frame header for a command body of size
// bytes followed by the name, which must be at most 255 bytes long.
func appendCommandHeader(b []byte, name string, size uint64) []byte {
	b = AppendFrameHeader(b, FlagCommand, size)
	b = append(b, byte(len(name)))
	return append(b, name...)
}

// ParseCommand splits a command frame body into its name and data. The data
// aliases body. It returns ErrMalformedCommand if the name length is zero or
// exceeds the body.
func ParseCommand(body []byte) (name string, data []byte, err error) {
	if len(body) == 0 || body[0] == 0 || int(body[0]) >= len(body) {
		return "", nil, ErrMalformedCommand
	}
	n := 1 + int(body[0])
	return commandName(body[1:n]), body[n:], nil
}

// commandName converts b to a string without allocating for known names.
func commandName(b []byte) string {
	switch string(b) {
	case CmdReady:
		return CmdReady
	case CmdError:
		return CmdError
	case CmdSubscribe:
		return CmdSubscribe
	case CmdCancel:
		return CmdCancel
	case CmdPing:
		return CmdPing
	case CmdPong:
		return CmdPong
	case CmdHello:
		return CmdHello
	case CmdWelcome:
		return CmdWelcome
	case CmdInitiate:
		return CmdInitiate
	}
	return string(b)
}
