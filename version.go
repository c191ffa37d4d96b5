package zmq

// Version returns the libzmq version whose behaviour and wire protocol the
// package follows and is tested against (libzmq's zmq_version): code
// ported from libzmq that checks for a minimum version finds 4.3.
func Version() (major, minor, patch int) { return 4, 3, 4 }

// Has reports whether the package supports a capability, named as
// libzmq's zmq_has names them: "ipc" and "curve" are supported; "pgm",
// "tipc", "norm", "vmci", "gssapi", "draft", "ws" and "wss" are not yet.
// An unknown name reports false.
func Has(capability string) bool {
	switch capability {
	case "ipc", "curve":
		return true
	}
	return false
}
