//go:build !linux

package transport

const haveBindToDevice = false

func bindToDevice(uintptr, string) error { return ErrUnsupported }
