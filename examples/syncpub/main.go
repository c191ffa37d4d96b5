// Syncpub is the synchronized publisher of the zguide (chapter 2,
// syncpub): it waits until ten subscribers have checked in on its REP
// socket at tcp://*:5562, then publishes 1,000,000 "Rafael" updates and
// "END" on tcp://*:5561.
//
//	go run ./examples/syncpub [-subs 10] [-n 1000000] [-iface *]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	subs := flag.Int("subs", 10, "subscribers to wait for")
	n := flag.Int("n", 1000000, "updates to publish")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	if err := run(context.Background(), *subs, *n, "tcp://"+*iface); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, subs, n int, host string) error {
	// Socket to talk to clients; its queue holds the whole broadcast.
	publisher, err := zmq.NewSocket(zmq.Pub, zmq.SendHWM(max(1100000, n+1)))
	if err != nil {
		return err
	}
	defer publisher.Close() // delivers what is queued
	if err := publisher.Bind(host + ":5561"); err != nil {
		return err
	}
	// Socket to receive signals.
	syncservice, err := zmq.NewSocket(zmq.Rep)
	if err != nil {
		return err
	}
	defer syncservice.Close()
	if err := syncservice.Bind(host + ":5562"); err != nil {
		return err
	}

	fmt.Println("Waiting for subscribers")
	for i := 0; i < subs; i++ {
		if _, err := syncservice.Recv(ctx); err != nil {
			return err
		}
		if err := syncservice.Send(ctx, zmq.NewMsgString("")); err != nil {
			return err
		}
	}

	fmt.Println("Broadcasting messages")
	for i := 0; i < n; i++ {
		if err := publisher.Send(ctx, zmq.NewMsgString("Rafael")); err != nil {
			return err
		}
	}
	return publisher.Send(ctx, zmq.NewMsgString("END"))
}
