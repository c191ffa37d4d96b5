// Package perfutil holds what the perf tools share: libzmq's argument
// handling, its output lines and its error exit.
//
// The tools mirror libzmq 4.3's perf/ programs so that scripts written for
// them work unchanged and either side of a pair can be libzmq's: the same
// arguments (parsed with C atoi semantics), the same output lines, the
// throughput truncated to whole messages per second before the Mb/s figure
// is derived from it, and elapsed time counted in whole microseconds as
// zmq_stopwatch does. Unlike libzmq, usage and errors go to stderr and the
// exit code is 1.
package perfutil

import (
	"context"
	"fmt"
	"os"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// Args checks that the command line holds exactly the arguments named in
// usage (such as "<bind-to> <message-size> <message-count>") and returns
// them; otherwise it prints the usage line and exits with code 1.
func Args(name, usage string, n int) []string {
	if len(os.Args) != n+1 {
		fmt.Fprintf(os.Stderr, "usage: %s %s\n", name, usage)
		os.Exit(1)
	}
	return os.Args[1:]
}

// Atoi converts s as C's atoi does: leading blanks, an optional sign, then
// decimal digits up to the first other character; no digits give 0.
func Atoi(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n > (1<<31-1-int(s[i]-'0'))/10 {
			n = 1<<31 - 1 // atoi is undefined here; clamp to INT_MAX
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// SizeCount converts a message size and a message (or roundtrip) count and
// exits with an error when they cannot describe a run: a negative size or a
// count below one.
func SizeCount(size, count string) (int, int) {
	s, c := Atoi(size), Atoi(count)
	if s < 0 {
		Die("arguments", fmt.Errorf("invalid message size %q", size))
	}
	if c < 1 {
		Die("arguments", fmt.Errorf("invalid count %q", count))
	}
	return s, c
}

// Die prints "error in <what>: <err>" to stderr and exits with code 1.
func Die(what string, err error) {
	fmt.Fprintf(os.Stderr, "error in %s: %v\n", what, err)
	os.Exit(1)
}

// Check calls [Die] when err is not nil.
func Check(what string, err error) {
	if err != nil {
		Die(what, err)
	}
}

// CheckSize exits with libzmq's complaint unless m is a single frame of
// size bytes.
func CheckSize(m *zmq.Msg, size int) {
	if len(m.Frames) != 1 || len(m.Frames[0]) != size {
		Die("recv", fmt.Errorf("message of incorrect size received (%d frames, %d bytes, want 1 frame of %d)",
			len(m.Frames), len(m.Bytes()), size))
	}
}

// micros is the elapsed time in whole microseconds, at least 1, as
// zmq_stopwatch_stop reports it.
func micros(elapsed time.Duration) int64 {
	return max(elapsed.Microseconds(), 1)
}

// PrintThroughput prints local_thr's four lines for count messages of size
// bytes received in elapsed. The lines go out in one write, so a reader
// that stops at the first line it wants (grep -q) cannot make a later one
// fail with a broken pipe.
func PrintThroughput(size, count int, elapsed time.Duration) {
	thr := uint64(float64(count) / float64(micros(elapsed)) * 1e6)
	megabits := float64(thr*uint64(size)*8) / 1e6
	fmt.Printf("message size: %d [B]\nmessage count: %d\nmean throughput: %d [msg/s]\nmean throughput: %.3f [Mb/s]\n",
		size, count, thr, megabits)
}

// PrintLatency prints remote_lat's three lines, in one write: the one-way
// latency is half the mean roundtrip time.
func PrintLatency(size, roundtrips int, elapsed time.Duration) {
	fmt.Printf("message size: %d [B]\nroundtrip count: %d\naverage latency: %.3f [us]\n",
		size, roundtrips, float64(micros(elapsed))/float64(2*roundtrips))
}

// Sink receives count messages of size bytes on s with the release API and
// returns the time from the first message to the last, as local_thr times.
func Sink(ctx context.Context, s *zmq.Socket, size, count int) time.Duration {
	var m zmq.Msg
	defer m.Release()
	Check("recv", s.RecvMsg(ctx, &m))
	CheckSize(&m, size)
	start := time.Now()
	for i := 1; i < count; i++ {
		Check("recv", s.RecvMsg(ctx, &m))
		CheckSize(&m, size)
	}
	return time.Since(start)
}

// Source sends count messages of size bytes on s. Send never modifies the
// body, so one message is sent again and again, as libzmq's remote_thr
// reuses one buffer.
func Source(ctx context.Context, s *zmq.Socket, size, count int) {
	m := zmq.NewMsg(make([]byte, size))
	for i := 0; i < count; i++ {
		Check("send", s.Send(ctx, m))
	}
}

// Echo answers count requests of size bytes on a REP socket with the
// request itself. The socket keeps its own hold on what it sends, so the
// next RecvMsg may reuse m at once.
func Echo(ctx context.Context, s *zmq.Socket, size, count int) {
	var m zmq.Msg
	defer m.Release()
	for i := 0; i < count; i++ {
		Check("recv", s.RecvMsg(ctx, &m))
		CheckSize(&m, size)
		Check("send", s.Send(ctx, m))
	}
}

// Ping makes count roundtrips of size bytes on a REQ socket and returns the
// time they took.
func Ping(ctx context.Context, s *zmq.Socket, size, count int) time.Duration {
	req := zmq.NewMsg(make([]byte, size))
	var rep zmq.Msg
	defer rep.Release()
	start := time.Now()
	for i := 0; i < count; i++ {
		Check("send", s.Send(ctx, req))
		Check("recv", s.RecvMsg(ctx, &rep))
		CheckSize(&rep, size)
	}
	return time.Since(start)
}
