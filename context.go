package zmq

import (
	"sync"
)

// Context owns a set of sockets and the inproc endpoints they bind: inproc
// connects reach only binds of the same context. [Context.Term] closes every
// socket of the context. Most programs use the default context through
// [NewSocket].
type Context struct {
	// mu guards the maps and terminated. It may be taken while holding one
	// socket's mutex (a bind or an unbind), never the other way round,
	// and nothing is locked under it; see the locking notes in inproc.go.
	mu         sync.Mutex
	sockets    map[*Socket]struct{}
	inproc     map[string]*inprocListener
	pending    map[string][]*inprocPending // connects waiting for a bind
	terminated bool
	done       chan struct{}
}

// NewContext returns a new, independent context.
func NewContext() *Context {
	return &Context{
		sockets: make(map[*Socket]struct{}),
		inproc:  make(map[string]*inprocListener),
		pending: make(map[string][]*inprocPending),
		done:    make(chan struct{}),
	}
}

var defaultContext = NewContext()

// NewSocket returns a socket of type t in the default context, with the
// given options applied.
func NewSocket(t Type, opts ...Option) (*Socket, error) {
	return defaultContext.NewSocket(t, opts...)
}

// Term terminates the context, as zmq_ctx_term does: every blocked and
// later operation on its sockets returns [ErrTerminated], each socket is
// closed (delivering queued messages within its Linger), and Term returns
// when all of them are closed. New sockets cannot be created afterwards.
func (c *Context) Term() error {
	c.mu.Lock()
	if !c.terminated {
		c.terminated = true
		close(c.done)
	}
	socks := make([]*Socket, 0, len(c.sockets))
	for s := range c.sockets {
		socks = append(socks, s)
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Close()
		}()
	}
	wg.Wait()
	return nil
}

func (c *Context) add(s *Socket) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminated {
		return ErrTerminated
	}
	c.sockets[s] = struct{}{}
	return nil
}

func (c *Context) remove(s *Socket) {
	c.mu.Lock()
	delete(c.sockets, s)
	c.mu.Unlock()
}
