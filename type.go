package zmq

import "fmt"

// Type is a socket type. The values are libzmq's (ZMQ_PAIR is 0, ZMQ_PUB
// is 1, ...), so numbers from C code carry over.
type Type int

// Socket types.
const (
	Pair   Type = 0  // exclusive pair (RFC 31)
	Pub    Type = 1  // publisher: fans out to matching subscribers (RFC 29)
	Sub    Type = 2  // subscriber: filters by prefix (RFC 29)
	Req    Type = 3  // requester: strict send/receive alternation (RFC 28)
	Rep    Type = 4  // replier: answers each request to its sender (RFC 28)
	Dealer Type = 5  // asynchronous requester: load-balances out, fair-queues in (RFC 28)
	Router Type = 6  // asynchronous replier: routes by peer identity (RFC 28)
	Pull   Type = 7  // pipeline sink: fair-queues in (RFC 30)
	Push   Type = 8  // pipeline source: load-balances out (RFC 30)
	XPub   Type = 9  // publisher that sees subscriptions (RFC 29)
	XSub   Type = 10 // subscriber that sends subscriptions as messages (RFC 29)
	Stream Type = 11 // raw TCP peer: [routing id][data] messages
)

var typeNames = [...]string{"PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB", "STREAM"}

// String returns the name a peer sees in the Socket-Type property, such as
// "PUSH".
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

func (t Type) valid() bool { return t >= 0 && int(t) < len(typeNames) }

// usesRoutingID reports whether the type announces its routing id in READY
// (libzmq sends Identity for REQ, DEALER and ROUTER).
func (t Type) usesRoutingID() bool { return t == Req || t == Dealer || t == Router }

// receives reports whether the application receives on the type, so that
// a receive may read connections itself (PUB and PUSH never receive).
func (t Type) receives() bool { return t != Pub && t != Push }

// sends reports whether the type sends messages (SUB and PULL do not).
func (t Type) sends() bool { return t != Sub && t != Pull }
