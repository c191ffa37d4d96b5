package zmtp

import "encoding/binary"

// MaxPingContextSize is the largest PING or PONG context.
const MaxPingContextSize = 16

// AppendPing appends a PING command frame with a time-to-live in
// deciseconds (0 means none) and a context the peer echoes in its PONG.
// A context longer than MaxPingContextSize is truncated.
func AppendPing(b []byte, ttlDeciseconds uint16, context []byte) []byte {
	if len(context) > MaxPingContextSize {
		context = context[:MaxPingContextSize]
	}
	b = appendCommandHeader(b, CmdPing, uint64(1+len(CmdPing)+2+len(context)))
	b = binary.BigEndian.AppendUint16(b, ttlDeciseconds)
	return append(b, context...)
}

// ParsePing parses the data of a PING command into its time-to-live in
// deciseconds and its context, which aliases data. A context longer than
// MaxPingContextSize is cut to that size, as libzmq's PONG echoes it. It
// returns ErrMalformedCommand if data is shorter than 2 bytes.
func ParsePing(data []byte) (ttl uint16, context []byte, err error) {
	if len(data) < 2 {
		return 0, nil, ErrMalformedCommand
	}
	context = data[2:]
	if len(context) > MaxPingContextSize {
		context = context[:MaxPingContextSize]
	}
	return binary.BigEndian.Uint16(data), context, nil
}

// AppendPong appends a PONG command frame echoing a PING's context. A context
// longer than MaxPingContextSize is truncated. The data of a received PONG is
// its context.
func AppendPong(b []byte, context []byte) []byte {
	if len(context) > MaxPingContextSize {
		context = context[:MaxPingContextSize]
	}
	b = appendCommandHeader(b, CmdPong, uint64(1+len(CmdPong)+len(context)))
	return append(b, context...)
}
