// Tasksink is the sink of the zguide's parallel pipeline (chapter 1,
// tasksink): it binds a PULL socket to tcp://*:5558, waits for the start
// of a batch, collects its 100 results and prints how long they took.
//
//	go run ./examples/tasksink [-tasks 100] [-iface *]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	tasks := flag.Int("tasks", 100, "tasks in the batch")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	if err := run(context.Background(), *tasks, "tcp://"+*iface+":5558"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, tasks int, endpoint string) error {
	receiver, err := zmq.NewSocket(zmq.Pull)
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(endpoint); err != nil {
		return err
	}
	// Wait for the start of the batch.
	if _, err := receiver.Recv(ctx); err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < tasks; i++ {
		if _, err := receiver.Recv(ctx); err != nil {
			return err
		}
		if i%10 == 0 {
			fmt.Print(":")
		} else {
			fmt.Print(".")
		}
	}
	fmt.Printf("Total elapsed time: %d msec\n", time.Since(start).Milliseconds())
	return nil
}
