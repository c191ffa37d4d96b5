// Command remote_lat is libzmq's latency client: it connects a REQ socket,
// sends roundtrip-count requests of message-size bytes to local_lat, waits
// for each echo, and prints the one-way latency, half the mean roundtrip.
//
//	remote_lat <connect-to> <message-size> <roundtrip-count> [curve]
//
// Pair it with local_lat, ours or libzmq's. It sends one reused message and
// receives into one reused Msg.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args, curve := perfutil.ArgsCurve("remote_lat", "<connect-to> <message-size> <roundtrip-count>", 3)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[1], args[2])
	ctx := context.Background()

	s, err := zmq.NewSocket(zmq.Req, perfutil.CurveOptions(curve, false)...)
	perfutil.Check("socket", err)
	perfutil.Check("connect", s.Connect(args[0]))

	elapsed := perfutil.Ping(ctx, s, size, count)
	perfutil.PrintLatency(size, count, elapsed)
	perfutil.Check("close", s.Close())
}
