// Package zmtp implements the wire encoding of the ZeroMQ Message Transport
// Protocol, versions 3.0 (RFC 23, https://rfc.zeromq.org/spec/23/) and 3.1
// (RFC 37, https://rfc.zeromq.org/spec/37/), byte for byte compatible with
// libzmq 4.3.
//
// The package is a pure codec: it starts no goroutines and does no I/O.
// Append functions append an encoded element to a byte slice and return the
// extended slice; Parse functions decode an element from a byte slice. Parse
// functions never panic and never allocate more than their input's size,
// whatever the input.
//
// Files, by wire element and specification section:
//
//	greeting.go   the 64-byte greeting: signature, version, mechanism,
//	              as-server ("Version Negotiation", "Formal Grammar")
//	frame.go      the frame header: flags and short or long size ("Framing")
//	command.go    command frames: name and data ("Commands")
//	ready.go      READY ("The NULL Security Mechanism", "Commands")
//	error.go      ERROR ("Error Handling")
//	subscribe.go  SUBSCRIBE and CANCEL (RFC 37 "Commands"; ZMTP 3.0 peers use
//	              data frames instead, see the engine)
//	ping.go       PING and PONG (RFC 37 "Connection Heartbeating")
//	metadata.go   READY metadata properties ("Connection Metadata")
//	compat.go     valid Socket-Type pairs ("Socket Compatibility")
//	errors.go     error values
package zmtp
