//go:build !linux

package zmq

import "context"

// pollWake is the wake-up state of receives waiting in poll(2): none here.
type pollWake struct{}

// pollable reports whether a receive may wait in poll(2). s.mu is held.
func (s *Socket) pollable(context.Context) bool { return false }

// pollWait is never used here.
func (s *Socket) pollWait(context.Context, chan struct{}) (handled, polled bool, err error) {
	return false, false, nil
}

// pokeReceivers wakes receives waiting in poll(2): there are none.
func (s *Socket) pokeReceivers() {}

// closePollWake releases the wake-up descriptor. s.mu is held.
func (s *Socket) closePollWake() {}
