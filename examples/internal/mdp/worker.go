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

// Worker is the MDP/Worker side: it connects a DEALER socket to the
// broker, registers its service with READY, and then takes requests with
// Recv and answers each with Reply. While it waits it sends the broker a
// HEARTBEAT every Heartbeat, and when the broker has said nothing for
// Liveness heartbeats, or sent DISCONNECT, it starts over on a new socket
// (after Reconnect, when the broker went silent).
//
// Set the fields before the first Recv. A Worker serves one request at a
// time; it is not safe for concurrent use.
type Worker struct {
	Broker    string        // the broker's endpoint, e.g. "tcp://localhost:5555"
	Service   string        // the service offered
	Heartbeat time.Duration // between heartbeats (0: DefaultHeartbeat)
	Liveness  int           // heartbeats missed before the broker is dead (0: DefaultLiveness)
	Reconnect time.Duration // pause before reconnecting to a silent broker (0: DefaultReconnect)
	Verbose   *log.Logger   // if not nil, logs every message sent and received

	sock        *zmq.Socket
	heartbeatAt time.Time // when the next HEARTBEAT is due
	expiry      time.Time // when a broker that stays silent is dead
	replyTo     []byte    // the client of the request being served, if any
}

// Recv waits for the next request and returns its body. Each request must
// be answered with [Worker.Reply] before Recv is called again. Recv
// returns only the context's error or the socket's, having dealt with
// heartbeats, reconnections and malformed commands itself.
func (w *Worker) Recv(ctx context.Context) ([][]byte, error) {
	if w.replyTo != nil {
		return nil, errors.New("mdp: Recv before the Reply to the previous request")
	}
	if w.sock == nil {
		if err := w.connect(ctx); err != nil {
			return nil, err
		}
	}
	for {
		wait, cancel := context.WithDeadline(ctx, earlier(w.heartbeatAt, w.expiry))
		m, err := w.sock.Recv(wait)
		cancel()
		switch {
		case err == nil:
			w.logf("I: received message from broker:\n%s", Dump(m.Frames))
			w.expiry = time.Now().Add(w.silence())
			body, err := w.handle(ctx, m.Frames)
			if body != nil || err != nil {
				return body, err
			}
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return nil, err
		}
		now := time.Now()
		if !now.Before(w.expiry) {
			w.logf("W: disconnected from broker - retrying...")
			w.drop()
			if err := sleep(ctx, w.reconnect()); err != nil {
				return nil, err
			}
			if err := w.connect(ctx); err != nil {
				return nil, err
			}
		} else if !now.Before(w.heartbeatAt) {
			if err := w.send(ctx, Heartbeat); err != nil {
				return nil, err
			}
		}
	}
}

// handle acts on one message from the broker and returns the body of a
// request.
func (w *Worker) handle(ctx context.Context, frames [][]byte) ([][]byte, error) {
	var cmd Command
	ok := len(frames) >= 3 && len(frames[0]) == 0 && bytes.Equal(frames[1], []byte(WorkerHeader))
	if ok {
		cmd, ok = ParseCommand(frames[2])
	}
	switch {
	case ok && cmd == Request && len(frames) >= 5 && len(frames[4]) == 0:
		w.replyTo = frames[3]
		return frames[5:], nil // not nil, even when empty
	case ok && cmd == Heartbeat:
	case ok && cmd == Disconnect:
		w.drop()
		return nil, w.connect(ctx)
	default:
		w.logf("E: invalid input message:\n%s", Dump(frames))
	}
	return nil, nil
}

// Reply sends the reply to the request Recv returned last.
func (w *Worker) Reply(ctx context.Context, body ...[]byte) error {
	if w.replyTo == nil {
		return errors.New("mdp: Reply without a request")
	}
	client := w.replyTo
	w.replyTo = nil
	if w.sock == nil {
		return nil // the connection was lost; the client will retry
	}
	// The broker did not heartbeat a busy worker: its silence starts now.
	w.expiry = time.Now().Add(w.silence())
	return w.send(ctx, Reply, append([][]byte{client, nil}, body...)...)
}

// Close tells the broker that the worker leaves, waiting at most a
// heartbeat interval for that to be sent, and closes the socket.
func (w *Worker) Close() error {
	if w.sock == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.heartbeat())
	defer cancel()
	err := w.send(ctx, Disconnect)
	if err == nil {
		err = w.sock.SetOption(zmq.Linger(w.heartbeat()))
	}
	if cerr := w.sock.Close(); err == nil {
		err = cerr
	}
	w.sock = nil
	return err
}

// connect opens a new socket to the broker and registers the service.
func (w *Worker) connect(ctx context.Context) error {
	// Linger 0: what a broker never took is abandoned with the socket.
	sock, err := zmq.NewSocket(zmq.Dealer, zmq.Linger(0))
	if err != nil {
		return err
	}
	if err := sock.Connect(w.Broker); err != nil {
		sock.Close()
		return err
	}
	w.logf("I: connecting to broker at %s...", w.Broker)
	w.sock = sock
	w.expiry = time.Now().Add(w.silence())
	return w.send(ctx, Ready, []byte(w.Service))
}

// drop closes the socket, abandoning the request being served, if any.
func (w *Worker) drop() {
	w.sock.Close()
	w.sock = nil
	w.replyTo = nil
}

// send sends a command with its frames, which counts as a heartbeat.
func (w *Worker) send(ctx context.Context, cmd Command, frames ...[]byte) error {
	m := append([][]byte{nil, []byte(WorkerHeader), cmd.Frame()}, frames...)
	w.logf("I: sending %v to broker\n%s", cmd, Dump(m))
	if err := w.sock.Send(ctx, zmq.NewMsg(m...)); err != nil {
		return fmt.Errorf("mdp: sending %v: %w", cmd, err)
	}
	w.heartbeatAt = time.Now().Add(w.heartbeat())
	return nil
}

func (w *Worker) heartbeat() time.Duration {
	if w.Heartbeat > 0 {
		return w.Heartbeat
	}
	return DefaultHeartbeat
}

func (w *Worker) reconnect() time.Duration {
	if w.Reconnect > 0 {
		return w.Reconnect
	}
	return DefaultReconnect
}

// silence is how long the broker may say nothing before it is dead.
func (w *Worker) silence() time.Duration {
	liveness := w.Liveness
	if liveness <= 0 {
		liveness = DefaultLiveness
	}
	return time.Duration(liveness) * w.heartbeat()
}

func (w *Worker) logf(format string, args ...any) {
	if w.Verbose != nil {
		w.Verbose.Printf(format, args...)
	}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
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
