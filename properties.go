package zmq

import (
	"net"
	"strings"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// Names of the message properties a connection has in any case (see
// [Msg.Property]). A peer adds its own in its handshake metadata (libzmq's
// ZMQ_METADATA: names beginning "X-"), a ZAP handler in its reply.
const (
	PropSocketType  = "Socket-Type"  // the peer's socket type, as it announced it
	PropRoutingID   = "Routing-Id"   // the routing id the peer announced (its "Identity")
	PropUserID      = "User-Id"      // what the ZAP handler said the peer is
	PropPeerAddress = "Peer-Address" // the peer's IP address; for ipc, "localhost:uid:gid:pid"
)

// Property returns the value of a property of the connection m arrived
// on, as libzmq's zmq_msg_gets does: PropSocketType and every other
// property the peer sent in its handshake ("X-" ones included),
// PropRoutingID (also found as "Identity", libzmq's older name, and the
// other way round), PropUserID and the metadata of the ZAP handler that
// accepted the peer, and PropPeerAddress. Names are compared without
// regard to case (libzmq compares them exactly); where the peer, the ZAP
// handler and the connection give the same name, the connection's own
// value is found first, then the handler's, as in libzmq. A "User-Id" or
// "Peer-Address" in the peer's own metadata is ignored: libzmq shows a
// peer's "User-Id" when no ZAP handler was asked, so that a peer could
// pass for a user it is not.
//
// ok is false for a property the connection does not have, and for
// messages that did not come over a tcp or ipc connection (inproc ones
// and those made with [NewMsg]). The properties are gathered once per
// connection, when its handshake ends; a message only points at them,
// so receiving costs nothing more for them. A message received before
// its peer reconnected keeps the properties of the connection it came on.
func (m Msg) Property(name string) (value string, ok bool) {
	if m.props == nil {
		return "", false
	}
	if v, ok := m.props.get(name); ok {
		return v, true
	}
	switch {
	case strings.EqualFold(name, PropRoutingID):
		return m.props.get(zmtp.PropIdentity)
	case strings.EqualFold(name, zmtp.PropIdentity):
		return m.props.get(PropRoutingID)
	}
	return "", false
}

// connProps are the properties of one connection, in the order they are
// looked up. They never change once made, so that messages share them.
type connProps []connProp

type connProp struct{ name, value string }

func (c connProps) get(name string) (string, bool) {
	for _, p := range c {
		if strings.EqualFold(p.name, name) {
			return p.value, true
		}
	}
	return "", false
}

// newConnProps gathers the properties of e's connection once its handshake
// is done: its peer's address, what the ZAP handler said (if it was
// asked), and the metadata the peer sent.
func newConnProps(e *engine, peer zmtp.Metadata) *connProps {
	c := make(connProps, 0, 2+len(e.zapMetadata)+len(peer))
	if a := peerAddress(e.conn); a != "" {
		c = append(c, connProp{PropPeerAddress, a})
	}
	if e.zapped {
		c = append(c, connProp{PropUserID, string(e.userID)})
		for _, p := range e.zapMetadata {
			c = append(c, connProp{p.Name, string(p.Value)})
		}
	}
	for _, p := range peer {
		if strings.EqualFold(p.Name, PropUserID) || strings.EqualFold(p.Name, PropPeerAddress) {
			continue // the peer's word on who or where it is counts for nothing
		}
		c = append(c, connProp{p.Name, string(p.Value)})
	}
	return &c
}

// rawConnProps are the properties of a STREAM connection, which has no
// handshake: its peer's address.
func rawConnProps(conn net.Conn) *connProps {
	var c connProps
	if a := peerAddress(conn); a != "" {
		c = connProps{{PropPeerAddress, a}}
	}
	return &c
}

// A propsRun is how many of the messages queued on a pipe came over an
// earlier connection, and that connection's properties.
type propsRun struct {
	props *connProps
	left  int
}

// setProps records the properties of p's new connection. Messages that
// an earlier connection queued and the application has not yet taken
// keep that connection's properties. s.mu is held, and the earlier
// connection's reader has ended.
func (p *peerPipe) setProps(c *connProps) {
	if p.props != nil {
		left := p.in.Unpopped()
		for _, r := range p.earlier {
			left -= r.left
		}
		if left > 0 {
			p.earlier = append(p.earlier, propsRun{p.props, left})
		}
	}
	p.props = c
}

// takeProps returns the properties of the message just popped from p.
// s.mu is held.
func (p *peerPipe) takeProps() *connProps {
	if len(p.earlier) == 0 {
		return p.props
	}
	r := &p.earlier[0]
	c := r.props
	if r.left--; r.left == 0 {
		p.earlier[0] = propsRun{}
		p.earlier = p.earlier[1:]
		if len(p.earlier) == 0 {
			p.earlier = nil
		}
	}
	return c
}
