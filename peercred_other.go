//go:build !linux

package zmq

import "net"

// peerCredentials returns "": only Linux's credentials are read so far
// (libzmq reads the BSDs' LOCAL_PEERCRED as well).
func peerCredentials(*net.UnixConn) string { return "" }
