// Command inproc_thr is libzmq's inproc throughput test: local_thr and
// remote_thr in one process, a PULL socket bound to inproc://thr_test and a
// PUSH socket connected to it from a second goroutine, sharing one context.
//
//	inproc_thr <message-size> <message-count>
//
// The output is local_thr's. The receiver uses the release API and the
// sender one reused message, as in local_thr and remote_thr.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args := perfutil.Args("inproc_thr", "<message-size> <message-count>", 2)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[0], args[1])
	ctx := context.Background()
	zctx := zmq.NewContext()

	s, err := zctx.NewSocket(zmq.Pull)
	perfutil.Check("socket", err)
	perfutil.Check("bind", s.Bind("inproc://thr_test"))

	done := make(chan struct{})
	go func() {
		defer close(done)
		push, err := zctx.NewSocket(zmq.Push, zmq.Linger(-1))
		perfutil.Check("socket", err)
		perfutil.Check("connect", push.Connect("inproc://thr_test"))
		perfutil.Source(ctx, push, size, count)
		perfutil.Check("close", push.Close())
	}()

	elapsed := perfutil.Sink(ctx, s, size, count)
	perfutil.PrintThroughput(size, count, elapsed)
	<-done
	perfutil.Check("close", s.Close())
	perfutil.Check("term", zctx.Term())
}
