// Taskwork2 is the pipeline worker with a kill signal of the zguide
// (chapter 2, taskwork2): as taskwork, but it also subscribes to the
// sink's controller at tcp://localhost:5559, polls both sockets, and
// exits on any message from the controller.
//
//	go run ./examples/taskwork2 [-scale 1]
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
	scale := flag.Float64("scale", 1, "multiplier of each task's workload")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *scale); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, scale float64) error {
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
	// Linger 0: a SUB sends only its subscription, which need not
	// outlive it (Close would otherwise wait for an absent sink).
	controller, err := zmq.NewSocket(zmq.Sub, zmq.Subscribe(nil), zmq.Linger(0))
	if err != nil {
		return err
	}
	defer controller.Close()
	if err := controller.Connect("tcp://localhost:5559"); err != nil {
		return err
	}
	defer fmt.Println()

	poller := zmq.NewPoller()
	defer poller.Close()
	if err := poller.Add(receiver, zmq.PollIn); err != nil {
		return err
	}
	if err := poller.Add(controller, zmq.PollIn); err != nil {
		return err
	}
	for {
		polled, err := poller.Wait(ctx)
		if err != nil {
			return err
		}
		killed := false
		for _, p := range polled {
			switch p.Socket {
			case receiver:
				if err := work(ctx, receiver, sender, scale); err != nil {
					return err
				}
			case controller:
				killed = true // any message is a KILL
			}
		}
		if killed {
			return nil
		}
	}
}

// work does one task and sends its result to the sink.
func work(ctx context.Context, receiver, sender *zmq.Socket, scale float64) error {
	task, err := receiver.Recv(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%s.", task.Frames[0]) // show progress
	msec, err := strconv.Atoi(string(task.Frames[0]))
	if err != nil {
		return fmt.Errorf("task %q: %w", task.Frames[0], err)
	}
	time.Sleep(time.Duration(float64(msec) * scale * float64(time.Millisecond)))
	return sender.Send(ctx, zmq.NewMsgString(""))
}
