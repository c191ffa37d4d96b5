// Spqueue is the Simple Pirate queue of the zguide (chapter 4, spqueue):
// the load-balancing broker with no reliability of its own. Clients
// connect to its ROUTER socket at tcp://*:5555 and workers to its ROUTER
// socket at tcp://*:5556; a worker announces itself with READY ("\001"),
// and each request goes to the worker that has waited longest, which is
// then busy until its reply comes back. Requests lost with a worker are
// the client's business: lpclient retries them. Run it with lpclient and
// a few spworkers:
//
//	go run ./examples/spqueue [-iface *] [-for duration]
package main

import (
	"bytes"
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

// workerReady is what a worker sends when it starts.
const workerReady = "\001"

func main() {
	iface := flag.String("iface", "*", "interface to bind to")
	limit := flag.Duration("for", 0, "stop after this long (0: run until interrupted)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	if err := run(ctx, "tcp://"+*iface); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, host string) error {
	frontend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Bind(host + ":5555"); err != nil { // for clients
		return err
	}
	backend, err := zmq.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(host + ":5556"); err != nil { // for workers
		return err
	}

	poller := zmq.NewPoller()
	defer poller.Close()
	if err := poller.Add(backend, zmq.PollIn); err != nil {
		return err
	}
	if err := poller.Add(frontend, 0); err != nil {
		return err
	}
	var ready [][]byte // the identities of idle workers, longest idle first
	for {
		// Requests are taken from clients only while a worker is free:
		// meanwhile they wait in the frontend's queue.
		frontendEvents := zmq.Events(0)
		if len(ready) > 0 {
			frontendEvents = zmq.PollIn
		}
		if err := poller.Update(frontend, frontendEvents); err != nil {
			return err
		}
		polled, err := poller.Wait(ctx)
		if err != nil {
			return err
		}
		for _, p := range polled {
			switch p.Socket {
			case backend:
				// A worker is ready, or replies: [worker]["" ][body...].
				m, err := backend.Recv(ctx)
				if err != nil {
					return err
				}
				// A copy: the received frame would keep its receive
				// buffer alive.
				ready = append(ready, bytes.Clone(m.Frames[0]))
				body := unwrap(m.Frames)
				if len(body) == 1 && string(body[0]) == workerReady {
					continue
				}
				// A reply: [client]["" ][reply], back to its client.
				if err := frontend.Send(ctx, zmq.NewMsg(body...)); err != nil {
					return err
				}
			case frontend:
				// A request [client]["" ][request], for the first worker
				// in line.
				m, err := frontend.Recv(ctx)
				if err != nil {
					return err
				}
				worker := ready[0]
				ready = ready[1:]
				if err := backend.Send(ctx, zmq.NewMsg(wrap(worker, m.Frames)...)); err != nil {
					return err
				}
			}
		}
	}
}

// unwrap drops the address at the front of frames and the empty
// delimiter after it.
func unwrap(frames [][]byte) [][]byte {
	frames = frames[1:]
	if len(frames) > 0 && len(frames[0]) == 0 {
		frames = frames[1:]
	}
	return frames
}

// wrap puts an address and an empty delimiter in front of frames.
func wrap(address []byte, frames [][]byte) [][]byte {
	return append([][]byte{address, nil}, frames...)
}
