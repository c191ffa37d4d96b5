// Taskwork is the worker of the zguide's parallel pipeline (chapter 1,
// taskwork): it pulls tasks from tcp://localhost:5557, sleeps for each
// task's workload, and pushes an empty result to the sink at
// tcp://localhost:5558.
//
//	go run ./examples/taskwork [-n tasks] [-scale 1]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	n := flag.Int("n", 0, "tasks to do before exiting (0: forever)")
	scale := flag.Float64("scale", 1, "multiplier of each task's workload")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *n, *scale); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, n int, scale float64) error {
	receiver, err := zmq.NewSocket(zmq.Pull)
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Connect("tcp://localhost:5557"); err != nil {
		return err
	}
	sender, err := zmq.NewSocket(zmq.Push)
	if err != nil {
		return err
	}
	defer sender.Close()
	if err := sender.Connect("tcp://localhost:5558"); err != nil {
		return err
	}
	defer fmt.Println()

	for i := 0; n == 0 || i < n; i++ {
		task, err := receiver.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%s.", task.Frames[0]) // show progress
		msec, err := strconv.Atoi(string(task.Frames[0]))
		if err != nil {
			return fmt.Errorf("task %q: %w", task.Frames[0], err)
		}
		time.Sleep(time.Duration(float64(msec) * scale * float64(time.Millisecond))) // do the work
		if err := sender.Send(ctx, zmq.NewMsgString("")); err != nil {
			return err
		}
	}
	return nil
}
