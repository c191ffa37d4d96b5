// Msgqueue is the message queue broker of the zguide (chapter 2,
// msgqueue): the rrbroker's ROUTER at tcp://*:5559 and DEALER at
// tcp://*:5560, joined by the built-in QUEUE device.
//
//	go run ./examples/msgqueue [-iface *] [-for duration]
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

func main() {
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
	if err := run(ctx, "tcp://"+*iface); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, host string) error {
	// Socket facing clients.
	frontend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Bind(host + ":5559"); err != nil {
		return err
	}
	// Socket facing services.
	backend, err := zmq.NewSocket(zmq.Dealer)
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(host + ":5560"); err != nil {
		return err
	}
	return zmq.Device(ctx, zmq.Queue, frontend, backend)
}
