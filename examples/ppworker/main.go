// Ppworker is the Paranoid Pirate worker of the zguide (chapter 4,
// ppworker): a DEALER socket connected to ppqueue at tcp://localhost:5556
// that says READY ("\001"), echoes requests, and heartbeats ("\002") every
// second. When the queue has sent nothing for three heartbeats, the
// worker takes it for dead: it closes its socket, waits, and connects
// again with a new one, waiting twice as long after each failure, from
// one second up to 32. After a few requests it starts to misbehave as
// spworker does: one request in five it simulates a crash, one in five of
// the others CPU overload.
//
//	go run ./examples/ppworker [-seed n] [-cycles 3] [-work 1s] [-overload 3s]
//		[-heartbeat 1s] [-liveness 3] [-reconnect 1s]
//
// -seed makes the simulated problems repeatable; -cycles is the number of
// requests served before they begin.
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
	seed := flag.Uint64("seed", 0, "seed of the simulated problems (0: a random one)")
	cycles := flag.Int("cycles", 3, "requests served before problems are simulated")
	work := flag.Duration("work", time.Second, "time spent on each request")
	overload := flag.Duration("overload", 3*time.Second, "extra time spent on a request when overloaded")
	heartbeat := flag.Duration("heartbeat", time.Second, "interval of the heartbeats")
	liveness := flag.Int("liveness", 3, "heartbeats missed before the queue is given up")
	reconnect := flag.Duration("reconnect", time.Second, "first wait before reconnecting; it doubles up to 32 times this")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	w := worker{
		rng:          rand.New(rand.NewPCG(*seed, 0)),
		cycles:       *cycles,
		work:         *work,
		overload:     *overload,
		heartbeat:    *heartbeat,
		liveness:     *liveness,
		reconnect:    *reconnect,
		reconnectMax: 32 * *reconnect,
	}
	if err := w.run(ctx, "tcp://localhost:5556"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// worker is how the worker misbehaves, and how it watches the queue.
type worker struct {
	rng                     *rand.Rand
	cycles                  int           // requests served before misbehaving
	work, overload          time.Duration // time per request, and extra when overloaded
	heartbeat               time.Duration // interval of the heartbeats
	liveness                int           // heartbeats missed before giving up on the queue
	reconnect, reconnectMax time.Duration // the first and the longest wait to reconnect
}

// connect opens a DEALER socket to the queue and tells it we are ready.
func (w *worker) connect(ctx context.Context, endpoint string) (*zmq.Socket, error) {
	// Linger 0: what is unsent when the socket is given up is dropped.
	socket, err := zmq.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		return nil, err
	}
	if err := socket.Connect(endpoint); err != nil {
		socket.Close()
		return nil, err
	}
	fmt.Println("I: worker ready")
	if err := socket.Send(ctx, zmq.NewMsgString(pppReady)); err != nil {
		socket.Close()
		return nil, err
	}
	return socket, nil
}

func (w *worker) run(ctx context.Context, endpoint string) error {
	socket, err := w.connect(ctx, endpoint)
	if err != nil {
		return err
	}
	// Close the socket in use when we return: each reconnection replaces
	// it.
	defer func() {
		if socket != nil {
			socket.Close()
		}
	}()

	liveness := w.liveness // heartbeats the queue may still miss
	wait := w.reconnect    // before the next reconnection
	heartbeatAt := time.Now().Add(w.heartbeat)
	cycle := 0
	for {
		m, err := recv(ctx, socket, w.heartbeat)
		switch {
		case err == nil:
			// Anything from the queue shows it alive.
			liveness, wait = w.liveness, w.reconnect
			switch {
			case len(m.Frames) == 3:
				// A request with its client's envelope:
				// [client]["" ][request].
				cycle++
				crashed, err := w.serve(ctx, socket, m, cycle)
				if crashed || err != nil {
					return err
				}
			case len(m.Frames) == 1 && string(m.Frames[0]) == pppHeartbeat:
			default:
				fmt.Println("E: invalid message")
				dump(m.Frames)
			}
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			// Nothing within a heartbeat.
			if liveness--; liveness > 0 {
				break
			}
			fmt.Println("W: heartbeat failure, can't reach queue")
			fmt.Printf("W: reconnecting in %d msec...\n", wait.Milliseconds())
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			if wait < w.reconnectMax {
				wait *= 2
			}
			socket.Close()
			if socket, err = w.connect(ctx, endpoint); err != nil {
				return err
			}
			liveness = w.liveness
		default:
			return err
		}
		if now := time.Now(); now.After(heartbeatAt) {
			heartbeatAt = now.Add(w.heartbeat)
			fmt.Println("I: worker heartbeat")
			if err := socket.Send(ctx, zmq.NewMsgString(pppHeartbeat)); err != nil {
				return err
			}
		}
	}
}

// serve answers a request, or simulates a crash instead and reports it.
func (w *worker) serve(ctx context.Context, socket *zmq.Socket, request zmq.Msg, cycle int) (crashed bool, err error) {
	if cycle > w.cycles {
		if w.rng.IntN(5) == 0 {
			fmt.Println("I: simulating a crash")
			return true, nil
		}
		if w.rng.IntN(5) == 0 {
			fmt.Println("I: simulating CPU overload")
			if err := sleep(ctx, w.overload); err != nil {
				return false, err
			}
		}
	}
	fmt.Println("I: normal reply")
	if err := sleep(ctx, w.work); err != nil { // do some heavy work
		return false, err
	}
	// The reply is the request itself, envelope and all.
	return false, socket.Send(ctx, request)
}

// recv waits at most timeout for a message on socket.
func recv(ctx context.Context, socket *zmq.Socket, timeout time.Duration) (zmq.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return socket.Recv(ctx)
}

// sleep waits for d, or until ctx ends.
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
