// Rrworker is the request-reply worker of the zguide (chapter 2,
// rrworker): a REP socket connected to the broker at
// tcp://localhost:5560 answers each request with "World".
//
//	go run ./examples/rrworker [-n requests] [-work 1s]
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
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *work); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int, work time.Duration) error {
	responder, err := zmq.NewSocket(zmq.Rep)
	if err != nil {
		return err
	}
	defer responder.Close()
	if err := responder.Connect("tcp://localhost:5560"); err != nil {
		return err
	}
	for i := 0; n == 0 || i < n; i++ {
		request, err := responder.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received request: [%s]\n", request.Frames[0])
		time.Sleep(work) // do some 'work'
		if err := responder.Send(ctx, zmq.NewMsgString("World")); err != nil {
			return err
		}
	}
	return nil
}
