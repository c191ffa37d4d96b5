// Spworker is the Simple Pirate worker of the zguide (chapter 4,
// spworker): a REQ socket with a random printable identity connects to
// spqueue at tcp://localhost:5556, says READY ("\001"), and then echoes
// each request after a second of "work". After a few requests it starts
// to misbehave: one request in five it simulates a crash (it exits
// without replying), and one in five of the others CPU overload (three
// seconds more before the reply).
//
//	go run ./examples/spworker [-seed n] [-cycles 3] [-work 1s] [-overload 3s]
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

// workerReady is what a worker sends when it starts.
const workerReady = "\001"

func main() {
	seed := flag.Uint64("seed", 0, "seed of the simulated problems (0: a random one)")
	cycles := flag.Int("cycles", 3, "requests served before problems are simulated")
	work := flag.Duration("work", time.Second, "time spent on each request")
	overload := flag.Duration("overload", 3*time.Second, "extra time spent on a request when overloaded")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	w := worker{
		// The identity is random whatever the seed: two workers started
		// with one seed must not share it.
		identity: fmt.Sprintf("%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000)),
		rng:      rand.New(rand.NewPCG(*seed, 0)),
		cycles:   *cycles,
		work:     *work,
		overload: *overload,
	}
	if err := w.run(ctx, "tcp://localhost:5556"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// worker is who the worker is and how it misbehaves.
type worker struct {
	identity       string
	rng            *rand.Rand
	cycles         int           // requests served before misbehaving
	work, overload time.Duration // time per request, and extra when overloaded
}

func (w worker) run(ctx context.Context, endpoint string) error {
	// The identity makes the worker easy to follow in the queue's
	// traffic; Linger 0 lets a crash drop whatever is unsent.
	socket, err := zmq.NewSocket(zmq.Req, zmq.RoutingID([]byte(w.identity)), zmq.Linger(0))
	if err != nil {
		return err
	}
	defer socket.Close()
	if err := socket.Connect(endpoint); err != nil {
		return err
	}
	// Tell the queue we are ready for work.
	fmt.Printf("I: (%s) worker ready\n", w.identity)
	if err := socket.Send(ctx, zmq.NewMsgString(workerReady)); err != nil {
		return err
	}
	for cycle := 1; ; cycle++ {
		// A request with its client's envelope: [client]["" ][request].
		m, err := socket.Recv(ctx)
		if err != nil {
			return err
		}
		if cycle > w.cycles {
			if w.rng.IntN(5) == 0 {
				fmt.Printf("I: (%s) simulating a crash\n", w.identity)
				return nil
			}
			if w.rng.IntN(5) == 0 {
				fmt.Printf("I: (%s) simulating CPU overload\n", w.identity)
				if err := sleep(ctx, w.overload); err != nil {
					return err
				}
			}
		}
		fmt.Printf("I: (%s) normal reply\n", w.identity)
		if err := sleep(ctx, w.work); err != nil { // do some heavy work
			return err
		}
		// The reply is the request itself, envelope and all.
		if err := socket.Send(ctx, m); err != nil {
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
