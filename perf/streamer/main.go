// Command streamer runs a STREAMER device between a PULL socket bound to
// bind-in and a PUSH socket connected to connect-out, until it is
// interrupted or terminated: with local_thr on connect-out and remote_thr
// on bind-in, it measures a proxy over tcp or ipc. perf/c builds libzmq's
// counterpart, zmq_proxy between the same sockets, under the same name.
//
//	streamer <bind-in> <connect-out>
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

func main() {
	args := perfutil.Args("streamer", "<bind-in> <connect-out>", 2)
	defer perfutil.Profile()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	zctx := zmq.NewContext()
	pull, err := zctx.NewSocket(zmq.Pull, zmq.Linger(0))
	perfutil.Check("socket", err)
	perfutil.Check("bind", pull.Bind(args[0]))
	push, err := zctx.NewSocket(zmq.Push, zmq.Linger(0))
	perfutil.Check("socket", err)
	perfutil.Check("connect", push.Connect(args[1]))
	if err := zmq.Device(ctx, zmq.Streamer, pull, push); !errors.Is(err, context.Canceled) {
		perfutil.Die("device", err)
	}
	perfutil.Check("close", pull.Close())
	perfutil.Check("close", push.Close())
	perfutil.Check("term", zctx.Term())
}
