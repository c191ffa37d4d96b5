package zmq

// Subscribe adds a subscription (ZMQ_SUBSCRIBE): a SUB socket receives
// messages whose first frame begins with prefix; an empty prefix matches
// every message. Subscriptions are counted: each needs its own Unsubscribe.
// On an XPUB socket with XPubManual, Subscribe applies to the peer of the
// last subscription message received.
//
// A prefix may be of any length, as in libzmq: the socket and its
// publishers each keep a subscription in about its own size plus a small
// constant, and add, match and remove it in time linear in its length. A
// publisher with [MaxMsgSize] set refuses a subscription that arrives in a
// larger frame: it disconnects the subscriber.
func (s *Socket) Subscribe(prefix []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	return s.subscribe(prefix, true)
}

// Unsubscribe removes one instance of a subscription (ZMQ_UNSUBSCRIBE).
func (s *Socket) Unsubscribe(prefix []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	return s.subscribe(prefix, false)
}

func (s *Socket) subscribe(prefix []byte, on bool) error {
	topic := append([]byte(nil), prefix...)
	switch x := s.pat.(type) {
	case *subPattern:
		if s.typ == Sub {
			x.subscribe(topic, !on)
			return nil
		}
	case *pubPattern:
		if x.xpub && s.opts.xpubManual {
			x.manualSubscribe(topic, !on)
			return nil
		}
	}
	return invalid("subscriptions do not apply to %v sockets", s.typ)
}
