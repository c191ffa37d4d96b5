// Mdworker is the Majordomo worker of the zguide (chapter 4, mdworker):
// through the MDP/Worker API of examples/internal/mdp it offers the "echo"
// service to the broker at tcp://localhost:5555 and answers each request
// with the request itself. It heartbeats the broker every 2.5 seconds and,
// when the broker has been silent for three heartbeats, reconnects after
// 2.5 seconds.
//
//	go run ./examples/mdworker [-v] [-n requests] [-heartbeat 2.5s] [-reconnect 2.5s] [-for duration]
//
// -v logs every message sent and received.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/zmq-go/zmq/examples/internal/mdp"
)

func main() {
	verbose := flag.Bool("v", false, "log every message")
	n := flag.Int("n", 0, "requests to answer before exiting (0: forever)")
	broker := flag.String("broker", "tcp://localhost:5555", "the broker's endpoint")
	heartbeat := flag.Duration("heartbeat", mdp.DefaultHeartbeat, "interval between heartbeats")
	reconnect := flag.Duration("reconnect", mdp.DefaultReconnect, "pause before reconnecting to a silent broker")
	limit := flag.Duration("for", 0, "stop after this long (0: run until interrupted)")
	flag.Parse()
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx := interrupted
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	w := &mdp.Worker{Broker: *broker, Service: "echo", Heartbeat: *heartbeat, Reconnect: *reconnect}
	if *verbose {
		w.Verbose = log.Default()
	}
	err := run(ctx, w, *n)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
	if interrupted.Err() != nil {
		log.Print("W: interrupt received, killing worker...")
	}
}

// run answers n requests (0: until ctx ends).
func run(ctx context.Context, w *mdp.Worker, n int) error {
	for i := 0; n == 0 || i < n; i++ {
		request, err := w.Recv(ctx)
		if err != nil {
			return err
		}
		if err := w.Reply(ctx, request...); err != nil { // echo is complex...
			return err
		}
	}
	return nil
}
