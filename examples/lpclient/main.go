// Lpclient is the Lazy Pirate client of the zguide (chapter 4, lpclient):
// reliable request-reply on the client side alone. A REQ socket connected
// to tcp://localhost:5555 sends the numbers 1, 2, 3, ... and waits 2.5
// seconds for each echo. When none comes it assumes the request or the
// server is lost: it closes the socket (a REQ socket that got no reply can
// send nothing else), opens a new one and sends the request again, and
// after three unanswered tries it abandons. Run it against lpserver, or
// against spqueue or ppqueue and their workers:
//
//	go run ./examples/lpclient [-n requests] [-timeout 2.5s] [-retries 3] [-connect tcp://localhost:5555]
package main

import (
	"context"
	"errors"
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
	n := flag.Int("n", 0, "requests to have answered before exiting (0: forever)")
	timeout := flag.Duration("timeout", 2500*time.Millisecond, "how long to wait for each reply")
	retries := flag.Int("retries", 3, "tries of a request before abandoning")
	endpoint := flag.String("connect", "tcp://localhost:5555", "the server (or queue)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := client{endpoint: *endpoint, timeout: *timeout, retries: *retries}
	if err := c.run(ctx, *n); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

// client is where the requests go and how hard it tries.
type client struct {
	endpoint string
	timeout  time.Duration
	retries  int
}

// errOffline reports a request that was never answered.
var errOffline = errors.New("server offline")

func (c client) run(ctx context.Context, n int) error {
	socket, err := c.connect()
	if err != nil {
		return err
	}
	// Close the socket in use when we return: each retry replaces it.
	defer func() {
		if socket != nil {
			socket.Close()
		}
	}()
	for sequence := 1; n == 0 || sequence <= n; sequence++ {
		request := strconv.Itoa(sequence)
		socket, err = c.request(ctx, socket, request)
		if errors.Is(err, errOffline) {
			fmt.Println("E: server seems to be offline, abandoning")
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// connect opens a REQ socket to the server.
func (c client) connect() (*zmq.Socket, error) {
	fmt.Println("I: connecting to server...")
	// Linger 0: a request still queued when the socket is closed is
	// dropped, rather than delivered to a server that comes back.
	socket, err := zmq.NewSocket(zmq.Req, zmq.Linger(0))
	if err != nil {
		return nil, err
	}
	if err := socket.Connect(c.endpoint); err != nil {
		socket.Close()
		return nil, err
	}
	return socket, nil
}

// request sends the request on socket and waits for its echo, on a new
// socket after each failed try. It returns the socket to go on with, and
// errOffline when every try failed.
func (c client) request(ctx context.Context, socket *zmq.Socket, request string) (*zmq.Socket, error) {
	for tries := 1; ; tries++ {
		if err := socket.Send(ctx, zmq.NewMsgString(request)); err != nil {
			return socket, err
		}
		reply, err := c.recv(ctx, socket)
		switch {
		case err == nil && string(reply.Bytes()) == request:
			fmt.Printf("I: server replied OK (%s)\n", reply.Bytes())
			return socket, nil
		case err == nil:
			fmt.Printf("E: malformed reply from server: %s\n", reply.Bytes())
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			// No reply in time.
		default:
			return socket, err
		}
		if tries >= c.retries {
			return socket, errOffline
		}
		fmt.Println("W: no response from server, retrying...")
		// The socket waits for a reply it may never get: close it and
		// send the request again on a new one.
		socket.Close()
		if socket, err = c.connect(); err != nil {
			return nil, err
		}
	}
}

// recv waits at most the timeout for a reply on socket.
func (c client) recv(ctx context.Context, socket *zmq.Socket) (zmq.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return socket.Recv(ctx)
}
