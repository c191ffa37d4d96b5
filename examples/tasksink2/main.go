// Tasksink2 is the pipeline sink with a kill signal of the zguide
// (chapter 2, tasksink2): as tasksink, and when the batch is done it
// publishes "KILL" on tcp://*:5559 to stop the workers.
//
//	go run ./examples/tasksink2 [-tasks 100] [-iface *]
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
	if err := run(context.Background(), *tasks, "tcp://"+*iface); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, tasks int, host string) error {
	receiver, err := zmq.NewSocket(zmq.Pull)
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(host + ":5558"); err != nil {
		return err
	}
	// Socket for worker control.
	controller, err := zmq.NewSocket(zmq.Pub)
	if err != nil {
		return err
	}
	defer controller.Close() // delivers the KILL
	if err := controller.Bind(host + ":5559"); err != nil {
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
	// Send the kill signal to the workers.
	return controller.Send(ctx, zmq.NewMsgString("KILL"))
}
