// Mtrelay is the multithreaded relay of the zguide (chapter 3, mtrelay):
// three steps in one process, each in a goroutine of its own, signal each
// other in turn over PAIR sockets at inproc://step2 and inproc://step3.
// Each step binds its receiving socket before it starts the step before it,
// so that every signal has a socket waiting for it.
//
//	go run ./examples/mtrelay
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// relay holds what the steps share: the context their inproc endpoints
// live in, the goroutines to wait for, and a way for a failed step to
// stop the others.
type relay struct {
	zctx *zmq.Context
	wg   sync.WaitGroup
	fail context.CancelCauseFunc
}

// start runs a step in a goroutine of its own.
func (r *relay) start(ctx context.Context, step func(context.Context) error) {
	r.wg.Go(func() {
		if err := step(ctx); err != nil {
			r.fail(err)
		}
	})
}

func run(ctx context.Context) error {
	r := &relay{zctx: zmq.NewContext()}
	defer r.zctx.Term()
	defer r.wg.Wait()
	ctx, r.fail = context.WithCancelCause(ctx)
	defer r.fail(nil) // before the wait: a failure here stops the steps

	// Step 3: bind, start step 2, and wait for its signal.
	if err := r.await(ctx, "inproc://step3", r.step2); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return cause // a step failed, or an interrupt
		}
		return err
	}
	fmt.Println("Test successful!")
	return nil
}

// step2 waits for step 1 and passes the signal on to step 3.
func (r *relay) step2(ctx context.Context) error {
	if err := r.await(ctx, "inproc://step2", r.step1); err != nil {
		return err
	}
	return r.signal(ctx, "inproc://step3", "Step 2 ready, signaling step 3")
}

// step1 tells step 2 that it is ready.
func (r *relay) step1(ctx context.Context) error {
	return r.signal(ctx, "inproc://step2", "Step 1 ready, signaling step 2")
}

// await binds a PAIR socket to endpoint, starts the step that will
// signal it, and waits for the signal.
func (r *relay) await(ctx context.Context, endpoint string, previous func(context.Context) error) error {
	receiver, err := r.zctx.NewSocket(zmq.Pair)
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(endpoint); err != nil {
		return err
	}
	r.start(ctx, previous)
	_, err = receiver.Recv(ctx)
	return err
}

// signal connects a PAIR socket to the next step, says so, and sends it
// "READY".
func (r *relay) signal(ctx context.Context, next, say string) error {
	xmitter, err := r.zctx.NewSocket(zmq.Pair)
	if err != nil {
		return err
	}
	defer xmitter.Close()
	if err := xmitter.Connect(next); err != nil {
		return err
	}
	fmt.Println(say)
	return xmitter.Send(ctx, zmq.NewMsgString("READY"))
}
