//go:build !unix

package zmq

import (
	"net"
	"syscall"
)

// rawConn returns nil: on this platform the reader goroutine alone reads.
func rawConn(net.Conn) syscall.RawConn { return nil }

func readFD(uintptr, []byte) (int, bool, error) { panic("zmq: no raw reads on this platform") }

func readable(uintptr) bool { panic("zmq: no raw reads on this platform") }

func writeFD(uintptr, []byte) (int, bool, error) { panic("zmq: no raw writes on this platform") }

// pendingInput reports false: without raw access there is no peeking.
func pendingInput(syscall.RawConn) bool { return false }
