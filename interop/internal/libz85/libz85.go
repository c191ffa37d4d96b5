// Package libz85 calls libzmq's own Z85 codec, zmq_z85_encode and
// zmq_z85_decode, so that the interop tests can compare which inputs it
// refuses: github.com/pebbe/zmq4 does not report its errors.
package libz85

/*
#cgo pkg-config: libzmq
#include <stdint.h>
#include <stdlib.h>
#include <zmq.h>
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Encode returns zmq_z85_encode's text for b, or false where it refuses b.
func Encode(b []byte) (string, bool) {
	dst := make([]byte, len(b)*5/4+1)
	var src *C.uint8_t
	if len(b) > 0 {
		src = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	if C.zmq_z85_encode((*C.char)(unsafe.Pointer(&dst[0])), src, C.size_t(len(b))) == nil {
		return "", false
	}
	return string(dst[:len(b)*5/4]), true
}

// Decode returns zmq_z85_decode's bytes for s, or false where it refuses s.
// libzmq reads s as a C string: s must not hold a NUL byte.
func Decode(s string) ([]byte, bool) {
	if strings.IndexByte(s, 0) >= 0 {
		panic("libz85.Decode: a NUL byte in the input")
	}
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	n := len(s) * 4 / 5
	dst := make([]byte, n+1)
	if C.zmq_z85_decode((*C.uint8_t)(unsafe.Pointer(&dst[0])), cs) == nil {
		return nil, false
	}
	return dst[:n], true
}
