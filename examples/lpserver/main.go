// Lpserver is the Lazy Pirate server of the zguide (chapter 4, lpserver):
// a REP socket bound to tcp://*:5555 that echoes each request after a
// second of "work". After a few requests it starts to misbehave: now and
// then it simulates CPU overload (two seconds more before the reply), and
// one time in three it simulates a crash by exiting without replying.
// Run it with lpclient, and restart it when it has crashed:
//
//	go run ./examples/lpserver [-seed n] [-cycles 3] [-work 1s] [-overload 2s] [-iface *]
//
// -seed makes the simulated problems repeatable; -cycles is the number of
// requests served before they begin.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	seed := flag.Uint64("seed", 0, "seed of the simulated problems (0: a random one)")
	cycles := flag.Int("cycles", 3, "requests served before problems are simulated")
	work := flag.Duration("work", time.Second, "time spent on each request")
	overload := flag.Duration("overload", 2*time.Second, "extra time spent on a request when overloaded")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	s := server{
		rng:      rand.New(rand.NewPCG(*seed, 0)),
		cycles:   *cycles,
		work:     *work,
		overload: *overload,
	}
	if err := s.run(ctx, "tcp://"+*iface+":5555"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// server is how the server misbehaves.
type server struct {
	rng            *rand.Rand
	cycles         int           // requests served before misbehaving
	work, overload time.Duration // time per request, and extra when overloaded
}

func (s server) run(ctx context.Context, endpoint string) error {
	responder, err := zmq.NewSocket(zmq.Rep)
	if err != nil {
		return err
	}
	defer responder.Close()
	if err := responder.Bind(endpoint); err != nil {
		return err
	}
	for cycle := 1; ; cycle++ {
		request, err := responder.Recv(ctx)
		if err != nil {
			return err
		}
		if cycle > s.cycles {
			if s.rng.IntN(3) == 0 {
				fmt.Println("I: simulating a crash")
				return nil // the request is never answered
			}
			if s.rng.IntN(3) == 0 {
				fmt.Println("I: simulating CPU overload")
				if err := sleep(ctx, s.overload); err != nil {
					return err
				}
			}
		}
		fmt.Printf("I: normal request (%s)\n", request.Bytes())
		if err := sleep(ctx, s.work); err != nil { // do some heavy work
			return err
		}
		// The echo goes to the socket that asked; if the client has
		// given up on it and closed it meanwhile, the reply is dropped.
		if err := responder.Send(ctx, request); err != nil {
			return err
		}
	}
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
