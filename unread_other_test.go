//go:build !linux

package zmq_test

import "net"

// unreadByPeer cannot tell on this platform how much of what was written
// to conn its peer has read.
func unreadByPeer(net.Conn) (n int, ok bool) { return 0, false }
