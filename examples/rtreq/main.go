// Rtreq is the ROUTER-to-REQ example of the zguide (chapter 3, rtreq): a
// ROUTER broker at tcp://*:5671 deals tasks to ten REQ workers, each in a
// goroutine of its own with a printable identity, by the load balancing
// pattern: a worker asks for work with "Hi Boss", and the broker answers
// the worker that asked. After five seconds the broker answers "Fired!",
// and each worker prints how many tasks it did. A task takes 1 to 500
// milliseconds, times -scale.
//
//	go run ./examples/rtreq [-workers 10] [-for 5s] [-scale 1] [-iface *]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	workers := flag.Int("workers", 10, "workers to start")
	runFor := flag.Duration("for", 5*time.Second, "how long to hand out tasks before firing the workers")
	scale := flag.Float64("scale", 1, "multiplier of each task's workload")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *workers, *runFor, *scale, "tcp://"+*iface+":5671"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// While this example runs in one process, to start and stop it easily,
// each worker has a socket of its own and could as well be a process.
func run(ctx context.Context, workers int, runFor time.Duration, scale float64, endpoint string) error {
	broker, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer broker.Close()
	if err := broker.Bind(endpoint); err != nil {
		return err
	}
	connect := connectEndpoint(broker)

	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if err := worker(ctx, connect, scale); err != nil {
				fail(err)
			}
		})
	}
	err = deal(ctx, broker, workers, runFor)
	if err != nil {
		fail(err) // stop the workers
	}
	wg.Wait() // for them to print what they did
	if err != nil {
		return context.Cause(ctx)
	}
	return nil
}

// deal answers the workers' requests with tasks for runFor, then with
// "Fired!" until every worker has been fired.
func deal(ctx context.Context, broker *zmq.Socket, workers int, runFor time.Duration) error {
	end := time.Now().Add(runFor)
	for fired := 0; fired < workers; {
		// The next request comes from the least recently used worker:
		// its identity, the empty delimiter and "Hi Boss".
		request, err := broker.Recv(ctx)
		if err != nil {
			return err
		}
		task := "Work harder" // encourage workers until it's time to fire them
		if time.Now().After(end) {
			task = "Fired!"
			fired++
		}
		// A REQ socket wants its reply after an empty delimiter.
		if err := broker.Send(ctx, zmq.NewMsg(request.Frames[0], nil, []byte(task))); err != nil {
			return err
		}
	}
	return nil
}

// worker asks the broker at endpoint for tasks and does them until it is
// fired, then prints how many it did.
func worker(ctx context.Context, endpoint string, scale float64) error {
	// A printable identity, to trace messages with.
	id := fmt.Sprintf("%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000))
	sock, err := zmq.NewSocket(zmq.Req, zmq.RoutingID([]byte(id)))
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Connect(endpoint); err != nil {
		return err
	}
	for total := 0; ; total++ {
		// Tell the broker we're ready for work.
		if err := sock.Send(ctx, zmq.NewMsgString("Hi Boss")); err != nil {
			return err
		}
		workload, err := sock.Recv(ctx)
		if err != nil {
			return err
		}
		if string(workload.Frames[0]) == "Fired!" {
			fmt.Printf("Completed: %d tasks\n", total)
			return nil
		}
		// Do some random work.
		msec := rand.IntN(500) + 1
		if err := sleep(ctx, time.Duration(float64(msec)*scale*float64(time.Millisecond))); err != nil {
			return err
		}
	}
}

// sleep waits for d or until ctx ends.
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

// connectEndpoint returns the endpoint at which the workers reach the
// socket's tcp endpoint: localhost when it is bound to every interface.
func connectEndpoint(s *zmq.Socket) string {
	addr, ok := s.LastAddr().(*net.TCPAddr)
	if !ok {
		return s.LastEndpoint()
	}
	host := "localhost"
	if !addr.IP.IsUnspecified() {
		host = addr.IP.String()
	}
	return "tcp://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}
