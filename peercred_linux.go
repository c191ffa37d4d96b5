package zmq

import (
	"net"
	"strconv"
	"syscall"
)

// peerCredentials returns ":uid:gid:pid" of the process at the other end
// of c (SO_PEERCRED), or "".
func peerCredentials(c *net.UnixConn) string {
	rc, err := c.SyscallConn()
	if err != nil {
		return ""
	}
	var cred *syscall.Ucred
	rc.Control(func(fd uintptr) {
		cred, err = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if err != nil || cred == nil {
		return ""
	}
	return ":" + strconv.FormatUint(uint64(cred.Uid), 10) + ":" + strconv.FormatUint(uint64(cred.Gid), 10) + ":" + strconv.FormatInt(int64(cred.Pid), 10)
}
