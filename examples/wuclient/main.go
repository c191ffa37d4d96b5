// Wuclient is the weather update client of the zguide (chapter 1,
// wuclient): a SUB socket connected to tcp://localhost:5556 collects 100
// updates for one zipcode (the first argument, default "10001 ") and
// prints their average temperature.
//
//	go run ./examples/wuclient [-n 100] [-connect tcp://localhost:5556] [zipcode]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 100, "updates to collect")
	endpoint := flag.String("connect", "tcp://localhost:5556", "the weather server (or proxy)")
	flag.Parse()
	filter := "10001 " // NYC
	if flag.NArg() > 0 {
		filter = flag.Arg(0)
	}
	if err := run(context.Background(), *n, *endpoint, filter); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int, endpoint, filter string) error {
	fmt.Println("Collecting updates from weather server...")
	subscriber, err := zmq.NewSocket(zmq.Sub, zmq.Subscribe([]byte(filter)))
	if err != nil {
		return err
	}
	defer subscriber.Close()
	if err := subscriber.Connect(endpoint); err != nil {
		return err
	}
	total := 0
	for i := 0; i < n; i++ {
		update, err := subscriber.Recv(ctx)
		if err != nil {
			return err
		}
		var zipcode, temperature, relhumidity int
		if _, err := fmt.Sscanf(string(update.Frames[0]), "%d %d %d", &zipcode, &temperature, &relhumidity); err != nil {
			return fmt.Errorf("update %q: %w", update.Frames[0], err)
		}
		total += temperature
	}
	if n > 0 {
		fmt.Printf("Average temperature for zipcode '%s' was %dF\n", filter, total/n)
	}
	return nil
}
