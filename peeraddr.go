package zmq

import "net"

// peerAddress is the peer's address as libzmq gives it to the ZAP handler
// and in the Peer-Address property: the IP address of a tcp peer, without
// port; for an ipc peer, "localhost" (what getnameinfo makes of a unix
// socket's address) then, where the system tells, ":uid:gid:pid" of the
// process at the other end; otherwise "".
func peerAddress(conn net.Conn) string {
	switch a := conn.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UnixAddr:
		if uc, ok := conn.(*net.UnixConn); ok {
			return "localhost" + peerCredentials(uc)
		}
	}
	return ""
}
