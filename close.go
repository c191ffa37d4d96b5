package zmq

import "time"

// Close closes the socket. Messages queued for connected peers are sent
// first, waiting at most Linger (forever by default, as in libzmq; set
// Linger to bound it). Blocked and later calls on the socket return
// [ErrClosed]. Close returns when every goroutine of the socket has ended.
func (s *Socket) Close() error {
	s.closeOnce.Do(s.close)
	return nil
}

func (s *Socket) close() {
	s.mu.Lock()
	s.closed = true
	s.closeErr = ErrClosed
	select {
	case <-s.ctx.done:
		s.closeErr = ErrTerminated
	default:
	}
	close(s.done)
	linger := s.opts.linger
	var eps []*endpoint
	for _, l := range s.endpoints {
		eps = append(eps, l...)
	}
	clear(s.endpoints)
	for p := range s.pipes {
		if _, inproc := p.out.(*queueOut); inproc {
			s.terminatePipe(p)
		}
	}
	s.mu.Unlock()

	for _, ep := range eps {
		if ep.inproc != nil {
			s.ctx.unbindInproc(ep)
		}
		ep.stop(linger != 0)
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	if linger < 0 {
		<-done
	} else {
		t := time.NewTimer(linger)
		select {
		case <-done:
			t.Stop()
		case <-t.C:
			for _, ep := range eps {
				ep.stop(false)
			}
			<-done
		}
	}

	s.mu.Lock()
	for p := range s.pipes {
		s.terminatePipe(p)
	}
	s.mu.Unlock()
	s.stopMonitors()
	s.ctx.remove(s)
}
