// Command inproc_lat is libzmq's inproc latency test: remote_lat and
// local_lat in one process, a REQ socket bound to inproc://lat_test and a
// REP socket connected to it from a second goroutine that echoes every
// request, sharing one context.
//
//	inproc_lat <message-size> <roundtrip-count>
//
// The output is remote_lat's: the one-way latency, half the mean roundtrip.
package main

import (
	"context"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args := perfutil.Args("inproc_lat", "<message-size> <roundtrip-count>", 2)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[0], args[1])
	ctx := context.Background()
	zctx := zmq.NewContext()

	s, err := zctx.NewSocket(zmq.Req)
	perfutil.Check("socket", err)
	perfutil.Check("bind", s.Bind("inproc://lat_test"))

	connected := make(chan struct{})
	finished := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep, err := zctx.NewSocket(zmq.Rep)
		perfutil.Check("socket", err)
		perfutil.Check("connect", rep.Connect("inproc://lat_test"))
		close(connected)
		perfutil.Echo(ctx, rep, size, count)
		// Close only once the last reply has been received.
		<-finished
		perfutil.Check("close", rep.Close())
	}()

	// An inproc connect to a bound endpoint completes within Connect, so
	// after this the REQ has its peer and the clock leaves the setup out.
	<-connected
	elapsed := perfutil.Ping(ctx, s, size, count)
	perfutil.PrintLatency(size, count, elapsed)
	close(finished)
	<-done
	perfutil.Check("close", s.Close())
	perfutil.Check("term", zctx.Term())
}
