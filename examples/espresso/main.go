// Espresso is the pub-sub tracing example of the zguide (chapter 5,
// espresso): a proxy between an XSUB socket, connected to a publisher at
// tcp://localhost:6000, and an XPUB socket bound to tcp://*:6001, with a
// capture socket that copies everything passing through it to a listener,
// which prints it. The publisher (bound to tcp://*:6000) sends a random
// "A-12345" to "J-12345" ten times a second, and the subscriber subscribes
// to "A" and "B", takes five messages and leaves, each in a goroutine of
// its own. The listener prints each frame as CZMQ's zframe_print does,
// its size and then its text, or its bytes in hex when they are not
// printable: the two subscriptions ("\001A", "\001B"), five messages and
// the two unsubscriptions, and then nothing, since no one subscribes any
// more.
//
//	go run ./examples/espresso [-interval 100ms] [-iface *] [-for duration]
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
	"sync"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	interval := flag.Duration("interval", 100*time.Millisecond, "time between the publisher's messages")
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
	if err := run(ctx, *interval, "tcp://"+*iface); ctx.Err() == nil {
		log.Fatal(err) // the proxy returns only when something fails
	}
	fmt.Println(" interrupted")
}

func run(ctx context.Context, interval time.Duration, host string) error {
	zctx := zmq.NewContext() // the capture pipe is inproc, within it
	defer zctx.Term()

	// The goroutines end when ctx does, or when one of them fails: that
	// cancels ctx for the others and the proxy, and its error is run's.
	ctx, cancel := context.WithCancel(ctx)
	var (
		wg       sync.WaitGroup
		failOnce sync.Once
		failed   error
	)
	defer func() {
		cancel()
		wg.Wait()
	}()
	goroutine := func(f func(context.Context, *zmq.Context, string) error, endpoint string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx, zctx, endpoint); err != nil && ctx.Err() == nil {
				failOnce.Do(func() { failed = err })
				cancel()
			}
		}()
	}
	goroutine(func(ctx context.Context, zctx *zmq.Context, endpoint string) error {
		return publisher(ctx, zctx, endpoint, interval)
	}, host+":6000")
	goroutine(subscriber, "tcp://localhost:6001")

	xsub, err := zctx.NewSocket(zmq.XSub)
	if err != nil {
		return err
	}
	if err := xsub.Connect("tcp://localhost:6000"); err != nil {
		return err
	}
	xpub, err := zctx.NewSocket(zmq.XPub)
	if err != nil {
		return err
	}
	if err := xpub.Bind(host + ":6001"); err != nil {
		return err
	}
	// The capture pipe: the proxy sends copies into one PAIR socket, and
	// the listener reads them from the other.
	capture, err := zctx.NewSocket(zmq.Pair)
	if err != nil {
		return err
	}
	if err := capture.Bind("inproc://capture"); err != nil {
		return err
	}
	goroutine(listener, "inproc://capture")
	err = zmq.Proxy(ctx, xsub, xpub, capture)
	cancel()
	wg.Wait()
	if failed != nil {
		return failed
	}
	return err
}

// publisher sends a random message starting with A to J every interval.
func publisher(ctx context.Context, zctx *zmq.Context, endpoint string, interval time.Duration) error {
	socket, err := zctx.NewSocket(zmq.Pub)
	if err != nil {
		return err
	}
	defer socket.Close()
	if err := socket.Bind(endpoint); err != nil {
		return err
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		m := fmt.Sprintf("%c-%05d", 'A'+rand.IntN(10), rand.IntN(100000))
		if err := socket.Send(ctx, zmq.NewMsgString(m)); err != nil {
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// subscriber subscribes to the messages starting with A and B, takes
// five, and leaves.
func subscriber(ctx context.Context, zctx *zmq.Context, endpoint string) error {
	socket, err := zctx.NewSocket(zmq.Sub, zmq.Subscribe([]byte("A")), zmq.Subscribe([]byte("B")))
	if err != nil {
		return err
	}
	defer socket.Close()
	if err := socket.Connect(endpoint); err != nil {
		return err
	}
	for range 5 {
		if _, err := socket.Recv(ctx); err != nil {
			return err
		}
	}
	return nil
}

// listener prints every frame that arrives on the capture pipe.
func listener(ctx context.Context, zctx *zmq.Context, endpoint string) error {
	socket, err := zctx.NewSocket(zmq.Pair)
	if err != nil {
		return err
	}
	defer socket.Close()
	if err := socket.Connect(endpoint); err != nil {
		return err
	}
	for {
		m, err := socket.Recv(ctx)
		if err != nil {
			if errors.Is(err, zmq.ErrTerminated) {
				return nil
			}
			return err
		}
		for _, f := range m.Frames {
			fmt.Println(frame(f))
		}
	}
}

// frame is a frame as zframe_print shows it: its size, then its text, or
// its bytes in hex when they are not printable.
func frame(f []byte) string {
	for _, c := range f {
		if c < ' ' || c > '~' {
			return fmt.Sprintf("[%03d] %X", len(f), f)
		}
	}
	return fmt.Sprintf("[%03d] %s", len(f), f)
}
