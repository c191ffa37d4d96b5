package zmq

import (
	"context"
	"fmt"
	"slices"
)

// DeviceKind names one of ZeroMQ's three classic devices, libzmq's
// ZMQ_STREAMER, ZMQ_FORWARDER and ZMQ_QUEUE (with their values).
type DeviceKind int

// The devices.
const (
	// Streamer passes a pipeline on: PULL frontend, PUSH backend.
	Streamer DeviceKind = 1
	// Forwarder passes publications down and subscriptions up: an XSUB
	// (or SUB) frontend that connects to publishers, an XPUB (or PUB)
	// backend that subscribers connect to.
	Forwarder DeviceKind = 2
	// Queue shares requests among workers and routes the replies back:
	// a ROUTER frontend for clients, a DEALER backend for workers.
	Queue DeviceKind = 3
)

func (k DeviceKind) String() string {
	switch k {
	case Streamer:
		return "STREAMER"
	case Forwarder:
		return "FORWARDER"
	case Queue:
		return "QUEUE"
	}
	return fmt.Sprintf("DeviceKind(%d)", int(k))
}

// deviceTypes lists the socket types each device accepts, frontend then
// backend.
var deviceTypes = map[DeviceKind][2][]Type{
	Streamer:  {{Pull}, {Push}},
	Forwarder: {{XSub, Sub}, {XPub, Pub}},
	Queue:     {{Router}, {Dealer}},
}

// Device runs the device of the given kind between frontend and backend
// until ctx ends or a socket fails, as [Proxy] does. Unlike libzmq's
// deprecated zmq_device, which runs any proxy whatever its sockets, it
// first checks that the sockets are of the types the device is made of,
// and returns an error wrapping [ErrInvalid] if not.
//
// A SUB frontend of a Forwarder must subscribe itself: it sends no
// subscriptions upstream. An XSUB frontend with an XPUB backend passes
// the subscribers' subscriptions on to the publishers.
func Device(ctx context.Context, kind DeviceKind, frontend, backend *Socket) error {
	types, ok := deviceTypes[kind]
	if !ok {
		return fmt.Errorf("%w: unknown device %v", ErrInvalid, kind)
	}
	if frontend == nil || backend == nil {
		return ErrProxySocket
	}
	if !slices.Contains(types[0], frontend.typ) || !slices.Contains(types[1], backend.typ) {
		return fmt.Errorf("%w: a %v device takes a %v frontend and a %v backend, not %v and %v",
			ErrInvalid, kind, types[0][0], types[1][0], frontend.typ, backend.typ)
	}
	return Proxy(ctx, frontend, backend, nil)
}
