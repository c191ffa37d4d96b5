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
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args := perfutil.Args("inproc_thr", "<message-size> <message-count>", 2)
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
		m := zmq.NewMsg(make([]byte, size))
		for i := 0; i < count; i++ {
			perfutil.Check("send", push.Send(ctx, m))
		}
		perfutil.Check("close", push.Close())
	}()

	var m zmq.Msg
	perfutil.Check("recv", s.RecvMsg(ctx, &m))
	perfutil.CheckSize(&m, size)
	start := time.Now()
	for i := 1; i < count; i++ {
		perfutil.Check("recv", s.RecvMsg(ctx, &m))
		perfutil.CheckSize(&m, size)
	}
	elapsed := time.Since(start)
	m.Release()

	perfutil.PrintThroughput(size, count, elapsed)
	<-done
	perfutil.Check("close", s.Close())
	perfutil.Check("term", zctx.Term())
}
