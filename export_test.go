package zmq

// Test hooks, visible only to this package's tests.

// PeerCount returns the number of pipes the socket has attached and not
// yet detached.
func PeerCount(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		if p.attached && !p.gone && (p.eng != nil || p.ep == nil || p.ep.persistent != p || isInproc(p)) {
			n++
		}
	}
	return n
}

// ConnectedPeers returns the number of pipes with a live connection (or an
// inproc peer).
func ConnectedPeers(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		if p.attached && !p.gone && (p.eng != nil || isInproc(p)) {
			n++
		}
	}
	return n
}

// QueuedIn returns the number of inbound messages queued over all pipes.
func QueuedIn(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.pipes {
		n += p.in.Len()
	}
	return n
}

// LastQueued returns the first frame of the newest queued inbound message
// of a single-pipe socket, or "".
func LastQueued(s *Socket) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		if f, ok := p.in.PeekLast(); ok {
			return string(f)
		}
	}
	return ""
}
