// Mdclient is the Majordomo client of the zguide (chapter 4, mdclient):
// through the MDP/Client API of examples/internal/mdp it sends 100,000
// "Hello world" requests, one at a time, to the "echo" service of the
// broker at tcp://localhost:5555, and prints how many were answered. Each
// request is tried three times, 2.5 seconds each; a request that gets no
// reply ends the run, which then fails.
//
//	go run ./examples/mdclient [-v] [-n 100000] [-service echo] [-timeout 2.5s] [-retries 3]
//
// -v logs every request and reply.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/zmq-go/zmq/examples/internal/mdp"
)

func main() {
	verbose := flag.Bool("v", false, "log every request and reply")
	n := flag.Int("n", 100000, "requests to send")
	broker := flag.String("broker", "tcp://localhost:5555", "the broker's endpoint")
	name := flag.String("service", "echo", "the service to ask")
	timeout := flag.Duration("timeout", mdp.DefaultTimeout, "wait for each reply")
	retries := flag.Int("retries", mdp.DefaultRetries, "attempts per request")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &mdp.Client{Broker: *broker, Timeout: *timeout, Retries: *retries}
	if *verbose {
		c.Verbose = log.Default()
	}
	count, err := run(ctx, c, *name, *n)
	c.Close()
	if ctx.Err() != nil {
		log.Print("W: interrupt received, killing client...")
	}
	fmt.Printf("%d requests/replies processed\n", count)
	if err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// run sends n requests to service and returns how many were answered.
func run(ctx context.Context, c *mdp.Client, service string, n int) (int, error) {
	request := []byte("Hello world")
	for count := 0; count < n; count++ {
		reply, err := c.Send(ctx, service, request)
		if err != nil {
			return count, err
		}
		if len(reply) != 1 || !bytes.Equal(reply[0], request) {
			return count, fmt.Errorf("reply %q to %q", reply, request)
		}
	}
	return n, nil
}
