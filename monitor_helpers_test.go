package zmq_test

import (
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// nextEvent returns m's next event, failing the test if none comes within
// five seconds or the monitor has stopped.
func nextEvent(t testing.TB, m *zmq.Monitor) zmq.Event {
	t.Helper()
	select {
	case ev, ok := <-m.Events():
		if !ok {
			t.Fatal("monitor stopped")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	panic("unreachable")
}

// expectEvents checks that m's next events are of the given types, in
// order, and returns them.
func expectEvents(t testing.TB, m *zmq.Monitor, types ...zmq.EventType) []zmq.Event {
	t.Helper()
	evs := make([]zmq.Event, 0, len(types))
	for i, want := range types {
		ev := nextEvent(t, m)
		if ev.Type != want {
			t.Fatalf("event %d: got %v, want %v (after %v)", i, ev, want, evs)
		}
		if ev.Time.IsZero() || i > 0 && ev.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d (%v) at %v, after %v", i, ev, ev.Time, evs)
		}
		evs = append(evs, ev)
	}
	return evs
}

// expectNoEvent checks that m reports nothing for d. It can only show that
// an event does not come that soon: d bounds the test.
func expectNoEvent(t testing.TB, m *zmq.Monitor, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-m.Events():
		if ok {
			t.Fatalf("unexpected event %v", ev)
		}
	case <-time.After(d):
	}
}

// skipEventsUntil discards m's events until one of type want, which it
// returns.
func skipEventsUntil(t testing.TB, m *zmq.Monitor, want zmq.EventType) zmq.Event {
	t.Helper()
	for {
		if ev := nextEvent(t, m); ev.Type == want {
			return ev
		}
	}
}
