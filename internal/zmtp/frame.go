package zmtp

import (
	"encoding/binary"
	"io"
)

// Frame flags.
const (
	FlagMore    byte = 1 // more frames of this message follow
	FlagLong    byte = 2 // the size is 8 bytes rather than 1
	FlagCommand byte = 4 // the frame is a command, not message data
)

// flagsMask holds the defined flag bits; the others are reserved and ignored.
const flagsMask = FlagMore | FlagLong | FlagCommand

// MaxShortSize is the largest size encoded in a short (2-byte) frame header.
const MaxShortSize = 255

// AppendFrameHeader appends a frame header for a body of size bytes. It sets
// FlagLong in flags if size exceeds MaxShortSize and clears it otherwise.
func AppendFrameHeader(b []byte, flags byte, size uint64) []byte {
	if size > MaxShortSize {
		b = append(b, flags|FlagLong)
		return binary.BigEndian.AppendUint64(b, size)
	}
	return append(b, flags&^FlagLong, byte(size))
}

// FrameHeaderLen returns the length of the header AppendFrameHeader writes
// for a body of size bytes: 2 or 9.
func FrameHeaderLen(size uint64) int {
	if size > MaxShortSize {
		return 9
	}
	return 2
}

// ParseFrameHeader parses the frame header at the start of p and returns its
// flags (reserved bits cleared), the body size and the header length n.
// It returns io.ErrUnexpectedEOF if p holds only part of a header,
// ErrCommandMore for a command frame with FlagMore set, and ErrFrameTooLarge
// if a long size is 2^63 or more. A long header with a size below 256 is
// accepted.
func ParseFrameHeader(p []byte) (flags byte, size uint64, n int, err error) {
	if len(p) == 0 {
		return 0, 0, 0, io.ErrUnexpectedEOF
	}
	flags = p[0] & flagsMask
	if flags&(FlagCommand|FlagMore) == FlagCommand|FlagMore {
		return 0, 0, 0, ErrCommandMore
	}
	if flags&FlagLong == 0 {
		if len(p) < 2 {
			return 0, 0, 0, io.ErrUnexpectedEOF
		}
		return flags, uint64(p[1]), 2, nil
	}
	if len(p) < 9 {
		return 0, 0, 0, io.ErrUnexpectedEOF
	}
	size = binary.BigEndian.Uint64(p[1:9])
	if size >= 1<<63 {
		return 0, 0, 0, ErrFrameTooLarge
	}
	return flags, size, 9, nil
}
