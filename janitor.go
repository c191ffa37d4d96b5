package zmq

import "time"

// idleTrim is how long a connection reads nothing before it gives back its
// receive buffer (see frameReader.trim). A variable for the tests.
var idleTrim = time.Second

// startJanitor starts the socket's janitor unless it runs. s.mu is held.
func (s *Socket) startJanitor() {
	if s.janitorOn || s.closed {
		return
	}
	s.janitorOn = true
	s.wg.Add(1)
	go s.janitor()
}

// janitor trims the buffers of idle connections every idleTrim,
// for as long as the socket has connections. One goroutine per socket does
// it, rather than a timer per connection.
func (s *Socket) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(idleTrim)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		}
		s.mu.Lock()
		live := 0
		for p := range s.pipes {
			if e := p.eng; e != nil {
				live++
				// frameReader.mu comes before Socket.mu, but trim
				// only tries it.
				if e.rd.trim() && e.out != nil && !e.out.Pending() {
					e.out.Trim()
					signal(e.trimW)
				}
			}
		}
		if live == 0 {
			s.janitorOn = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}
