package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A device is one of the three classic devices, with its socket types.
type device struct {
	kind              zmq.DeviceKind
	frontend, backend zmq.Type
	does              string
	example           string
}

var (
	queueDevice = device{zmq.Queue, zmq.Router, zmq.Dealer,
		"queue shares requests among workers and routes the replies back: REQ or\nDEALER clients reach the ROUTER frontend, REP or DEALER workers the DEALER\nbackend.",
		"zmq queue tcp://*:5559 tcp://*:5560    # clients connect to 5559, workers to 5560"}
	forwarderDevice = device{zmq.Forwarder, zmq.XSub, zmq.XPub,
		"forwarder passes publications from publishers, which reach the XSUB\nfrontend, to subscribers, which reach the XPUB backend, and the\nsubscriptions back up.",
		"zmq forwarder '>tcp://feed:5556' tcp://*:8100    # relay a publisher"}
	streamerDevice = device{zmq.Streamer, zmq.Pull, zmq.Push,
		"streamer passes a pipeline on: PUSH sockets reach the PULL frontend,\nPULL sockets the PUSH backend.",
		"zmq streamer tcp://*:5557 tcp://*:5558    # ventilators to 5557, workers to 5558"}
)

func runQueue(e *env, args []string) error     { return e.runDevice(queueDevice, args) }
func runForwarder(e *env, args []string) error { return e.runDevice(forwarderDevice, args) }
func runStreamer(e *env, args []string) error  { return e.runDevice(streamerDevice, args) }

func (d device) usage() string {
	name := strings.ToLower(d.kind.String())
	return fmt.Sprintf(`Usage: zmq %[1]s [flags] FRONTEND BACKEND

%[2]s

The device's frontend socket is of type %[3]v, its backend of type %[4]v.
Each side binds its endpoint (tcp://*:5555, or @tcp://...), or connects to
it when written >tcp://... ('>' quoted in a shell); several endpoints of a
side are joined by commas.

It shows on stderr the messages and bytes forwarded each way, on a line
refreshed in place on a terminal, or a line every -interval when they
changed otherwise, and runs until interrupted (Ctrl-C, SIGTERM) or until
-for has passed; it then prints the counts a last time and exits 0.

Example:

	%[5]s
`, name, d.does, d.frontend, d.backend, d.example)
}

// runDevice runs a device until a signal or -for.
func (e *env) runDevice(d device, args []string) error {
	var (
		interval, dur time.Duration
		linger        time.Duration
	)
	fs := newFlagSet(e.name)
	fs.DurationVar(&interval, "interval", time.Second, "when stderr is not a terminal, print the counts every `duration` (if they changed)")
	fs.DurationVar(&dur, "for", 0, "stop after `duration` (0: until interrupted)")
	fs.DurationVar(&linger, "linger", time.Second, "on exit, wait at most `duration` for queued messages to go out")
	rest, err := e.parse(fs, d.usage(), args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 2:
		return usagef("want two endpoints, FRONTEND and BACKEND, not %d", len(rest))
	case interval <= 0:
		return usagef("-interval %v must be positive", interval)
	case dur < 0:
		return usagef("-for %v cannot be negative", dur)
	}
	feps, err := parseEndpoints(rest[:1], true)
	if err != nil {
		return err
	}
	beps, err := parseEndpoints(rest[1:], true)
	if err != nil {
		return err
	}

	st := newStatus(e)
	open := func(side string, t zmq.Type, eps []endpoint) (*zmq.Socket, error) {
		s, err := newSocket(t, zmq.Linger(linger))
		if err != nil {
			return nil, err
		}
		bound, err := attach(s, eps)
		if err != nil {
			s.Close()
			var u *usageError
			if errors.As(err, &u) {
				return nil, &usageError{side + ": " + u.msg}
			}
			return nil, errors.New(side + ": " + trimZMQ(err.Error()))
		}
		for _, ep := range bound {
			st.println(fmt.Sprintf("%s: %s (%v) bound %s", e.name, side, t, ep))
		}
		for _, ep := range eps {
			if !ep.bind {
				st.println(fmt.Sprintf("%s: %s (%v) connecting to %s", e.name, side, t, ep.addr))
			}
		}
		return s, nil
	}
	frontend, err := open("frontend", d.frontend, feps)
	if err != nil {
		return err
	}
	defer frontend.Close()
	backend, err := open("backend", d.backend, beps)
	if err != nil {
		return err
	}
	defer backend.Close()

	ctx, stop := signalContext()
	defer stop()
	if dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dur)
		defer cancel()
	}
	p := zmq.NewSteerableProxy(frontend, backend, nil)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	refresh := interval
	if st.term {
		refresh = min(interval, 250*time.Millisecond)
	}
	tick := time.NewTicker(refresh)
	defer tick.Stop()
	line := func() string { return e.name + ": " + d.counts(p.Stats()) }
	shown := line()
	if st.term {
		st.show(shown)
	} else {
		st.println(shown)
	}
	for {
		select {
		case err := <-done:
			st.println(line())
			if ctx.Err() != nil {
				return nil // a signal or -for
			}
			return err
		case <-tick.C:
			if l := line(); st.term {
				st.show(l)
			} else if l != shown {
				st.println(l)
				shown = l
			}
		}
	}
}

// counts writes what went through the device each way.
func (d device) counts(s zmq.ProxyStats) string {
	c := fmt.Sprintf("frontend->backend %d msg %s", s.Frontend.MsgsIn, formatBytes(s.Frontend.BytesIn))
	if d.kind != zmq.Streamer {
		c += fmt.Sprintf(", backend->frontend %d msg %s", s.Backend.MsgsIn, formatBytes(s.Backend.BytesIn))
	}
	return c
}
