// Command local_thr is libzmq's throughput receiver: it binds a PULL socket,
// receives message-count messages of message-size bytes, starting the clock
// at the first one, and prints the mean throughput.
//
//	local_thr <bind-to> <message-size> <message-count> [curve]
//
// Pair it with remote_thr, ours or libzmq's. It receives with the release
// API (RecvMsg into one reused Msg), as libzmq's tool reuses one zmq_msg_t.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args, curve := perfutil.ArgsCurve("local_thr", "<bind-to> <message-size> <message-count>", 3)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[1], args[2])
	ctx := context.Background()

	s, err := zmq.NewSocket(zmq.Pull, perfutil.CurveOptions(curve, true)...)
	perfutil.Check("socket", err)
	perfutil.Check("bind", s.Bind(args[0]))

	elapsed := perfutil.Sink(ctx, s, size, count)
	perfutil.PrintThroughput(size, count, elapsed)
	perfutil.Check("close", s.Close())
}
