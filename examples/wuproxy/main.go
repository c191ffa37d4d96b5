// Wuproxy is the weather update proxy of the zguide (chapter 2, wuproxy):
// an XSUB socket connected to the weather server and an XPUB socket bound
// to tcp://*:8100 for subscribers, joined by zmq.Proxy.
//
//	go run ./examples/wuproxy [-frontend tcp://localhost:5556] [-iface *] [-for duration]
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
	frontend := flag.String("frontend", "tcp://localhost:5556", "the weather server")
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
	if err := run(ctx, *frontend, "tcp://"+*iface+":8100"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, upstream, endpoint string) error {
	// This is where the weather server sits. Linger 0: it sends only
	// subscriptions, which need not outlive it.
	frontend, err := zmq.NewSocket(zmq.XSub, zmq.Linger(0))
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Connect(upstream); err != nil {
		return err
	}
	// This is our public endpoint for subscribers.
	backend, err := zmq.NewSocket(zmq.XPub)
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(endpoint); err != nil {
		return err
	}
	return zmq.Proxy(ctx, frontend, backend, nil)
}
