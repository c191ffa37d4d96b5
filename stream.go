package zmq

import (
	"net"

	"github.com/zmq-go/zmq/internal/pipe"
)

// STREAM: raw TCP, no ZMTP. Each message is [routing id][data]; an empty
// data frame is a connect or disconnect notification on receive and closes
// the connection on send.
type streamPattern struct {
	s    *Socket
	fq   fairQueue
	byID map[string]*peerPipe
	ids  routerPattern // for auto ids
}

func newStreamPattern(s *Socket) *streamPattern {
	x := &streamPattern{s: s, fq: fairQueue{s: s}, byID: make(map[string]*peerPipe)}
	x.ids = *newRouterPattern(s)
	x.ids.byID = x.byID
	return x
}

func (x *streamPattern) attach(p *peerPipe) bool {
	id := p.routingID
	if len(id) == 0 || x.byID[string(id)] != nil {
		id = x.ids.autoID()
	}
	p.routingID = id
	x.byID[string(id)] = p
	x.fq.attach(p)
	return true
}

func (x *streamPattern) detach(p *peerPipe) {
	if x.byID[string(p.routingID)] == p {
		delete(x.byID, string(p.routingID))
	}
	x.fq.detach(p)
}

func (x *streamPattern) readActivated(p *peerPipe) { x.fq.activate(p) }
func (x *streamPattern) writeActivated(*peerPipe)  { signal(x.s.writable) }

func (x *streamPattern) send(m *Msg) error {
	if len(m.Frames) != 2 {
		return invalid("a STREAM message is [routing id][data]")
	}
	p := x.byID[string(m.Frames[0])]
	if p == nil || p.gone {
		return ErrHostUnreachable
	}
	so := p.out.(*streamOut)
	data := m.Frames[1]
	if len(data) == 0 {
		if e := p.eng; e != nil {
			e.lingerLocked()
		}
		return nil
	}
	if so.o.Full() {
		return errAgain
	}
	so.o.PushRaw(data)
	return nil
}

func (x *streamPattern) hasIn() bool  { return x.fq.ready(nil) }
func (x *streamPattern) hasOut() bool { return true }

func (x *streamPattern) recv(m *Msg) error {
	p, err := x.fq.recv(m)
	if err != nil {
		return err
	}
	m.pushFront(p.routingID)
	return nil
}

// serveRaw runs a STREAM connection: every read becomes one message.
func (s *Socket) serveRaw(conn net.Conn, ep *endpoint) error {
	e := newEngine(s, conn, ep)
	if !ep.addEngine(e) {
		conn.Close()
		return net.ErrClosed
	}
	defer ep.removeEngine(e)
	props := rawConnProps(conn)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return net.ErrClosed
	}
	e.opts = s.opts
	p := s.newStreamPipe(ep)
	p.props = props
	p.routingID, ep.connectRID = ep.connectRID, nil
	p.eng = e
	e.p = p
	e.out = p.out.(*streamOut).o
	p.in.SetCallbacks(func() { s.activateIn(p) }, func() { signal(e.space) })
	s.attachPipe(p)
	notify := s.opts.streamNotify
	s.mu.Unlock()
	ep.established.Store(true)
	fd := connFD(conn)
	// A raw connection has no handshake: it succeeds at once, as libzmq's
	// raw engine reports it.
	s.emitConn(EventHandshakeSucceeded, ep.name, conn, 0, nil)
	if notify {
		p.in.PushBatch([]pipe.Frame{pipe.MakeFrame([]byte{}, 0, nil)}, 1)
	}

	go e.writeLoop()
	err := e.readRaw()
	if !e.lingering.Load() {
		e.kill()
	}
	<-e.wdone
	if e.finTimer != nil {
		e.finTimer.Stop()
	}
	conn.Close()
	err = e.reason(err)
	s.mu.Lock()
	p.eng = nil
	// Under the lock, so no send sees the peer after its notification.
	if notify {
		p.in.PushBatch([]pipe.Frame{pipe.MakeFrame([]byte{}, 0, nil)}, 1)
	}
	s.terminatePipe(p)
	s.mu.Unlock()
	if !e.local.Load() && !e.lingering.Load() {
		s.emitConn(EventDisconnected, ep.name, conn, fd, err)
	}
	return err
}

// readRaw delivers each read as a message, from shared receive chunks.
func (e *engine) readRaw() error {
	c := pipe.GetChunk(pipe.ChunkSize)
	defer func() { c.Release() }()
	end := 0
	for {
		if err := e.waitRoom(); err != nil {
			return err
		}
		if len(c.Buf)-end < 4096 {
			c.Release()
			c = pipe.GetChunk(pipe.ChunkSize)
			end = 0
		}
		n, err := e.conn.Read(c.Buf[end:])
		if n > 0 && !e.lingering.Load() {
			c.Retain(1)
			f := pipe.MakeFrame(c.Buf[end:end+n:end+n], 0, c)
			if !e.p.in.PushBatch([]pipe.Frame{f}, 1) {
				c.Release()
			}
		}
		end += n
		if err != nil {
			return err
		}
	}
}
