// Psenvsub is the pub-sub envelope subscriber of the zguide (chapter 3,
// psenvsub): a SUB socket connected to tcp://localhost:5563 subscribes to
// the key "B" and prints each message it gets as "[key] content".
//
//	go run ./examples/psenvsub [-n messages]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 0, "messages to print before exiting (0: forever)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int) error {
	// Linger 0: a SUB sends only its subscription, which need not outlive
	// it (Close would otherwise wait for a publisher that has gone).
	subscriber, err := zmq.NewSocket(zmq.Sub, zmq.Subscribe([]byte("B")), zmq.Linger(0))
	if err != nil {
		return err
	}
	defer subscriber.Close()
	if err := subscriber.Connect("tcp://localhost:5563"); err != nil {
		return err
	}

	for i := 0; n == 0 || i < n; i++ {
		m, err := subscriber.Recv(ctx)
		if err != nil {
			return err
		}
		if len(m.Frames) != 2 {
			return fmt.Errorf("want a key and content, got %v", m)
		}
		// The envelope holds the key, the second frame the content.
		fmt.Printf("[%s] %s\n", m.Frames[0], m.Frames[1])
	}
	return nil
}
