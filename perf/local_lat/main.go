// Command local_lat is libzmq's latency echo server: it binds a REP socket
// and sends each of roundtrip-count requests of message-size bytes back.
//
//	local_lat <bind-to> <message-size> <roundtrip-count> [curve]
//
// Pair it with remote_lat, ours or libzmq's, which prints the latency. Like
// libzmq's tool it receives into one reused message and echoes that message.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args, curve := perfutil.ArgsCurve("local_lat", "<bind-to> <message-size> <roundtrip-count>", 3)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[1], args[2])
	ctx := context.Background()

	s, err := zmq.NewSocket(zmq.Rep, perfutil.CurveOptions(curve, true)...)
	perfutil.Check("socket", err)
	perfutil.Check("bind", s.Bind(args[0]))

	perfutil.Echo(ctx, s, size, count)
	perfutil.Check("close", s.Close())
}
