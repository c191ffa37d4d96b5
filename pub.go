package zmq

// PUB and XPUB: fan each message out to the subscribers whose subscription
// is a prefix of its first frame; a subscriber at its high-water mark misses
// the message (RFC 29). XPUB also passes subscriptions up to the
// application.
//
// Subscriptions have no length limit of their own, as in libzmq: a
// subscriber's frames are bounded by MaxMsgSize when it is set, and the trie
// stores any subscription in about its own size (see subTrie).
type pubPattern struct {
	s       *Socket
	xpub    bool
	dist    distributor
	subs    subTrie
	matched []*peerPipe
	pending []Msg     // XPUB: subscriptions and user messages for the application
	last    *peerPipe // XPUB manual: the pipe of the last subscription
}

func newPubPattern(s *Socket) *pubPattern { return &pubPattern{s: s, xpub: s.typ == XPub} }

func (x *pubPattern) attach(p *peerPipe) bool {
	x.dist.attach(p)
	if x.xpub && x.s.opts.xpubWelcome != nil {
		p.out.push([][]byte{append([]byte{}, x.s.opts.xpubWelcome...)}, nil)
	}
	x.readActivated(p)
	return true
}

// detach removes p's subscriptions, after applying those it delivered
// before it went, as libzmq does: an XPUB application sees them come and
// go.
func (x *pubPattern) detach(p *peerPipe) {
	x.consume(p, true)
	x.dist.remove(p)
	if x.last == p {
		x.last = nil
	}
	x.subs.removePipe(p, func(prefix []byte) {
		if x.xpub && !x.s.opts.xpubManual {
			x.notify(0, prefix)
		}
	})
}

func (x *pubPattern) notify(kind byte, topic []byte) {
	b := make([]byte, 1+len(topic))
	b[0] = kind
	copy(b[1:], topic)
	x.pending = append(x.pending, Msg{Frames: [][]byte{b}})
}

// readActivated consumes everything a subscriber sent. A pipe already
// detached may have had more queued since: its subscriptions are dropped,
// or they would outlive it in the trie.
func (x *pubPattern) readActivated(p *peerPipe) { x.consume(p, !p.gone) }

// consume takes what p sent: subscriptions, applied if live, and for XPUB
// any other message, which is passed to the application.
func (x *pubPattern) consume(p *peerPipe, live bool) {
	for {
		var m Msg
		if !x.s.takeFramesOwned(p, &m) {
			return
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) == 0 || m.Frames[0][0] > 1 {
			if x.xpub {
				x.pending = append(x.pending, m)
			} else {
				m.Release()
			}
			continue
		}
		if !live {
			m.Release()
			continue
		}
		f := m.Frames[0]
		subscribe, topic := f[0] == 1, f[1:]
		o := &x.s.opts
		if x.xpub && o.xpubManual {
			x.last = p
			x.pending = append(x.pending, m)
			continue
		}
		notify := false
		if subscribe {
			first := x.subs.add(topic, p)
			notify = first || o.xpubVerbose || o.xpubVerboser
		} else {
			// libzmq passes a cancel up unless other subscribers remain,
			// even one for a topic it did not know.
			found, last := x.subs.remove(topic, p)
			notify = !found || last || o.xpubVerboser
		}
		if x.xpub && notify {
			x.pending = append(x.pending, m)
		} else {
			m.Release()
		}
	}
}

func (x *pubPattern) writeActivated(*peerPipe) {}

func (x *pubPattern) send(m *Msg) error {
	x.s.gen++
	gen := x.s.gen
	to := x.matched[:0]
	var topic []byte
	if len(m.Frames) > 0 {
		topic = m.Frames[0]
	}
	x.subs.match(topic, func(p *peerPipe) {
		if p.matchGen != gen {
			p.matchGen = gen
			to = append(to, p)
		}
	})
	if x.s.opts.invertMatching {
		to = to[:0]
		for _, p := range x.dist.pipes {
			if p.matchGen != gen {
				to = append(to, p)
			}
		}
	}
	if x.s.opts.xpubNoDrop {
		for _, p := range to {
			if p.out.full() {
				clear(to)
				x.matched = to[:0]
				return errAgain
			}
		}
	}
	sendTo(to, m)
	clear(to)
	x.matched = to[:0]
	return nil
}

// A PUB or XPUB never blocks a send: a subscriber at its high-water mark
// loses the message (XPubNoDrop makes the send fail at once instead).
func (x *pubPattern) hasIn() bool  { return x.xpub && len(x.pending) > 0 }
func (x *pubPattern) hasOut() bool { return true }

func (x *pubPattern) recv(m *Msg) error {
	if !x.xpub {
		return ErrNotSupported
	}
	if len(x.pending) == 0 {
		return errAgain
	}
	*m = x.pending[0]
	x.pending[0] = Msg{}
	x.pending = x.pending[1:]
	return nil
}

// manualSubscribe applies a subscription on behalf of the last subscriber
// (XPUB_MANUAL).
func (x *pubPattern) manualSubscribe(topic []byte, cancel bool) {
	if x.last == nil {
		return
	}
	if cancel {
		x.subs.remove(topic, x.last)
	} else {
		x.subs.add(topic, x.last)
	}
}
