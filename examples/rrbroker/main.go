// Rrbroker is the simple request-reply broker of the zguide (chapter 2,
// rrbroker): a ROUTER socket for clients at tcp://*:5559 and a DEALER
// socket for workers at tcp://*:5560, with a poll loop that passes each
// whole message from one to the other.
//
//	go run ./examples/rrbroker [-iface *] [-for duration]
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
	frontend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Bind(host + ":5559"); err != nil {
		return err
	}
	backend, err := zmq.NewSocket(zmq.Dealer)
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(host + ":5560"); err != nil {
		return err
	}

	poller := zmq.NewPoller()
	defer poller.Close()
	if err := poller.Add(frontend, zmq.PollIn); err != nil {
		return err
	}
	if err := poller.Add(backend, zmq.PollIn); err != nil {
		return err
	}
	// Switch messages between the sockets; a message carries all its
	// frames, the envelope included.
	for {
		polled, err := poller.Wait(ctx)
		if err != nil {
			return err
		}
		for _, p := range polled {
			to := backend
			if p.Socket == backend {
				to = frontend
			}
			m, err := p.Socket.Recv(ctx)
			if err != nil {
				return err
			}
			if err := to.Send(ctx, m); err != nil {
				return err
			}
		}
	}
}
