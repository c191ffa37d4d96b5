package mdp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// Client is the MDP/Client side: it sends each request to a service
// through the broker over a REQ socket and waits for the reply. When none
// comes within Timeout it closes the socket, connects a new one and sends
// the request again, Retries times in all, and then gives up with
// [ErrNoReply] (the zguide's Lazy Pirate strategy).
//
// Set the fields before the first Send. A Client serves one request at a
// time; it is not safe for concurrent use.
type Client struct {
	Broker  string        // the broker's endpoint, e.g. "tcp://localhost:5555"
	Timeout time.Duration // wait for each reply (0: DefaultTimeout)
	Retries int           // attempts per request (0: DefaultRetries)
	Verbose *log.Logger   // if not nil, logs each request and reply

	sock *zmq.Socket
}

// Send sends a request of the given body frames to service and returns
// the reply's body. It returns [ErrNoReply] when every attempt timed out,
// an error wrapping [ErrProtocol] for a reply that breaks MDP, and the
// context's error when ctx ends first.
func (c *Client) Send(ctx context.Context, service string, body ...[]byte) ([][]byte, error) {
	timeout, retries := c.Timeout, c.Retries
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if retries <= 0 {
		retries = DefaultRetries
	}
	request := append([][]byte{[]byte(ClientHeader), []byte(service)}, body...)
	c.logf("I: send request to '%s' service:\n%s", service, Dump(request))
	for attempt := 1; ; attempt++ {
		if c.sock == nil {
			if err := c.connect(); err != nil {
				return nil, err
			}
		}
		// A message's frames belong to the socket once sent: each
		// attempt sends its own frame list (the bytes are only read).
		if err := c.sock.Send(ctx, zmq.NewMsg(append([][]byte(nil), request...)...)); err != nil {
			c.Close()
			return nil, err
		}
		wait, cancel := context.WithTimeout(ctx, timeout)
		reply, err := c.sock.Recv(wait)
		cancel()
		if err == nil {
			c.logf("I: received reply:\n%s", Dump(reply.Frames))
			return checkReply(reply.Frames, service)
		}
		// The REQ socket waits for this reply for ever: the next attempt,
		// or the next request, needs a new one.
		c.Close()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return nil, err
		}
		if attempt == retries {
			c.logf("W: permanent error, abandoning")
			return nil, fmt.Errorf("%w from service %q after %d attempts", ErrNoReply, service, retries)
		}
		c.logf("W: no reply, reconnecting...")
	}
}

// checkReply returns the body of a reply to a request for service.
func checkReply(frames [][]byte, service string) ([][]byte, error) {
	if len(frames) < 3 {
		return nil, fmt.Errorf("%w: a reply of %d frames", ErrProtocol, len(frames))
	}
	if !bytes.Equal(frames[0], []byte(ClientHeader)) {
		return nil, fmt.Errorf("%w: reply header %q, want %q", ErrProtocol, frames[0], ClientHeader)
	}
	if !bytes.Equal(frames[1], []byte(service)) {
		return nil, fmt.Errorf("%w: reply from service %q, want %q", ErrProtocol, frames[1], service)
	}
	return frames[2:], nil
}

// connect opens a new REQ socket to the broker. Linger 0: a request the
// broker never took is abandoned with the socket.
func (c *Client) connect() error {
	sock, err := zmq.NewSocket(zmq.Req, zmq.Linger(0))
	if err != nil {
		return err
	}
	if err := sock.Connect(c.Broker); err != nil {
		sock.Close()
		return err
	}
	c.logf("I: connecting to broker at %s...", c.Broker)
	c.sock = sock
	return nil
}

// Close closes the client's socket.
func (c *Client) Close() error {
	if c.sock == nil {
		return nil
	}
	err := c.sock.Close()
	c.sock = nil
	return err
}

func (c *Client) logf(format string, args ...any) {
	if c.Verbose != nil {
		c.Verbose.Printf(format, args...)
	}
}
