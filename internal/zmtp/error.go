package zmtp

// maxReasonSize is the longest ERROR reason.
const maxReasonSize = 255

// AppendError appends an ERROR command frame. A reason longer than 255 bytes
// is truncated.
func AppendError(b []byte, reason string) []byte {
	if len(reason) > maxReasonSize {
		reason = reason[:maxReasonSize]
	}
	b = appendCommandHeader(b, CmdError, uint64(1+len(CmdError)+1+len(reason)))
	b = append(b, byte(len(reason)))
	return append(b, reason...)
}

// ParseError parses the data of an ERROR command. It returns
// ErrMalformedCommand if the reason length exceeds data. Bytes after the
// reason are ignored, as libzmq does.
func ParseError(data []byte) (reason string, err error) {
	if len(data) == 0 || int(data[0]) > len(data)-1 {
		return "", ErrMalformedCommand
	}
	return string(data[1 : 1+int(data[0])]), nil
}
