// Rrclient is the request-reply client of the zguide (chapter 2,
// rrclient): a REQ socket connected to the broker at tcp://localhost:5559
// sends "Hello" ten times and prints each reply.
//
//	go run ./examples/rrclient [-n 10]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 10, "requests to send")
	flag.Parse()
	if err := run(context.Background(), *n); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int) error {
	requester, err := zmq.NewSocket(zmq.Req)
	if err != nil {
		return err
	}
	defer requester.Close()
	if err := requester.Connect("tcp://localhost:5559"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := requester.Send(ctx, zmq.NewMsgString("Hello")); err != nil {
			return err
		}
		reply, err := requester.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received reply %d [%s]\n", i, reply.Frames[0])
	}
	return nil
}
