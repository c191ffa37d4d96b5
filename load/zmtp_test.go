//go:build load

package load

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// A small ZMTP 3.1 client written from RFC 37 and RFC 23, independent of
// the library's own encoder: it is cheaper than a library socket (no
// goroutine, no buffers), and it tells the library's and libzmq's servers
// apart from nothing.

// greeting31 is a ZMTP 3.1 greeting for the NULL mechanism, as a client.
func greeting31() []byte {
	g := make([]byte, 64)
	g[0], g[9] = 0xFF, 0x7F // signature: FF, 8 bytes of padding, 7F
	g[10], g[11] = 3, 1     // version 3.1
	copy(g[12:32], "NULL")  // mechanism, zero-padded to 20 bytes
	// g[32] as-server = 0, then 31 bytes of filler.
	return g
}

// readyCommand is the NULL mechanism's READY command with one property,
// Socket-Type.
func readyCommand(socketType string) []byte {
	body := []byte("\x05READY")
	body = append(body, byte(len("Socket-Type")))
	body = append(body, "Socket-Type"...)
	body = binary.BigEndian.AppendUint32(body, uint32(len(socketType)))
	body = append(body, socketType...)
	return appendFrame(nil, 0x04, body)
}

// appendFrame appends a frame with the given flags (command 0x04, more
// 0x01), choosing the short or long form.
func appendFrame(dst []byte, flags byte, body []byte) []byte {
	if len(body) <= 255 {
		dst = append(dst, flags, byte(len(body)))
	} else {
		dst = append(dst, flags|0x02)
		dst = binary.BigEndian.AppendUint64(dst, uint64(len(body)))
	}
	return append(dst, body...)
}

// handshake performs the client's side of a ZMTP 3.1 NULL handshake as a
// socket of type socketType, and checks that the server is a peerType.
func handshake(c net.Conn, socketType, peerType string, limit time.Duration) error {
	c.SetDeadline(time.Now().Add(limit))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(append(greeting31(), readyCommand(socketType)...)); err != nil {
		return err
	}
	var g [64]byte
	if _, err := io.ReadFull(c, g[:]); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if g[0] != 0xFF || g[9] != 0x7F || g[10] != 3 {
		return fmt.Errorf("bad greeting % x", g[:12])
	}
	if !bytes.HasPrefix(g[12:32], []byte("NULL\x00")) {
		return fmt.Errorf("mechanism %q", g[12:32])
	}
	flags, body, err := readFrame(c)
	if err != nil {
		return fmt.Errorf("READY: %w", err)
	}
	if flags&0x04 == 0 || !bytes.HasPrefix(body, []byte("\x05READY")) {
		return fmt.Errorf("want READY, got flags %#x % x", flags, body[:min(len(body), 16)])
	}
	if !bytes.Contains(body, []byte("Socket-Type\x00\x00\x00"+string(rune(len(peerType)))+peerType)) {
		return fmt.Errorf("peer is not a %s: % x", peerType, body)
	}
	return nil
}

// readFrame reads one frame.
func readFrame(r io.Reader) (flags byte, body []byte, err error) {
	var h [9]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return 0, nil, err
	}
	flags = h[0]
	size := uint64(h[1])
	if flags&0x02 != 0 {
		if _, err := io.ReadFull(r, h[2:9]); err != nil {
			return 0, nil, err
		}
		size = binary.BigEndian.Uint64(h[1:9])
	}
	if size > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", size)
	}
	body = make([]byte, size)
	_, err = io.ReadFull(r, body)
	return flags, body, err
}
