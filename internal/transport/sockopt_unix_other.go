//go:build unix && !linux

package transport

import "time"

// setMaxRT does nothing: only Linux (TCP_USER_TIMEOUT) and Windows
// (TCP_MAXRT) have the option, and libzmq ignores it elsewhere too.
func setMaxRT(uintptr, time.Duration) error { return nil }
