package zmq

import "time"

// Close closes the socket. Messages queued for peers are sent first,
// waiting at most Linger, and Close returns when they are written and every
// goroutine of the socket has ended. Blocked and later calls on the socket
// return [ErrClosed].
//
// libzmq's zmq_close returns at once and leaves the sending to a background
// thread that zmq_ctx_term waits for, forever by default. Here Close itself
// waits, so that a program that sends and then closes (and exits) delivers
// what it sent, and no goroutine outlives the socket. So that a dead peer
// cannot hold it forever, even with the default Linger of -1, Close gives
// up on a peer that shows no sign of life for 30 seconds: a connection that
// neither writes nor reads for that long, or a connected endpoint whose peer
// cannot be reached for that long (a server that restarts within it still
// gets its messages). A SUB does not wait to deliver its subscriptions to
// a publisher it has not reached. Set Linger to bound Close more tightly,
// or HeartbeatInterval to notice frozen peers sooner.
func (s *Socket) Close() error {
	s.closeOnce.Do(s.close)
	return nil
}

func (s *Socket) close() {
	s.mu.Lock()
	s.closed = true
	s.closedAt = time.Now()
	s.closeErr = ErrClosed
	select {
	case <-s.ctx.done:
		s.closeErr = ErrTerminated
	default:
	}
	close(s.done)
	s.pokeReceivers()
	s.notifyWatchers()
	s.closePollWake()
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
