// Command remote_thr is libzmq's throughput sender: it connects a PUSH
// socket, sends message-count messages of message-size bytes, and closes
// with an infinite linger so that every message is delivered before it
// exits.
//
//	remote_thr <connect-to> <message-size> <message-count> [curve]
//
// Pair it with local_thr, ours or libzmq's. Every send reuses one message
// over one body buffer, as libzmq's tool reuses one zmq_msg_t.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args, curve := perfutil.ArgsCurve("remote_thr", "<connect-to> <message-size> <message-count>", 3)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[1], args[2])
	ctx := context.Background()

	s, err := zmq.NewSocket(zmq.Push, append([]zmq.Option{zmq.Linger(-1)}, perfutil.CurveOptions(curve, false)...)...)
	perfutil.Check("socket", err)
	perfutil.Check("connect", s.Connect(args[0]))

	perfutil.Source(ctx, s, size, count)
	perfutil.Check("close", s.Close())
}
