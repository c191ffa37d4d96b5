// Asyncsrv is the asynchronous client/server of the zguide (chapter 3,
// asyncsrv), in one process: three DEALER clients, each with a random
// identity, send a request ("request #1", "request #2", ...) every second
// to a server at tcp://*:5570 and print each reply as it comes, prefixed
// with their identity and the reply's size. The server's ROUTER frontend
// passes requests on to five DEALER workers through a DEALER backend at
// inproc://backend; a worker answers each request 0 to 4 times, after 1
// to 1000 milliseconds each, and the replies find their way back to the
// client that sent the request. It runs for five seconds; -scale shortens
// the clients' second and the workers' delays alike.
//
//	go run ./examples/asyncsrv [-for 5s] [-scale 1] [-iface *]
package main

import (
	"context"
	"errors"
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
	runFor := flag.Duration("for", 5*time.Second, "how long to run")
	scale := flag.Float64("scale", 1, "multiplier of the clients' tick and the workers' delays")
	iface := flag.String("iface", "*", "interface to bind to")
	flag.Parse()
	if *scale <= 0 {
		log.Fatal("-scale must be positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *runFor)
	defer cancel()
	if err := run(ctx, *scale, "tcp://"+*iface+":5570"); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// Every socket here has Linger 0, as CZMQ's sockets (which the zguide's
// asyncsrv uses) have by default: when the example stops, requests and
// replies still under way are dropped rather than delivered.

// While this example runs in one process, to start and stop it easily,
// each client and the server could as well be processes of their own.
func run(ctx context.Context, scale float64, endpoint string) error {
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var wg sync.WaitGroup
	// spawn runs f in a goroutine; its error stops everything (one that
	// reports the end of ctx changes nothing).
	spawn := func(f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				fail(err)
			}
		})
	}

	zctx := zmq.NewContext() // the server's inproc endpoint lives in it
	defer zctx.Term()
	frontend, err := zctx.NewSocket(zmq.Router, zmq.Linger(0))
	if err != nil {
		return err
	}
	if err := frontend.Bind(endpoint); err != nil {
		return err
	}
	connect := connectEndpoint(frontend)
	backend, err := zctx.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		return err
	}
	if err := backend.Bind("inproc://backend"); err != nil {
		return err
	}
	// The precise number of workers is not critical.
	for range 5 {
		spawn(func() error { return worker(ctx, zctx, scale) })
	}
	spawn(func() error { return zmq.Proxy(ctx, frontend, backend, nil) })

	for range 3 {
		spawn(func() error { return client(ctx, connect, scale) })
	}
	<-ctx.Done()
	wg.Wait()
	return context.Cause(ctx)
}

// client sends a request every second, scaled, and prints the replies as
// they come. It returns when ctx ends.
func client(ctx context.Context, endpoint string, scale float64) error {
	// A random identity, to trace messages with; it must be set before
	// the socket connects.
	id := fmt.Sprintf("%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000))
	sock, err := zmq.NewSocket(zmq.Dealer, zmq.RoutingID([]byte(id)), zmq.Linger(0))
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Connect(endpoint); err != nil {
		return err
	}
	poller := zmq.NewPoller()
	defer poller.Close()
	if err := poller.Add(sock, zmq.PollIn); err != nil {
		return err
	}

	tick := time.NewTicker(time.Duration(scale * float64(time.Second)))
	defer tick.Stop()
	for request := 0; ; {
		select {
		case <-tick.C:
			request++
			if err := sock.Send(ctx, zmq.NewMsgString(fmt.Sprintf("request #%d", request))); err != nil {
				return err
			}
		case <-poller.Ready():
			// Print every reply that has come.
			for {
				reply, err := sock.TryRecv()
				if errors.Is(err, zmq.ErrWouldBlock) {
					break
				}
				if err != nil {
					return err
				}
				content := reply.Frames[len(reply.Frames)-1]
				fmt.Printf("%s[%03d] %s\n", id, len(content), content)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// worker answers requests from inproc://backend, one at a time, with 0 to
// 4 copies of the request, each after a random delay. It returns when ctx
// ends.
func worker(ctx context.Context, zctx *zmq.Context, scale float64) error {
	sock, err := zctx.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Connect("inproc://backend"); err != nil {
		return err
	}
	for {
		// The DEALER gives us the reply envelope (the client's identity)
		// and the request; the reply goes back with the same envelope.
		m, err := sock.Recv(ctx)
		if err != nil {
			return err
		}
		if len(m.Frames) != 2 {
			return fmt.Errorf("worker: want an identity and a request, got %v", m)
		}
		for range rand.IntN(5) {
			msec := rand.IntN(1000) + 1
			if err := sleep(ctx, time.Duration(float64(msec)*scale*float64(time.Millisecond))); err != nil {
				return err
			}
			if err := sock.Send(ctx, m); err != nil {
				return err
			}
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

// connectEndpoint returns the endpoint at which the clients reach the
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
