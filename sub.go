package zmq

import "github.com/zmq-go/zmq/internal/pipe"

// SUB and XSUB: fair-queue in; SUB drops messages that match no
// subscription, XSUB passes everything. Subscriptions go to every publisher
// and are sent again when one reconnects (RFC 29).
type subPattern struct {
	s     *Socket
	fq    fairQueue
	subs  subTrie
	pipes []*peerPipe
	match func(*peerPipe, []pipe.Frame) bool // hasIn's filter, made once
}

func (x *subPattern) attach(p *peerPipe) bool {
	x.pipes = append(x.pipes, p)
	x.fq.attach(p)
	x.subs.each(func(prefix []byte) { p.out.subscribe(prefix, false) })
	return true
}

// hiccup resends the subscriptions over a pipe that reconnected, after
// dropping whatever it still held (libzmq's pipe hiccup).
func (x *subPattern) hiccup(p *peerPipe) {
	if so, ok := p.out.(*streamOut); ok {
		so.o.Reset()
	}
	x.subs.each(func(prefix []byte) { p.out.subscribe(prefix, false) })
}

func (x *subPattern) detach(p *peerPipe) {
	for i, q := range x.pipes {
		if q == p {
			x.pipes = append(x.pipes[:i], x.pipes[i+1:]...)
			break
		}
	}
	x.fq.detach(p)
}

func (x *subPattern) readActivated(p *peerPipe) { x.fq.activate(p) }
func (x *subPattern) writeActivated(*peerPipe)  {}

// subscribe adds (or with cancel removes) a subscription and tells the
// publishers: every subscribe, but an unsubscribe only when the last
// reference to the topic goes.
func (x *subPattern) subscribe(topic []byte, cancel bool) {
	if cancel {
		found, last := x.subs.remove(topic, nil)
		if !found || !last {
			return
		}
	} else {
		x.subs.add(topic, nil)
	}
	for _, p := range x.pipes {
		if !p.gone {
			p.out.subscribe(topic, cancel)
		}
	}
}

func (x *subPattern) send(m *Msg) error {
	if x.s.typ == Sub {
		return ErrNotSupported
	}
	if len(m.Frames) == 1 && len(m.Frames[0]) > 0 && m.Frames[0][0] <= 1 {
		f := m.Frames[0]
		x.subscribe(append([]byte(nil), f[1:]...), f[0] == 0)
		return nil
	}
	// Anything else goes to every publisher as is.
	to := make([]*peerPipe, 0, len(x.pipes))
	for _, p := range x.pipes {
		if !p.gone {
			to = append(to, p)
		}
	}
	sendTo(to, m)
	return nil
}

// hasIn drops the messages that match no subscription, as recv does.
func (x *subPattern) hasIn() bool {
	if x.s.typ == XSub {
		return x.fq.ready(nil)
	}
	if x.match == nil {
		x.match = func(_ *peerPipe, fs []pipe.Frame) bool {
			var topic []byte
			if len(fs) > 0 {
				topic = fs[0].Bytes()
			}
			return x.wants(topic)
		}
	}
	return x.fq.ready(x.match)
}

// hasOut: an XSUB sends subscriptions (and never blocks); a SUB sends
// nothing.
func (x *subPattern) hasOut() bool { return x.s.typ == XSub }

func (x *subPattern) recv(m *Msg) error {
	for {
		if _, err := x.fq.recv(m); err != nil {
			return err
		}
		if x.s.typ == XSub {
			return nil
		}
		var topic []byte
		if len(m.Frames) > 0 {
			topic = m.Frames[0]
		}
		if x.wants(topic) {
			return nil
		}
		m.reset()
	}
}

// wants reports whether a SUB receives a message with this first frame.
func (x *subPattern) wants(topic []byte) bool {
	return x.subs.matches(topic) != x.s.opts.invertMatching
}
