// Hwclient is the Hello World client of the zguide (chapter 1, hwclient):
// a REQ socket connected to tcp://localhost:5555 sends "Hello" ten times
// and prints each reply.
//
//	go run ./examples/hwclient [-n 10]
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
	fmt.Println("Connecting to hello world server...")
	requester, err := zmq.NewSocket(zmq.Req)
	if err != nil {
		return err
	}
	defer requester.Close()
	if err := requester.Connect("tcp://localhost:5555"); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		fmt.Printf("Sending Hello %d...\n", i)
		if err := requester.Send(ctx, zmq.NewMsgString("Hello")); err != nil {
			return err
		}
		reply, err := requester.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received %s %d\n", reply.Frames[0], i)
	}
	return nil
}
