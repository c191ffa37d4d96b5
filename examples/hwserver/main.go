// Hwserver is the Hello World server of the zguide (chapter 1, hwserver):
// a REP socket bound to tcp://*:5555 answers each request with "World".
//
//	go run ./examples/hwserver [-n requests] [-work 1s] [-iface *]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 0, "requests to answer before exiting (0: forever)")
	work := flag.Duration("work", time.Second, "time spent on each request")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *work, "tcp://"+*iface+":5555"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int, work time.Duration, endpoint string) error {
	responder, err := zmq.NewSocket(zmq.Rep)
	if err != nil {
		return err
	}
	defer responder.Close()
	if err := responder.Bind(endpoint); err != nil {
		return err
	}
	for i := 0; n == 0 || i < n; i++ {
		request, err := responder.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received %s\n", request.Frames[0])
		time.Sleep(work) // do some 'work'
		if err := responder.Send(ctx, zmq.NewMsgString("World")); err != nil {
			return err
		}
	}
	return nil
}
