package zmq

import "time"

// HeartbeatInterval sets ZMQ_HEARTBEAT_IVL: send a ZMTP PING to each peer
// this often once the handshake is done. Default 0: no PINGs. A peer that
// sends nothing at all within HeartbeatTimeout of a PING is disconnected,
// and a connecting socket reconnects.
func HeartbeatInterval(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			return invalid("HeartbeatInterval %v", d)
		}
		s.opts.heartbeatIvl = d
		return nil
	}
}

// HeartbeatTimeout sets ZMQ_HEARTBEAT_TIMEOUT: how long to wait for any
// traffic after a PING before closing the connection. Default -1: the
// HeartbeatInterval.
func HeartbeatTimeout(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 {
			d = -1
		}
		s.opts.heartbeatTimeout = d
		return nil
	}
}

// maxHeartbeatTTL is the largest HeartbeatTTL: the wire carries deciseconds
// in 16 bits.
const maxHeartbeatTTL = 6553599 * time.Millisecond

// HeartbeatTTL sets ZMQ_HEARTBEAT_TTL: the time-to-live announced in our
// PINGs, after which the peer may close the connection if it has heard
// nothing from us. It travels in deciseconds: it is rounded down to a
// multiple of 100ms, and values under 100ms announce none. At most
// 6553.599s. Default 0: none.
func HeartbeatTTL(d time.Duration) Option {
	return func(s *Socket) error {
		if d < 0 || d > maxHeartbeatTTL {
			return invalid("HeartbeatTTL %v (0 to %v)", d, maxHeartbeatTTL)
		}
		s.opts.heartbeatTTL = d - d%(100*time.Millisecond)
		return nil
	}
}

// ReconnectStopFlags say when a connecting socket stops reconnecting
// (ZMQ_RECONNECT_STOP).
type ReconnectStopFlags int

// The conditions of [ReconnectStop], with libzmq's values.
const (
	// StopOnConnRefused stops after a connection attempt is refused.
	StopOnConnRefused ReconnectStopFlags = 1
	// StopOnHandshakeFailed stops after a handshake that failed for any
	// reason, a timeout included (a protocol error always stops).
	StopOnHandshakeFailed ReconnectStopFlags = 2
	// StopAfterDisconnect stops once the socket has called Disconnect on
	// the endpoint, rather than finishing the attempt in progress.
	StopAfterDisconnect ReconnectStopFlags = 4
)

// ReconnectStop sets ZMQ_RECONNECT_STOP: conditions under which a
// connecting socket gives up on an endpoint instead of reconnecting.
// Whatever the flags, a protocol error (a peer that breaks ZMTP, has an
// incompatible socket type, or refuses our credentials) stops reconnection
// to that endpoint, as in libzmq; a network error never does. Default 0.
func ReconnectStop(flags ReconnectStopFlags) Option {
	return func(s *Socket) error {
		if flags&^(StopOnConnRefused|StopOnHandshakeFailed|StopAfterDisconnect) != 0 {
			return invalid("ReconnectStop %#x", int(flags))
		}
		s.opts.reconnectStop = flags
		return nil
	}
}
