package pipe

import (
	"fmt"
	"testing"
)

func msgFrame(i int) Frame { return MakeFrame([]byte(fmt.Sprint(i)), 0, nil) }

// popAll pops until the queue reports no message and returns the bodies.
func popAll(t *testing.T, q *Queue) []string {
	t.Helper()
	var got []string
	for {
		fs, ok, _ := q.Pop()
		if !ok {
			return got
		}
		got = append(got, string(fs[0].Bytes()))
		q.Done()
	}
}

// countRefs counts the frames that still point somewhere in the whole
// capacity of both of the queue's buffers.
func countRefs(q *Queue) int {
	n := 0
	for _, b := range [][]Frame{q.r[:cap(q.r)], q.w[:cap(q.w)]} {
		for _, f := range b {
			if f.p != nil || f.c != nil {
				n++
			}
		}
	}
	return n
}

// Once the consumer is done with a message, the queue keeps no reference
// to it, while messages stream as when it goes quiet: a popped message's
// buffer is not kept alive by the queue's slots, however long the consumer
// leaves the queue alone afterwards.
func TestQueueDropsConsumedReferences(t *testing.T) {
	q := NewQueue(0, nil, nil)
	next, want := 0, []string{}
	push := func(n int) {
		for range n {
			if !q.Push(msgFrame(next)) {
				t.Fatalf("push %d refused", next)
			}
			want = append(want, fmt.Sprint(next))
			next++
		}
	}
	var got []string
	queued := 0
	// A consumer that lags a batch behind the producer.
	push(5)
	queued += 5
	for round := 0; round < 4; round++ {
		push(3 + round)
		queued += 3 + round
		fs, ok, _ := q.Pop()
		if !ok {
			t.Fatal("queue ran dry while messages were queued")
		}
		got = append(got, string(fs[0].Bytes()))
		q.Done()
		queued--
		if n := countRefs(q); n != queued {
			t.Fatalf("round %d: the queue references %d frames, %d are queued", round, n, queued)
		}
	}
	got = append(got, popAll(t, q)...)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if n := countRefs(q); n != 0 {
		t.Fatalf("%d references left after the consumer caught up", n)
	}

	// A multipart message: every frame's slot is cleared.
	q.Push(MakeFrame([]byte("a"), More, nil), MakeFrame([]byte("b"), 0, nil))
	q.Push(msgFrame(0))
	if fs, ok, _ := q.Pop(); !ok || len(fs) != 2 {
		t.Fatalf("popped %d frames, want 2", len(fs))
	}
	q.Done()
	if n := countRefs(q); n != 1 {
		t.Fatalf("the queue references %d frames, 1 is queued", n)
	}
	popAll(t, q)

	// Drain drops everything too, including what was never popped.
	push(7)
	q.Pop()
	q.Done()
	push(9)
	q.Drain()
	if n := countRefs(q); n != 0 {
		t.Fatalf("%d references left after Drain", n)
	}
}

// A producer that found the queue full hears of room once the consumer
// has taken half the high-water mark (libzmq's low-water mark), not
// later: a consumer that takes half and then waits for the producer must
// not stall it. For marks of 128 and above the report comes after 64.
func TestQueueReportsRoomAtHalf(t *testing.T) {
	for _, hwm := range []int{1, 2, 3, 10, 100, 127, 128, 1000} {
		woken := 0
		q := NewQueue(hwm, nil, func() { woken++ })
		if !q.PushBatch(frames(hwm), hwm) {
			t.Fatal("queue closed")
		}
		if !q.Full() {
			t.Fatalf("hwm %d: not full with %d messages", hwm, hwm)
		}
		want := min((hwm+1)/2, 64)
		for i := range want {
			if woken != 0 {
				t.Fatalf("hwm %d: producer woken after %d messages taken, before %d", hwm, i, want)
			}
			if _, ok, _ := q.Pop(); !ok {
				t.Fatalf("hwm %d: message %d missing", hwm, i)
			}
			q.Done()
		}
		if woken != 1 {
			t.Fatalf("hwm %d: producer woken %d times after %d messages were taken, want once", hwm, woken, want)
		}
	}
}

// frames returns n one-frame messages.
func frames(n int) []Frame {
	fs := make([]Frame, n)
	for i := range fs {
		fs[i] = msgFrame(i)
	}
	return fs
}
