package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync/atomic"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// socketFlags are the flags of the subcommands that open one socket of a
// type the user picks: send, recv and monitor.
type socketFlags struct {
	typ      string
	identity string
	linger   time.Duration
	verbose  bool
}

// register adds the flags to fs; defType is the -type default ("" makes
// -type required).
func (f *socketFlags) register(fs *flag.FlagSet, defType string) {
	fs.StringVar(&f.typ, "type", defType, "socket `type`: "+typeNames(socketTypes)+", in any case")
	fs.StringVar(&f.identity, "identity", "", "routing `id` the socket announces to ROUTER peers (1 to 255 bytes)")
	fs.DurationVar(&f.linger, "linger", 5*time.Second, "on exit, wait at most `duration` for queued messages to go out (negative: as long as the peer lives)")
	fs.BoolVar(&f.verbose, "v", false, "print bound endpoints and connection events on stderr")
}

// socketType returns the -type, checked.
func (f *socketFlags) socketType() (zmq.Type, error) {
	if f.typ == "" {
		return 0, usagef("-type is required (%s)", typeNames(socketTypes))
	}
	return parseType(f.typ)
}

// options returns the socket options the flags ask for.
func (f *socketFlags) options() []zmq.Option {
	opts := []zmq.Option{zmq.Linger(f.linger)}
	if f.identity != "" {
		opts = append(opts, zmq.RoutingID([]byte(f.identity)))
	}
	return opts
}

// newSocket opens a socket of type t. Options the library refuses (an
// identity of 300 bytes, say) are usage errors.
func newSocket(t zmq.Type, opts ...zmq.Option) (*zmq.Socket, error) {
	s, err := zmq.NewSocket(t, opts...)
	if errors.Is(err, zmq.ErrInvalid) {
		return nil, &usageError{trimZMQ(err.Error())}
	}
	return s, err
}

// A socket is an open socket of send, recv or monitor, which watches its
// own events.
type socket struct {
	*zmq.Socket
	peered atomic.Bool   // a handshake with a peer has succeeded
	done   chan struct{} // closed once the last event is handled
}

// open opens a socket of type t with the flags' options and binds and
// connects it to eps. With -v, it reports the endpoints it bound and its
// events on stderr until it is closed.
func (e *env) open(f *socketFlags, t zmq.Type, eps []endpoint) (*socket, error) {
	zs, err := newSocket(t, f.options()...)
	if err != nil {
		return nil, err
	}
	s := &socket{Socket: zs, done: make(chan struct{})}
	mask := zmq.EventHandshakeSucceeded
	if f.verbose {
		mask = zmq.EventAll &^ zmq.EventMonitorStopped
	}
	mon := s.Monitor(mask)
	go func() {
		defer close(s.done)
		for ev := range mon.Events() {
			if ev.Type == zmq.EventHandshakeSucceeded {
				s.peered.Store(true)
			}
			if f.verbose {
				fmt.Fprintf(e.stderr, "%s: %s\n", e.name, formatEvent(ev))
			}
		}
	}()
	bound, err := attach(zs, eps)
	if err != nil {
		s.close(true)
		return nil, err
	}
	if f.verbose {
		for _, ep := range bound {
			fmt.Fprintf(e.stderr, "%s: bound %s\n", e.name, ep)
		}
	}
	return s, nil
}

// close closes the socket, waiting up to -linger for queued messages to
// go out unless abort, and for its last events to be handled.
func (s *socket) close(abort bool) {
	if abort {
		s.SetOption(zmq.Linger(0))
	}
	s.Close()
	<-s.done
}

// opContext returns the context of one blocking call: ctx, bounded by
// timeout when it is positive.
func opContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeout(ctx, timeout)
	}
	return context.WithCancel(ctx)
}

// timedOut reports whether err ended a call bounded by opContext because
// its timeout passed, rather than because ctx ended.
func timedOut(ctx context.Context, err error) bool {
	return ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded)
}
