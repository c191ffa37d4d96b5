// Wuserver is the weather update server of the zguide (chapter 1,
// wuserver): a PUB socket bound to tcp://*:5556 and ipc://weather.ipc
// publishes random "zipcode temperature relhumidity" updates.
//
//	go run ./examples/wuserver [-n updates] [-iface *]
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

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 0, "updates to publish before exiting (0: forever)")
	iface := flag.String("iface", "*", "interface to bind the tcp endpoint to")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, "tcp://"+*iface+":5556"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int, endpoint string) error {
	publisher, err := zmq.NewSocket(zmq.Pub)
	if err != nil {
		return err
	}
	defer publisher.Close()
	if err := publisher.Bind(endpoint); err != nil {
		return err
	}
	if err := publisher.Bind("ipc://weather.ipc"); err != nil {
		return err
	}
	// A PUB never blocks, so the loop checks for an interrupt itself.
	for i := 0; (n == 0 || i < n) && ctx.Err() == nil; i++ {
		// Values that will fool the boss.
		zipcode := rand.IntN(100000)
		temperature := rand.IntN(215) - 80
		relhumidity := rand.IntN(50) + 10
		update := fmt.Sprintf("%05d %d %d", zipcode, temperature, relhumidity)
		if err := publisher.Send(ctx, zmq.NewMsgString(update)); err != nil {
			return err
		}
	}
	return nil
}
