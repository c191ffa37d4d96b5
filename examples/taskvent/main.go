// Taskvent is the task ventilator of the zguide's parallel pipeline
// (chapter 1, taskvent): it binds a PUSH socket to tcp://*:5557, tells the
// sink at tcp://localhost:5558 that a batch starts, and sends 100 tasks,
// each a workload of 1 to 100 msec.
//
//	go run ./examples/taskvent [-tasks 100] [-wait=false] [-iface *]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strconv"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	tasks := flag.Int("tasks", 100, "tasks in the batch")
	wait := flag.Bool("wait", true, "wait for Enter before sending the batch")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	if err := run(context.Background(), *tasks, *wait, "tcp://"+*iface+":5557"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, tasks int, wait bool, endpoint string) error {
	// Socket to send tasks on.
	sender, err := zmq.NewSocket(zmq.Push)
	if err != nil {
		return err
	}
	defer sender.Close() // delivers what is queued
	if err := sender.Bind(endpoint); err != nil {
		return err
	}
	// Socket to send the start of the batch on.
	sink, err := zmq.NewSocket(zmq.Push)
	if err != nil {
		return err
	}
	defer sink.Close()
	if err := sink.Connect("tcp://localhost:5558"); err != nil {
		return err
	}

	if wait {
		fmt.Print("Press Enter when the workers are ready: ")
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
	fmt.Println("Sending tasks to workers...")

	// The first message is "0" and signals the start of the batch.
	if err := sink.Send(ctx, zmq.NewMsgString("0")); err != nil {
		return err
	}
	total := 0 // expected cost in msec
	for i := 0; i < tasks; i++ {
		workload := rand.IntN(100) + 1
		total += workload
		if err := sender.Send(ctx, zmq.NewMsgString(strconv.Itoa(workload))); err != nil {
			return err
		}
	}
	fmt.Printf("Total expected cost: %d msec\n", total)
	return nil
}
