package zmq

import "github.com/zmq-go/zmq/internal/pipe"

// The routing strategies below mirror libzmq's lb.cpp, fq.cpp and dist.cpp.
// They are plain data structures used under the socket's mutex.

// loadBalancer sends each message to the next pipe that has room, in
// round-robin order (libzmq lb_t).
type loadBalancer struct {
	active  []*peerPipe
	current int
}

func (lb *loadBalancer) attach(p *peerPipe) { lb.activate(p) }

func (lb *loadBalancer) activate(p *peerPipe) {
	if p.outActive {
		return
	}
	p.outActive = true
	lb.active = append(lb.active, p)
}

func (lb *loadBalancer) remove(p *peerPipe) {
	if !p.outActive {
		return
	}
	p.outActive = false
	for i, q := range lb.active {
		if q == p {
			lb.active = append(lb.active[:i], lb.active[i+1:]...)
			if lb.current > i {
				lb.current--
			}
			break
		}
	}
	if lb.current >= len(lb.active) {
		lb.current = 0
	}
}

// send hands m to the next pipe with room and returns it, or errAgain.
func (lb *loadBalancer) send(m *Msg) (*peerPipe, error) {
	for len(lb.active) > 0 {
		if lb.current >= len(lb.active) {
			lb.current = 0
		}
		p := lb.active[lb.current]
		if p.pushMsg(m) {
			lb.current++
			return p, nil
		}
		lb.remove(p)
	}
	return nil, errAgain
}

// hasOut reports whether some pipe has room, setting aside those that
// have none (they come back when they have, as after a failed send).
func (lb *loadBalancer) hasOut() bool {
	for len(lb.active) > 0 {
		if lb.current >= len(lb.active) {
			lb.current = 0
		}
		p := lb.active[lb.current]
		if !p.out.full() {
			return true
		}
		lb.remove(p)
	}
	return false
}

// sendParts is send for a message assembled from parts, which the caller
// keeps on failure.
func (lb *loadBalancer) sendParts(frames [][]byte, chunks []*pipe.Chunk) (*peerPipe, error) {
	for len(lb.active) > 0 {
		if lb.current >= len(lb.active) {
			lb.current = 0
		}
		p := lb.active[lb.current]
		if p.pushParts(frames, chunks) {
			lb.current++
			return p, nil
		}
		lb.remove(p)
	}
	return nil, errAgain
}

// fairQueue receives from the pipes that have messages in turn, one message
// each (libzmq fq_t).
type fairQueue struct {
	s       *Socket
	active  []*peerPipe
	current int
}

func (fq *fairQueue) attach(p *peerPipe) { fq.activate(p) }

// activate puts p back in turn. A pipe that departed has its turn only for
// the messages it delivered whole before it went.
func (fq *fairQueue) activate(p *peerPipe) {
	if p.inActive || p.gone && !p.in.Peek() {
		return
	}
	p.inActive = true
	fq.active = append(fq.active, p)
}

func (fq *fairQueue) remove(p *peerPipe) {
	if !p.inActive {
		return
	}
	p.inActive = false
	for i, q := range fq.active {
		if q == p {
			fq.active = append(fq.active[:i], fq.active[i+1:]...)
			if fq.current > i {
				fq.current--
			}
			break
		}
	}
	if fq.current >= len(fq.active) {
		fq.current = 0
	}
}

// detach drops a departed pipe, unless messages it delivered whole before
// it went are still queued: they are received first, and the receive that
// takes the last of them drops it. A socket that does not receive then
// keeps nothing of its departed peers.
func (fq *fairQueue) detach(p *peerPipe) {
	if !p.in.Peek() {
		fq.remove(p)
	}
}

// ready reports whether recv would return a message: whether some pipe
// has one that valid (nil: any) accepts. Messages valid refuses at the
// head of a queue are dropped, as the pattern's recv would drop them.
// s.mu is held.
func (fq *fairQueue) ready(valid func(p *peerPipe, fs []pipe.Frame) bool) bool {
	for _, p := range fq.active {
		for {
			fs := fq.s.peekFrames(p)
			if fs == nil {
				break
			}
			if valid == nil || valid(p, fs) {
				return true
			}
			fq.s.dropMsg(p)
		}
	}
	return false
}

// recv fills m from the next pipe with a message and returns that pipe.
func (fq *fairQueue) recv(m *Msg) (*peerPipe, error) {
	for len(fq.active) > 0 {
		if fq.current >= len(fq.active) {
			fq.current = 0
		}
		p := fq.active[fq.current]
		if fq.s.takeFrames(p, m) {
			if p.gone && !p.in.Peek() {
				// Its last message: removing it moves the turn on.
				fq.remove(p)
			} else {
				fq.current++
			}
			return p, nil
		}
		fq.remove(p)
	}
	return nil, errAgain
}

// distributor sends a message to a set of pipes (libzmq dist_t). Pipes at
// their high-water mark are skipped: the message is dropped for them.
type distributor struct {
	pipes []*peerPipe
}

func (d *distributor) attach(p *peerPipe) { d.pipes = append(d.pipes, p) }

func (d *distributor) remove(p *peerPipe) {
	for i, q := range d.pipes {
		if q == p {
			d.pipes = append(d.pipes[:i], d.pipes[i+1:]...)
			return
		}
	}
}

// sendTo delivers m to every pipe in to that has room.
func sendTo(to []*peerPipe, m *Msg) {
	for _, p := range to {
		p.pushMsg(m)
	}
}
