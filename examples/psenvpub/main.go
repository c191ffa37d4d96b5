// Psenvpub is the pub-sub envelope publisher of the zguide (chapter 3,
// psenvpub): a PUB socket bound to tcp://*:5563 publishes, once a second,
// two messages of two frames each, a key ("A" or "B") that subscribers
// filter on and the content.
//
//	go run ./examples/psenvpub [-interval 1s] [-n rounds] [-iface *]
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	interval := flag.Duration("interval", time.Second, "pause between rounds of two messages")
	n := flag.Int("n", 0, "rounds to publish before exiting (0: forever)")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	if *interval <= 0 {
		log.Fatal("-interval must be positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *interval, *n, "tcp://"+*iface+":5563"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, interval time.Duration, n int, endpoint string) error {
	publisher, err := zmq.NewSocket(zmq.Pub)
	if err != nil {
		return err
	}
	defer publisher.Close()
	if err := publisher.Bind(endpoint); err != nil {
		return err
	}

	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 1; ; i++ {
		// Each message is its envelope (the key) and its content.
		if err := publisher.Send(ctx, zmq.NewMsgString("A", "We don't want to see this")); err != nil {
			return err
		}
		if err := publisher.Send(ctx, zmq.NewMsgString("B", "We would like to see this")); err != nil {
			return err
		}
		if i == n {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
