package pipe

import (
	"bytes"
	"sync"
	"testing"
)

// Advance drops written bytes across buffers and keeps the list's
// capacity, so that a batch reused for the next write does not allocate.
func TestBatchAdvance(t *testing.T) {
	b := Batch{Bufs: [][]byte{[]byte("abc"), []byte("defgh"), []byte("ij")}}
	c := cap(b.Bufs)
	b.Advance(4)
	if len(b.Bufs) != 2 || string(b.Bufs[0]) != "efgh" || string(b.Bufs[1]) != "ij" {
		t.Fatalf("after 4 bytes: %q", b.Bufs)
	}
	b.Advance(4)
	if len(b.Bufs) != 1 || string(b.Bufs[0]) != "ij" {
		t.Fatalf("after 8 bytes: %q", b.Bufs)
	}
	b.Advance(2)
	if len(b.Bufs) != 0 || cap(b.Bufs) != c {
		t.Fatalf("after all: %q, capacity %d, want %d", b.Bufs, cap(b.Bufs), c)
	}
	if full := b.Bufs[:c]; full[0] != nil || full[1] != nil || full[2] != nil {
		t.Fatal("written buffers still referenced")
	}
}

// inlineOut is a stream whose sender writes inline into w, taking at most
// limit bytes per write, as a socket buffer would.
type inlineOut struct {
	mu      sync.Mutex
	o       *Out
	w       bytes.Buffer
	limit   int
	flushes bool // the sender will flush: onDefer's answer
}

func newInlineOut(limit int) *inlineOut {
	io := &inlineOut{limit: limit}
	io.o = NewOut(&io.mu, 0, nil)
	io.o.idle = true // as a writer that found nothing to do leaves it
	io.o.SetInline(io.write, func() bool { return io.flushes })
	return io
}

func (io *inlineOut) write(b *Batch) bool {
	room := io.limit
	for len(b.Bufs) > 0 && room > 0 {
		n := min(room, len(b.Bufs[0]))
		io.w.Write(b.Bufs[0][:n])
		b.Advance(n)
		room -= n
	}
	if len(b.Bufs) == 0 {
		b.Done()
		return true
	}
	return false
}

func (io *inlineOut) push(t *testing.T, frames ...[]byte) {
	t.Helper()
	io.mu.Lock()
	defer io.mu.Unlock()
	if !io.o.PushMsg(frames, nil) {
		t.Fatal("push refused")
	}
}

// A push the sender will flush leaves the writer asleep, and FlushInline
// writes it on the sender's goroutine; a push nobody flushes wakes the
// writer.
func TestOutInlineWrite(t *testing.T) {
	io := newInlineOut(1 << 20)
	io.flushes = true
	io.push(t, []byte("hello"))
	select {
	case <-io.o.Wake():
		t.Fatal("a deferred push woke the writer")
	default:
	}
	io.o.FlushInline()
	if want := encode(nil, [][]byte{[]byte("hello")}); !bytes.Equal(io.w.Bytes(), want) {
		t.Fatalf("written %q, want %q", io.w.Bytes(), want)
	}
	var b Batch
	if io.o.Take(&b) {
		t.Fatalf("the writer found %q after the inline write", b.Bufs)
	}
	io.flushes = false
	io.push(t, []byte("later"))
	select {
	case <-io.o.Wake():
	default:
		t.Fatal("a push nobody flushes did not wake the writer")
	}
}

// What the connection does not take at once is carried over to the
// writer, which writes it before anything pushed after it; meanwhile no
// later flush writes out of turn.
func TestOutInlineCarry(t *testing.T) {
	io := newInlineOut(7)
	io.flushes = true
	first := body(1, 20)
	io.push(t, first)
	io.o.FlushInline()
	if io.w.Len() != 7 {
		t.Fatalf("the sender wrote %d bytes, want 7", io.w.Len())
	}
	select {
	case <-io.o.Wake():
	default:
		t.Fatal("the writer was not woken for the rest")
	}
	second := body(2, 5)
	io.push(t, second)
	io.o.FlushInline() // the carry is the writer's: nothing more inline
	if io.w.Len() != 7 {
		t.Fatalf("a flush wrote %d bytes out of turn", io.w.Len()-7)
	}
	var got []byte
	var b Batch
	for io.o.Take(&b) {
		for _, buf := range b.Bufs {
			got = append(got, buf...)
		}
		b.Done()
	}
	got = append(io.w.Bytes(), got...)
	want := encode(encode(nil, [][]byte{first}), [][]byte{second})
	if !bytes.Equal(got, want) {
		t.Fatalf("the stream is %x, want %x", got, want)
	}
}

// While a sender writes, the writer does not take; it is woken when the
// sender is done if more is pending, or if it woke meanwhile.
func TestOutInlineExcludesWriter(t *testing.T) {
	io := newInlineOut(1 << 20)
	io.flushes = true
	io.push(t, []byte("x"))
	release := make(chan struct{})
	writing := make(chan struct{})
	io.o.SetInline(func(b *Batch) bool {
		close(writing)
		<-release
		return io.write(b)
	}, func() bool { return io.flushes })
	done := make(chan struct{})
	go func() {
		io.o.FlushInline()
		close(done)
	}()
	<-writing
	var b Batch
	if io.o.Take(&b) {
		t.Fatal("the writer took while a sender wrote")
	}
	if !io.o.InlineBusy() {
		t.Fatal("InlineBusy is false while a sender writes")
	}
	close(release)
	<-done
	select {
	case <-io.o.Wake():
	default:
		t.Fatal("the writer that woke meanwhile was not woken again")
	}
}
