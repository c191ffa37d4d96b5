//go:build !linux

package main

import (
	"errors"
	"net"
)

// pollReadFull is Linux only.
func pollReadFull(net.Conn, []byte) error {
	return errors.New("latfloor: the poll mode needs Linux")
}
