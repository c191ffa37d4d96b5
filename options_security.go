package zmq

import "strconv"

// Mechanism is a ZMTP security mechanism (RFC 23), with libzmq's values
// (ZMQ_MECHANISM).
type Mechanism int

// The mechanisms. Both sides of a connection must use the same one; one
// side is its server, whatever side binds.
const (
	// MechanismNull authenticates nobody and encrypts nothing (RFC 23).
	// A ZAP handler, when the socket has a ZAPDomain, may still refuse
	// peers by address.
	MechanismNull Mechanism = 0
	// MechanismPlain sends a user name and a password in clear text
	// (RFC 24), for a ZAP handler on the server to check.
	MechanismPlain Mechanism = 1
	// MechanismCurve authenticates the server by its long-term key, lets a
	// ZAP handler on the server check the client's, and encrypts
	// everything after the greeting (RFC 25 and RFC 26).
	MechanismCurve Mechanism = 2
)

func (m Mechanism) String() string {
	switch m {
	case MechanismNull:
		return "NULL"
	case MechanismPlain:
		return "PLAIN"
	case MechanismCurve:
		return "CURVE"
	}
	return "Mechanism(" + strconv.Itoa(int(m)) + ")"
}

// The socket's security settings, a part of options.
type security struct {
	mechanism        Mechanism
	asServer         bool
	plainUsername    string
	plainPassword    string
	zapDomain        string
	zapEnforceDomain bool

	// CURVE: the socket's long-term key pair, and the server's public key
	// for a client. A zero key means none was set.
	curvePublic    CurvePublicKey
	curveSecret    *CurveSecretKey
	curveServerKey CurvePublicKey
}

// maxZAPDomain is the longest ZAP domain libzmq accepts.
const maxZAPDomain = 255

// PlainServer sets ZMQ_PLAIN_SERVER: true makes the socket a PLAIN server
// (RFC 24), which asks the context's ZAP handler (see [ZAPEndpoint]) to
// check each client's user name and password, and refuses every client
// while no handler is bound, as libzmq does. false returns the socket to
// the NULL mechanism. Default false. It applies to connections that start
// afterwards.
func PlainServer(on bool) Option {
	return func(s *Socket) error {
		s.opts.asServer = on
		s.opts.mechanism = MechanismNull
		if on {
			s.opts.mechanism = MechanismPlain
		}
		return nil
	}
}

// PlainUsername sets ZMQ_PLAIN_USERNAME: a non-empty name makes the socket
// a PLAIN client that presents it, with [PlainPassword]'s password, to the
// server; an empty one returns the socket to the NULL mechanism. At most
// 255 bytes. It applies to connections that start afterwards.
func PlainUsername(name string) Option {
	return plainCredential("PlainUsername", name, func(o *options) { o.plainUsername = name })
}

// PlainPassword sets ZMQ_PLAIN_PASSWORD: the password a PLAIN client
// presents; setting a non-empty one makes the socket a PLAIN client, as
// [PlainUsername] does. At most 255 bytes. The password travels in clear
// text: PLAIN belongs on networks that are already private.
func PlainPassword(password string) Option {
	return plainCredential("PlainPassword", password, func(o *options) { o.plainPassword = password })
}

func plainCredential(option, value string, set func(o *options)) Option {
	return func(s *Socket) error {
		if len(value) > 255 {
			// The value itself stays out of the error: it may be a
			// secret.
			return invalid("%s of %d bytes (at most 255)", option, len(value))
		}
		set(&s.opts)
		s.opts.asServer = false
		s.opts.mechanism = MechanismNull
		if value != "" {
			s.opts.mechanism = MechanismPlain
		}
		return nil
	}
}

// ZAPDomain sets ZMQ_ZAP_DOMAIN: the domain a server names in its requests
// to the ZAP handler (RFC 27), so that one handler can apply different
// rules to different sockets. A NULL socket with a domain asks the handler
// about every peer (by address), when a handler is bound. At most 255
// bytes. Default "".
func ZAPDomain(domain string) Option {
	return func(s *Socket) error {
		if len(domain) > maxZAPDomain {
			return invalid("ZAPDomain of %d bytes (at most %d)", len(domain), maxZAPDomain)
		}
		s.opts.zapDomain = domain
		return nil
	}
}

// ZAPEnforceDomain sets ZMQ_ZAP_ENFORCE_DOMAIN: a NULL socket with a
// ZAPDomain refuses every peer while no ZAP handler is bound, instead of
// accepting them unchecked (RFC 27 asks for this; libzmq makes it an
// option for compatibility, off by default, and so do we).
func ZAPEnforceDomain(on bool) Option {
	return func(s *Socket) error {
		s.opts.zapEnforceDomain = on
		return nil
	}
}

// CurveServer sets ZMQ_CURVE_SERVER: true makes the socket a CURVE server
// (RFC 25 and 26), which proves itself with its long-term key pair
// ([CurveSecret], required) and, when a ZAP handler is bound (see
// [ZAPEndpoint]), asks it about each client's long-term public key. With
// no handler bound it accepts every client, as libzmq does: the traffic is
// encrypted, and the clients only know the server (with ZAPDomain and
// ZAPEnforceDomain set, it refuses them instead). false returns the socket
// to the NULL mechanism. It applies to connections that start afterwards.
func CurveServer(on bool) Option {
	return func(s *Socket) error {
		s.opts.asServer = on
		s.opts.mechanism = MechanismNull
		if on {
			s.opts.mechanism = MechanismCurve
		}
		return nil
	}
}

// CurvePublic sets ZMQ_CURVE_PUBLICKEY: the socket's long-term public
// key, which a CURVE client presents to the server. Left unset, it is the
// public key of [CurveSecret]'s key. As in libzmq, setting any CURVE key
// selects the CURVE mechanism (as a client, unless [CurveServer] made the
// socket a server).
func CurvePublic(k CurvePublicKey) Option {
	return func(s *Socket) error {
		s.opts.curvePublic = k
		s.opts.mechanism = MechanismCurve
		return nil
	}
}

// CurveSecret sets ZMQ_CURVE_SECRETKEY: the socket's long-term secret
// key, which both CURVE clients and servers need; a connection of a CURVE
// socket without one fails its handshake at once, with
// ZMTP_CRYPTOGRAPHIC (libzmq would go on with an all-zero key, whose
// public key everyone knows). Setting it selects the CURVE mechanism, as
// [CurvePublic] does. The key is kept by reference: CurveSecretKey
// values are immutable.
func CurveSecret(k *CurveSecretKey) Option {
	return func(s *Socket) error {
		if k == nil {
			return invalid("CurveSecret(nil)")
		}
		s.opts.curveSecret = k
		s.opts.mechanism = MechanismCurve
		return nil
	}
}

// CurveServerKey sets ZMQ_CURVE_SERVERKEY: the long-term public key of the
// server the socket connects to, which makes the socket a CURVE client. A
// key of small order (see [CurvePublicKey.Check]) is refused with
// [ErrInvalid]. A CURVE client without a server key fails its handshakes
// with ZMTP_CRYPTOGRAPHIC, as libzmq's does.
func CurveServerKey(k CurvePublicKey) Option {
	return func(s *Socket) error {
		if k.Check() != nil {
			return invalid("CurveServerKey: the key is a point of small order")
		}
		s.opts.curveServerKey = k
		s.opts.asServer = false
		s.opts.mechanism = MechanismCurve
		return nil
	}
}
