package pipe_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zmq-go/zmq/internal/pipe"
)

// Micro-benchmarks of the queues between sockets and connections. One op is
// one message throughout, so ns/op and allocs/op are per message.
//
//	go test -run '^$' -bench . -benchmem ./internal/pipe

func benchSizeName(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// benchTimeout bounds the concurrent benchmarks: a lost wakeup fails the
// benchmark instead of hanging the run.
const benchTimeout = 2 * time.Minute

// wait waits for c, or fails at the deadline and reports false.
func wait(ctx context.Context, b *testing.B, c <-chan struct{}, what string) bool {
	select {
	case <-c:
		return true
	case <-ctx.Done():
		b.Errorf("timed out waiting for %s", what)
		return false
	}
}

// signaller returns a callback that wakes a channel without blocking, the
// way a socket's activation callbacks wake it.
func signaller() (chan struct{}, func()) {
	c := make(chan struct{}, 1)
	return c, func() {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// BenchmarkQueuePushPop pushes one single-frame message and pops it again,
// in one goroutine: the uncontended cost of a message through a Queue.
func BenchmarkQueuePushPop(b *testing.B) {
	q := pipe.NewQueue(1000, nil, nil)
	f := pipe.MakeFrame(make([]byte, 64), 0, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !q.Push(f) {
			b.Fatal("push refused")
		}
		fs, ok, _ := q.Pop()
		if !ok || len(fs) != 1 {
			b.Fatal("pop failed")
		}
		q.Done()
	}
}

// BenchmarkQueueBatch pushes messages in batches with PushBatch, as a
// connection reader does with what one read decoded, and pops them one by
// one, in one goroutine.
func BenchmarkQueueBatch(b *testing.B) {
	for _, batch := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			q := pipe.NewQueue(0, nil, nil)
			body := make([]byte, 64)
			frames := make([]pipe.Frame, batch)
			for i := range frames {
				frames[i] = pipe.MakeFrame(body, 0, nil)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; n += batch {
				k := min(batch, b.N-n)
				if !q.PushBatch(frames[:k], k) {
					b.Fatal("push refused")
				}
				for j := 0; j < k; j++ {
					if _, ok, _ := q.Pop(); !ok {
						b.Fatal("pop failed")
					}
					q.Done()
				}
			}
		})
	}
}

// BenchmarkQueueConcurrent streams messages from a producer goroutine to a
// consumer through a Queue with the default high-water mark, waiting on the
// notification callbacks as sockets do: one message per Push, or batches
// of 64 per PushBatch (checking Full first, as a reader does).
func BenchmarkQueueConcurrent(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			readable, onReadable := signaller()
			writable, onWritable := signaller()
			q := pipe.NewQueue(1000, onReadable, onWritable)
			body := make([]byte, 64)
			frames := make([]pipe.Frame, batch)
			for i := range frames {
				frames[i] = pipe.MakeFrame(body, 0, nil)
			}
			ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
			defer cancel()
			b.ReportAllocs()
			b.ResetTimer()
			done := make(chan struct{})
			go func() {
				defer close(done)
				for n := 0; n < b.N; {
					if batch == 1 {
						if q.Push(frames[0]) {
							n++
						} else if !wait(ctx, b, writable, "room") {
							return
						}
						continue
					}
					if q.Full() {
						if !wait(ctx, b, writable, "room") {
							return
						}
						continue
					}
					k := min(batch, b.N-n)
					q.PushBatch(frames[:k], k)
					n += k
				}
			}()
			for n := 0; n < b.N; {
				_, ok, _ := q.Pop()
				q.Done()
				if !ok {
					if !wait(ctx, b, readable, "a message") {
						break
					}
					continue
				}
				n++
			}
			b.StopTimer()
			<-done
		})
	}
}

var benchOutSizes = []int{16, 64, 1024, 64 << 10}

// frameBytes is what one single-frame message of size bytes takes on the
// wire: a 2-byte header up to 255 bytes, a 9-byte one above.
func frameBytes(size int) int {
	if size <= 255 {
		return 2 + size
	}
	return 9 + size
}

// BenchmarkOutPushMsgTake encodes messages into an Out and takes them out
// in batches of 64 messages as a connection writer would (without the
// system call), in one goroutine. Bodies from pipe.RefThreshold on are
// queued by reference instead of copied.
func BenchmarkOutPushMsgTake(b *testing.B) {
	for _, size := range benchOutSizes {
		b.Run(benchSizeName(size), func(b *testing.B) {
			var mu sync.Mutex
			o := pipe.NewOut(&mu, 1000, nil)
			frames := [][]byte{make([]byte, size)}
			var batch pipe.Batch
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mu.Lock()
				ok := o.PushMsg(frames, nil)
				mu.Unlock()
				if !ok {
					b.Fatal("push refused")
				}
				if i%64 == 63 || i == b.N-1 {
					if !o.Take(&batch) {
						b.Fatal("nothing to take")
					}
					batch.Done()
				}
			}
		})
	}
}

// BenchmarkOutConcurrent streams messages from a sender goroutine through
// an Out with the default high-water mark to a writer goroutine that takes
// whatever is pending each time it wakes, as a connection's writer does
// (without the system call).
func BenchmarkOutConcurrent(b *testing.B) {
	for _, size := range benchOutSizes {
		b.Run(benchSizeName(size), func(b *testing.B) {
			space, onSpace := signaller()
			var mu sync.Mutex
			o := pipe.NewOut(&mu, 1000, onSpace)
			frames := [][]byte{make([]byte, size)}
			want := b.N * frameBytes(size)
			ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
			defer cancel()
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			written := make(chan int, 1)
			go func() {
				var batch pipe.Batch
				got := 0
				for got < want {
					if !o.Take(&batch) {
						if !wait(ctx, b, o.Wake(), "data") {
							break
						}
						continue
					}
					for _, buf := range batch.Bufs {
						got += len(buf)
					}
					batch.Done()
				}
				written <- got
			}()
			for i := 0; i < b.N; {
				mu.Lock()
				ok := o.PushMsg(frames, nil)
				mu.Unlock()
				if ok {
					i++
				} else if !wait(ctx, b, space, "room") {
					break
				}
			}
			if got := <-written; got != want {
				b.Fatalf("writer took %d bytes, want %d", got, want)
			}
		})
	}
}

// BenchmarkOutQueued encodes messages of 8 KiB into an Out whose writer
// takes them only every n messages, as for a subscriber that has stopped
// reading while the publisher goes on up to its high-water mark; then the
// whole queue is taken at once.
func BenchmarkOutQueued(b *testing.B) {
	for _, n := range []int{1000, 2000} {
		b.Run(fmt.Sprintf("8KiBx%d", n), func(b *testing.B) {
			var mu sync.Mutex
			o := pipe.NewOut(&mu, n, nil)
			frames := [][]byte{make([]byte, 8<<10)}
			var batch pipe.Batch
			b.ReportAllocs()
			b.SetBytes(8 << 10)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mu.Lock()
				ok := o.PushMsg(frames, nil)
				mu.Unlock()
				if !ok {
					b.Fatal("push refused")
				}
				if i%n == n-1 || i == b.N-1 {
					if !o.Take(&batch) {
						b.Fatal("nothing to take")
					}
					batch.Done()
				}
			}
		})
	}
}
