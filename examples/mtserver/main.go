// Mtserver is the multithreaded Hello World server of the zguide
// (chapter 2, mtserver): a ROUTER socket for clients at tcp://*:5555, a
// DEALER socket at inproc://workers, and five worker goroutines, each a
// REP socket answering "World", joined by zmq.Proxy.
//
//	go run ./examples/mtserver [-work 1s] [-iface *] [-for duration]
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
	work := flag.Duration("work", time.Second, "time spent on each request")
	iface := flag.String("iface", "*", "interface to bind to")
	limit := flag.Duration("for", 0, "stop after this long (0: run until interrupted)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	if err := run(ctx, *work, "tcp://"+*iface+":5555"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, work time.Duration, endpoint string) error {
	zctx := zmq.NewContext() // inproc endpoints live in one context
	defer zctx.Term()

	// Socket to talk to clients.
	clients, err := zctx.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	if err := clients.Bind(endpoint); err != nil {
		return err
	}
	// Socket to talk to workers.
	workers, err := zctx.NewSocket(zmq.Dealer)
	if err != nil {
		return err
	}
	if err := workers.Bind("inproc://workers"); err != nil {
		return err
	}
	for range 5 {
		go worker(ctx, zctx, work)
	}
	return zmq.Proxy(ctx, clients, workers, nil)
}

// worker answers requests from inproc://workers until its context ends.
func worker(ctx context.Context, zctx *zmq.Context, work time.Duration) {
	receiver, err := zctx.NewSocket(zmq.Rep)
	if err != nil {
		log.Print(err)
		return
	}
	defer receiver.Close()
	if err := receiver.Connect("inproc://workers"); err != nil {
		log.Print(err)
		return
	}
	for {
		request, err := receiver.Recv(ctx)
		if err != nil {
			return
		}
		fmt.Printf("Received request: [%s]\n", request.Frames[0])
		time.Sleep(work) // do some 'work'
		if err := receiver.Send(ctx, zmq.NewMsgString("World")); err != nil {
			return
		}
	}
}
