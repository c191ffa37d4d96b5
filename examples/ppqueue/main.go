// Ppqueue is the Paranoid Pirate queue of the zguide (chapter 4,
// ppqueue): the load-balancing broker of spqueue, with heartbeats to and
// from its workers. Clients connect to its ROUTER socket at tcp://*:5555
// and workers (ppworker) to its ROUTER socket at tcp://*:5556. Any
// message from a worker, its READY ("\001"), a heartbeat ("\002") or a
// reply, puts it at the back of the line of idle workers, and each request
// goes to the worker at the front. Every second the queue sends each idle
// worker a heartbeat, and it forgets a worker that has sent nothing for
// three heartbeats, saying so ("W: worker ... expired", a line of this
// port's own).
//
//	go run ./examples/ppqueue [-heartbeat 1s] [-liveness 3] [-iface *] [-for duration]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// The Paranoid Pirate Protocol's commands: single frames from a worker,
// and heartbeats both ways.
const (
	pppReady     = "\001" // the worker is ready
	pppHeartbeat = "\002" // the worker, or the queue, is alive
)

func main() {
	heartbeat := flag.Duration("heartbeat", time.Second, "interval of the heartbeats")
	liveness := flag.Int("liveness", 3, "heartbeats missed before a worker is given up")
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
	q := queue{heartbeat: *heartbeat, expiry: *heartbeat * time.Duration(*liveness)}
	if err := q.run(ctx, "tcp://"+*iface); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// queue holds the idle workers, longest idle first, and so soonest to
// expire.
type queue struct {
	heartbeat time.Duration // interval of the heartbeats
	expiry    time.Duration // silence after which a worker is given up
	idle      []worker
}

// worker is an idle worker.
type worker struct {
	identity []byte    // its routing id on the backend
	expires  time.Time // unless it is heard from before
}

// ready puts the worker at the back of the line, where it may already be.
func (q *queue) ready(identity []byte) {
	if i := slices.IndexFunc(q.idle, func(w worker) bool { return bytes.Equal(w.identity, identity) }); i >= 0 {
		q.idle = slices.Delete(q.idle, i, i+1)
	}
	// A copy: the received frame would keep its receive buffer alive.
	q.idle = append(q.idle, worker{bytes.Clone(identity), time.Now().Add(q.expiry)})
}

// next takes the worker at the front of the line.
func (q *queue) next() []byte {
	w := q.idle[0]
	q.idle = q.idle[1:]
	return w.identity
}

// purge forgets the workers that have expired: those at the front.
func (q *queue) purge() {
	now := time.Now()
	for len(q.idle) > 0 && !now.Before(q.idle[0].expires) {
		fmt.Printf("W: worker %X expired\n", q.idle[0].identity)
		q.idle = q.idle[1:]
	}
}

func (q *queue) run(ctx context.Context, host string) error {
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
	heartbeatAt := time.Now().Add(q.heartbeat)
	for {
		// Requests are taken from clients only while a worker is idle.
		frontendEvents := zmq.Events(0)
		if len(q.idle) > 0 {
			frontendEvents = zmq.PollIn
		}
		if err := poller.Update(frontend, frontendEvents); err != nil {
			return err
		}
		polled, err := wait(ctx, poller, heartbeatAt)
		if err != nil {
			return err
		}
		for _, p := range polled {
			switch p.Socket {
			case backend:
				if err := q.fromWorker(ctx, backend, frontend); err != nil {
					return err
				}
			case frontend:
				// A request [client]["" ][request], for the next worker.
				m, err := frontend.Recv(ctx)
				if err != nil {
					return err
				}
				m.Frames = append([][]byte{q.next()}, m.Frames...)
				if err := backend.Send(ctx, m); err != nil {
					return err
				}
			}
		}
		// Heartbeats go to the idle workers only: a busy worker's reply
		// is its sign of life.
		if now := time.Now(); !now.Before(heartbeatAt) {
			for _, w := range q.idle {
				if err := backend.Send(ctx, zmq.NewMsg(w.identity, []byte(pppHeartbeat))); err != nil {
					return err
				}
			}
			heartbeatAt = now.Add(q.heartbeat)
		}
		q.purge()
	}
}

// wait waits for the poller's sockets until the deadline, which is no
// error.
func wait(ctx context.Context, poller *zmq.Poller, deadline time.Time) ([]zmq.Polled, error) {
	waitCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	polled, err := poller.Wait(waitCtx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, nil
	}
	return polled, err
}

// fromWorker takes a message from a worker: a command, or a reply for a
// client. Either way the worker is idle now.
func (q *queue) fromWorker(ctx context.Context, backend, frontend *zmq.Socket) error {
	m, err := backend.Recv(ctx)
	if err != nil {
		return err
	}
	q.ready(m.Frames[0])
	body := m.Frames[1:]
	if len(body) > 1 {
		// A reply: [client]["" ][reply], back to its client.
		return frontend.Send(ctx, zmq.NewMsg(body...))
	}
	if len(body) == 0 || (string(body[0]) != pppReady && string(body[0]) != pppHeartbeat) {
		fmt.Printf("E: invalid message from worker %X\n", m.Frames[0])
		dump(body)
	}
	return nil
}

// dump prints frames one a line as zmsg_dump does: each with its size,
// as text when it is printable and in hex when not.
func dump(frames [][]byte) {
	fmt.Println("--------------------------------------")
	for _, f := range frames {
		fmt.Println(frame(f))
	}
}

// frame is one frame as dump prints it.
func frame(f []byte) string {
	for _, c := range f {
		if c < ' ' || c > '~' {
			return fmt.Sprintf("[%03d] %X", len(f), f)
		}
	}
	return fmt.Sprintf("[%03d] %s", len(f), f)
}
