// Syncsub is the synchronized subscriber of the zguide (chapter 2,
// syncsub): it subscribes to everything at tcp://localhost:5561, checks
// in with the publisher at tcp://localhost:5562, and counts updates until
// "END".
//
//	go run ./examples/syncsub
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	// First, connect our subscriber socket.
	subscriber, err := zmq.NewSocket(zmq.Sub, zmq.Subscribe(nil))
	if err != nil {
		return err
	}
	defer subscriber.Close()
	if err := subscriber.Connect("tcp://localhost:5561"); err != nil {
		return err
	}
	// ZeroMQ is so fast that we need to wait a while for the
	// subscription to reach the publisher.
	time.Sleep(time.Second)

	// Second, synchronize with the publisher.
	syncclient, err := zmq.NewSocket(zmq.Req)
	if err != nil {
		return err
	}
	defer syncclient.Close()
	if err := syncclient.Connect("tcp://localhost:5562"); err != nil {
		return err
	}
	if err := syncclient.Send(ctx, zmq.NewMsgString("")); err != nil {
		return err
	}
	if _, err := syncclient.Recv(ctx); err != nil {
		return err
	}

	// Third, get our updates and report how many we got.
	updates := 0
	for {
		m, err := subscriber.Recv(ctx)
		if err != nil {
			return err
		}
		if string(m.Frames[0]) == "END" {
			break
		}
		updates++
	}
	fmt.Printf("Received %d updates\n", updates)
	return nil
}
