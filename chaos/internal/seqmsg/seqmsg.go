//go:build chaos

// Package seqmsg is the message format of the chaos tests: every frame of a
// message carries the producer id, the message's sequence number, the
// frame's index and the frame count, and the CRC-32 of its payload, so a
// receiver can tell a whole, intact message from a partial, corrupted,
// duplicated or reordered one without knowing what was sent.
package seqmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// HeaderSize is the size of the header before each frame's payload:
// producer (4 bytes), seq (8), frame index (2), frame count (2), CRC-32 of
// the payload (4), all big-endian.
const HeaderSize = 20

// Encode returns the frames of message seq of producer prod: nframes frames
// of size payload bytes each. The payload is a deterministic function of
// (prod, seq, frame index).
func Encode(prod uint32, seq uint64, nframes, size int) [][]byte {
	if nframes < 1 || nframes > 0xffff {
		panic("seqmsg: frame count out of range")
	}
	frames := make([][]byte, nframes)
	for i := range frames {
		f := make([]byte, HeaderSize+size)
		fill(f[HeaderSize:], prod, seq, i)
		binary.BigEndian.PutUint32(f[0:], prod)
		binary.BigEndian.PutUint64(f[4:], seq)
		binary.BigEndian.PutUint16(f[12:], uint16(i))
		binary.BigEndian.PutUint16(f[14:], uint16(nframes))
		binary.BigEndian.PutUint32(f[16:], crc32.ChecksumIEEE(f[HeaderSize:]))
		frames[i] = f
	}
	return frames
}

// fill writes a xorshift stream seeded by the frame's identity.
func fill(b []byte, prod uint32, seq uint64, idx int) {
	x := uint64(prod)<<40 ^ seq*0x9e3779b97f4a7c15 ^ uint64(idx)<<20 | 1
	for len(b) >= 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b, x)
		b = b[8:]
	}
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
}

// ErrEmpty reports a message without frames.
var ErrEmpty = errors.New("seqmsg: no frames")

// Check verifies a received message: every frame has a header, the same
// producer and seq, consecutive indexes, the count matching the number of
// frames, and a payload matching its CRC. It returns the producer and seq
// (as far as the first frame tells them) with an error describing the
// first defect, if any.
func Check(frames [][]byte) (prod uint32, seq uint64, err error) {
	if len(frames) == 0 {
		return 0, 0, ErrEmpty
	}
	for i, f := range frames {
		if len(f) < HeaderSize {
			return prod, seq, fmt.Errorf("frame %d: %d bytes, shorter than the header", i, len(f))
		}
		p, s := binary.BigEndian.Uint32(f[0:]), binary.BigEndian.Uint64(f[4:])
		idx, n := binary.BigEndian.Uint16(f[12:]), binary.BigEndian.Uint16(f[14:])
		if i == 0 {
			prod, seq = p, s
		}
		switch {
		case p != prod || s != seq:
			return prod, seq, fmt.Errorf("frame %d belongs to %d/%d", i, p, s)
		case int(idx) != i:
			return prod, seq, fmt.Errorf("frame %d has index %d", i, idx)
		case int(n) != len(frames):
			return prod, seq, fmt.Errorf("%d frames, the message has %d", len(frames), n)
		case crc32.ChecksumIEEE(f[HeaderSize:]) != binary.BigEndian.Uint32(f[16:]):
			return prod, seq, fmt.Errorf("frame %d: CRC mismatch", i)
		}
	}
	return prod, seq, nil
}
