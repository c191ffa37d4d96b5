package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const monitorUsage = `Usage: zmq monitor -type TYPE [flags] ENDPOINT...

monitor opens a socket of type TYPE, binds it (@tcp://...) or connects it
(>tcp://... or no prefix) to each ENDPOINT, and prints every event of the
socket as it happens, one line each, until interrupted (Ctrl-C), -for has
passed or -n events were printed:

	15:04:05.000000 EVENT ENDPOINT [peer=ADDRESS] [VALUE] [cause="..."]

EVENT is libzmq's name without ZMQ_EVENT_ (LISTENING, ACCEPTED, CONNECTED,
CONNECT_DELAYED, CONNECT_RETRIED, HANDSHAKE_SUCCEEDED, DISCONNECTED, ...),
peer the address of the other end of a connection, VALUE what libzmq's
event carries (fd=, errno=, retry= for the reconnect interval, code= for a
protocol error, status= for a ZAP refusal) and cause why a connection ended
or failed. Messages the socket receives are discarded.

Examples:

	zmq monitor -type pull @tcp://*:5555             # who connects to us?
	zmq monitor -type req -n 3 tcp://server:5555     # can we reach the server?
	zmq monitor -type sub -events handshake_succeeded,disconnected tcp://feed:5556
`

func runMonitor(e *env, args []string) error {
	var (
		f      socketFlags
		n      int
		dur    time.Duration
		events string
	)
	fs := newFlagSet(e.name)
	fs.StringVar(&f.typ, "type", "", "socket `type` (required): "+typeNames(socketTypes)+", in any case")
	fs.StringVar(&f.identity, "identity", "", "routing `id` the socket announces to ROUTER peers")
	fs.IntVar(&n, "n", 0, "stop after `count` events (0: no limit)")
	fs.DurationVar(&dur, "for", 0, "stop after `duration` (0: until interrupted)")
	fs.StringVar(&events, "events", "", "print only these events, a comma-separated `list` such as accepted,disconnected (default all)")
	rest, err := e.parse(fs, monitorUsage, args)
	if err != nil {
		return err
	}
	t, err := f.socketType()
	if err != nil {
		return err
	}
	mask, err := parseEvents(events)
	switch {
	case err != nil:
		return err
	case n < 0:
		return usagef("-n %d: the count cannot be negative", n)
	case dur < 0:
		return usagef("-for %v cannot be negative", dur)
	case len(rest) == 0:
		return usagef("no endpoint given")
	}
	eps, err := parseEndpoints(rest, false)
	if err != nil {
		return err
	}

	f.linger = 0
	s, err := newSocket(t, f.options()...)
	if err != nil {
		return err
	}
	defer s.Close()
	mon := s.Monitor(mask)
	defer mon.Close()
	if _, err := attach(s, eps); err != nil {
		return err
	}
	if t != zmq.Pub && t != zmq.Push {
		// Take what arrives, so that a peer is never held up by us.
		go func() {
			var m zmq.Msg
			for s.RecvMsg(context.Background(), &m) == nil {
			}
		}()
	}

	ctx, stop := signalContext()
	defer stop()
	if dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dur)
		defer cancel()
	}
	out := bufio.NewWriter(e.stdout)
	for printed := 0; n == 0 || printed < n; printed++ {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-mon.Events():
			if !ok {
				return nil
			}
			fmt.Fprintf(out, "%s %s\n", ev.Time.Format("15:04:05.000000"), formatEvent(ev))
			if err := out.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseEvents reads -events: comma-separated event names, in any case,
// with or without ZMQ_EVENT_. None means every event.
func parseEvents(list string) (zmq.EventType, error) {
	all := zmq.EventAll &^ zmq.EventMonitorStopped
	if list == "" {
		return all, nil
	}
	var mask zmq.EventType
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "ZMQ_EVENT_")
		t, ok := eventNamed(name)
		if !ok {
			return 0, usagef("-events: unknown event %q (want %s)", name, strings.ReplaceAll(all.String(), "|", ","))
		}
		mask |= t
	}
	return mask, nil
}

// eventNamed returns the event whose name (String) is name.
func eventNamed(name string) (zmq.EventType, bool) {
	for t := zmq.EventType(1); t <= zmq.EventAll && t != 0; t <<= 1 {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// formatEvent writes ev as one line of monitor's output, without its time:
// EVENT ENDPOINT [peer=ADDRESS] [VALUE] [cause="..."].
func formatEvent(ev zmq.Event) string {
	var b strings.Builder
	b.WriteString(ev.Type.String())
	b.WriteString(" ")
	b.WriteString(ev.Endpoint)
	if ev.Remote != "" {
		b.WriteString(" peer=" + ev.Remote)
	}
	if v := eventValue(ev); v != "" {
		b.WriteString(" " + v)
	}
	if ev.Err != nil {
		b.WriteString(" cause=" + strconv.Quote(trimZMQ(ev.Err.Error())))
	}
	return b.String()
}

// eventValue names an event's value as its type defines it.
func eventValue(ev zmq.Event) string {
	switch ev.Type {
	case zmq.EventConnected, zmq.EventListening, zmq.EventAccepted, zmq.EventDisconnected:
		return "fd=" + strconv.FormatUint(uint64(ev.Value), 10)
	case zmq.EventClosed:
		if ev.Err == nil {
			return "fd=" + strconv.FormatUint(uint64(ev.Value), 10)
		}
		return "errno=" + strconv.FormatUint(uint64(ev.Value), 10)
	case zmq.EventBindFailed, zmq.EventAcceptFailed, zmq.EventCloseFailed, zmq.EventHandshakeFailedNoDetail:
		return "errno=" + strconv.FormatUint(uint64(ev.Value), 10)
	case zmq.EventConnectRetried:
		return "retry=" + (time.Duration(ev.Value) * time.Millisecond).String()
	case zmq.EventHandshakeFailedProtocol:
		return "code=" + zmq.ProtocolCode(ev.Value).String()
	case zmq.EventHandshakeFailedAuth:
		return "status=" + strconv.FormatUint(uint64(ev.Value), 10)
	}
	return ""
}
