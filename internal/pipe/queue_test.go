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

// While messages stream, consumed batches keep their references for the
// producer to overwrite; once the consumer catches up, none is left, so a
// queue that goes quiet keeps nothing reachable.
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
	// A consumer that lags a batch behind the producer never finds the
	// producer's batch empty.
	push(5)
	for round := 0; round < 4; round++ {
		push(3 + round)
		for {
			fs, ok, _ := q.Pop()
			if !ok {
				t.Fatal("queue ran dry while the producer's batch held messages")
			}
			got = append(got, string(fs[0].Bytes()))
			if q.rPos == len(q.r) {
				break
			}
		}
	}
	if countRefs(q) == 0 {
		t.Fatal("a streaming consumer cleared the producer's slots")
	}
	got = append(got, popAll(t, q)...)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if n := countRefs(q); n != 0 {
		t.Fatalf("%d references left after the consumer caught up", n)
	}

	// Drain drops everything too, including what was never popped.
	push(7)
	q.Pop()
	push(2)
	q.Drain()
	if n := countRefs(q); n != 0 {
		t.Fatalf("%d references left after Drain", n)
	}
}
