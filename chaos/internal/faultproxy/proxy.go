//go:build chaos

// Package faultproxy is a TCP proxy for fault tests: it listens on
// loopback, forwards every connection to one target, counts the bytes it
// forwards in each direction, and cuts a connection after exactly N bytes
// in one direction, with a FIN or a RST, so that a test can break a
// connection in the middle of a frame or between two frames of a message.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
)

// Direction is a direction of traffic through the proxy.
type Direction int

const (
	// Up is from the client (who connected to the proxy) to the target.
	Up Direction = iota
	// Down is from the target to the client.
	Down
)

func (d Direction) String() string {
	if d == Up {
		return "up"
	}
	return "down"
}

// Mode is how a connection is cut.
type Mode int

const (
	// Close ends both connections with a FIN: the side receiving in the
	// cut direction reads exactly N bytes, then end of stream.
	Close Mode = iota
	// Reset ends both connections with a RST (SO_LINGER 0).
	Reset
)

func (m Mode) String() string {
	if m == Close {
		return "fin"
	}
	return "rst"
}

// Proxy forwards connections from its loopback address to a target.
type Proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	cur      *link
	links    map[*link]struct{}
	accepted int
	cuts     int
	closed   bool

	wg sync.WaitGroup
}

// A link is one proxied connection: the client's and the target's.
type link struct {
	conns [2]net.Conn // [Up] the client's (read up), [Down] the target's (read down)

	// Guarded by Proxy.mu.
	fwd   [2]int64 // bytes forwarded in each direction
	limit [2]int64 // cut after this many bytes in that direction; -1: never
	mode  Mode
	cut   bool
}

// New starts a proxy on 127.0.0.1 to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		t, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{conns: [2]net.Conn{c, t}, limit: [2]int64{-1, -1}}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			t.Close()
			return
		}
		p.links[l] = struct{}{}
		p.cur = l
		p.accepted++
		p.mu.Unlock()
		var copies sync.WaitGroup
		copies.Add(2)
		p.wg.Add(1)
		for _, d := range []Direction{Up, Down} {
			go func() {
				defer copies.Done()
				p.copy(l, d)
			}()
		}
		go func() {
			defer p.wg.Done()
			copies.Wait()
			l.conns[0].Close()
			l.conns[1].Close()
			p.mu.Lock()
			delete(p.links, l)
			if p.cur == l {
				p.cur = nil
			}
			p.mu.Unlock()
		}()
	}
}

// copy forwards direction d of l until either side ends or the link is
// cut.
func (p *Proxy) copy(l *link, d Direction) {
	src, dst := l.conns[d], l.conns[1-d]
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			allowed, cutNow := int64(n), false
			if l.cut {
				allowed = 0
			} else if lim := l.limit[d]; lim >= 0 && l.fwd[d]+allowed >= lim {
				allowed, cutNow = lim-l.fwd[d], true
			}
			l.fwd[d] += allowed
			p.mu.Unlock()
			if allowed > 0 {
				if _, werr := dst.Write(buf[:allowed]); werr != nil {
					p.cutLink(l, Reset)
					return
				}
			}
			if cutNow {
				p.cutLink(l, l.mode)
				return
			}
			if allowed < int64(n) { // cut by the other direction meanwhile
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// Pass the half-close on, as TCP would.
				if cw, ok := dst.(interface{ CloseWrite() error }); ok {
					cw.CloseWrite()
					return
				}
			}
			p.cutLink(l, Reset)
			return
		}
	}
}

// cutLink closes both connections of l, with a RST if mode says so.
func (p *Proxy) cutLink(l *link, mode Mode) {
	p.mu.Lock()
	first := !l.cut
	l.cut = true
	if first {
		p.cuts++
	}
	p.mu.Unlock()
	for _, c := range l.conns {
		if tc, ok := c.(*net.TCPConn); ok && mode == Reset {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

// ErrNoConnection reports that the proxy has no live connection to act on.
var ErrNoConnection = errors.New("faultproxy: no live connection")

// CutAfter arms the latest connection: once it has forwarded n bytes in
// direction d in all (counting from the connection's start), it forwards
// nothing more and both of its connections are closed with mode. If n is
// already reached, the cut happens with the next bytes read.
func (p *Proxy) CutAfter(d Direction, n int64, mode Mode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil || p.cur.cut {
		return ErrNoConnection
	}
	p.cur.limit[d] = n
	p.cur.mode = mode
	return nil
}

// Cut cuts the latest connection at once, with mode.
func (p *Proxy) Cut(mode Mode) error {
	p.mu.Lock()
	l := p.cur
	p.mu.Unlock()
	if l == nil {
		return ErrNoConnection
	}
	p.cutLink(l, mode)
	return nil
}

// Forwarded returns how many bytes the latest connection has forwarded in
// direction d.
func (p *Proxy) Forwarded(d Direction) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return 0, ErrNoConnection
	}
	return p.cur.fwd[d], nil
}

// Stats returns how many connections the proxy has accepted and cut.
func (p *Proxy) Stats() (accepted, cuts int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted, p.cuts
}

// Close stops the proxy: it closes the listener and every connection, and
// waits for its goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, l := range links {
		l.conns[0].Close()
		l.conns[1].Close()
	}
	p.wg.Wait()
	return err
}
