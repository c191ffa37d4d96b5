// Lbbroker is the load-balancing broker of the zguide (chapter 3,
// lbbroker): a ROUTER socket for clients at ipc://frontend.ipc and a
// ROUTER socket for workers at ipc://backend.ipc (tcp://*:5672 and
// tcp://*:5673 on Windows, as in the zguide). Ten REQ clients and three
// REQ workers run in goroutines of their own, each with a printable
// identity. A worker says "READY" when it starts; the broker keeps a
// queue of the workers that are ready, hands each client request ("HELLO")
// to the least recently used one, and routes its reply ("OK") back to the
// client. The broker exits when every client has its reply.
//
//	go run ./examples/lbbroker [-clients 10] [-workers 3]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	clients := flag.Int("clients", 10, "clients to start, each sending one request")
	workers := flag.Int("workers", 3, "workers to start")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *clients, *workers); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// endpoints returns where the broker binds and where its peers connect,
// for clients and for workers.
func endpoints() (frontBind, frontConnect, backBind, backConnect string) {
	if runtime.GOOS == "windows" {
		return "tcp://*:5672", "tcp://localhost:5672", "tcp://*:5673", "tcp://localhost:5673"
	}
	return "ipc://frontend.ipc", "ipc://frontend.ipc", "ipc://backend.ipc", "ipc://backend.ipc"
}

// While this example runs in one process, to start and stop it easily,
// each client and worker has a socket of its own and could as well be a
// process.
func run(ctx context.Context, clients, workers int) error {
	if workers < 1 {
		return errors.New("lbbroker needs a worker")
	}
	frontBind, frontConnect, backBind, backConnect := endpoints()
	frontend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Bind(frontBind); err != nil {
		return err
	}
	backend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(backBind); err != nil {
		return err
	}

	// A failure anywhere stops everything; the workers are stopped
	// besides when the clients are done.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	workCtx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	var clientsDone, workersDone sync.WaitGroup
	for range clients {
		clientsDone.Go(func() {
			if err := client(ctx, frontConnect); err != nil {
				fail(err)
			}
		})
	}
	for range workers {
		workersDone.Go(func() {
			if err := worker(workCtx, backConnect); err != nil && workCtx.Err() == nil {
				fail(err)
			}
		})
	}

	err = balance(ctx, frontend, backend, clients)
	if err != nil {
		fail(err)
	}
	clientsDone.Wait()
	stopWorkers()
	workersDone.Wait()
	if err != nil {
		return context.Cause(ctx)
	}
	return nil
}

// printableID returns a random identity that prints well, to trace
// messages with.
func printableID() zmq.Option {
	return zmq.RoutingID(fmt.Appendf(nil, "%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000)))
}

// client sends one request and prints the reply.
func client(ctx context.Context, endpoint string) error {
	sock, err := zmq.NewSocket(zmq.Req, printableID())
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Connect(endpoint); err != nil {
		return err
	}
	if err := sock.Send(ctx, zmq.NewMsgString("HELLO")); err != nil {
		return err
	}
	reply, err := sock.Recv(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Client: %s\n", reply.Frames[0])
	return nil
}

// worker says it is ready, then answers requests until ctx ends. Each
// request comes as the client's identity, an empty frame and the request
// itself, and the reply goes back with the same envelope.
func worker(ctx context.Context, endpoint string) error {
	sock, err := zmq.NewSocket(zmq.Req, printableID())
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Connect(endpoint); err != nil {
		return err
	}
	// Tell the broker we're ready for work.
	if err := sock.Send(ctx, zmq.NewMsgString("READY")); err != nil {
		return err
	}
	for {
		m, err := sock.Recv(ctx)
		if err != nil {
			return err
		}
		if len(m.Frames) != 3 || len(m.Frames[1]) != 0 {
			return fmt.Errorf("worker: want a client, an empty frame and a request, got %v", m)
		}
		fmt.Printf("Worker: %s\n", m.Frames[2])
		if err := sock.Send(ctx, zmq.NewMsg(m.Frames[0], nil, []byte("OK"))); err != nil {
			return err
		}
	}
}

// balance routes requests from clients to the least recently used worker,
// and replies back, until the clients have had n replies.
//
// It always listens to the workers, but to the clients only while a worker
// is ready: until then their requests wait in the frontend's queues.
func balance(ctx context.Context, frontend, backend *zmq.Socket, n int) error {
	poller := zmq.NewPoller()
	defer poller.Close()
	if err := poller.Add(backend, zmq.PollIn); err != nil {
		return err
	}
	if err := poller.Add(frontend, 0); err != nil {
		return err
	}
	var ready [][]byte // identities of the workers waiting for a request
	for replies := 0; replies < n; {
		polled, err := poller.Wait(ctx)
		if err != nil {
			return err
		}
		for _, p := range polled {
			switch p.Socket {
			case backend:
				// A worker: its identity, an empty frame, then "READY"
				// or a client's reply envelope and the reply.
				m, err := backend.Recv(ctx)
				if err != nil {
					return err
				}
				ready = append(ready, m.Frames[0])
				switch {
				case len(m.Frames) == 3 && string(m.Frames[2]) == "READY":
				case len(m.Frames) == 5 && len(m.Frames[3]) == 0:
					reply := zmq.NewMsg(m.Frames[2], nil, m.Frames[4])
					if err := frontend.Send(ctx, reply); err != nil {
						return err
					}
					replies++
				default:
					return fmt.Errorf("broker: unexpected message from a worker: %v", m)
				}
			case frontend:
				// A client: its identity, an empty frame and the request,
				// for the worker that has waited longest.
				m, err := frontend.Recv(ctx)
				if err != nil {
					return err
				}
				if len(m.Frames) != 3 {
					return fmt.Errorf("broker: unexpected message from a client: %v", m)
				}
				request := zmq.NewMsg(ready[0], nil, m.Frames[0], nil, m.Frames[2])
				if err := backend.Send(ctx, request); err != nil {
					return err
				}
				ready = ready[1:]
			}
		}
		// Poll the frontend only while a worker is ready.
		events := zmq.Events(0)
		if len(ready) > 0 {
			events = zmq.PollIn
		}
		if err := poller.Update(frontend, events); err != nil {
			return err
		}
	}
	return nil
}
