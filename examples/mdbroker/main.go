// Mdbroker is the Majordomo broker of the zguide (chapter 4, mdbroker),
// speaking MDP/0.1 (rfc.zeromq.org/spec/7): one ROUTER socket at
// tcp://*:5555 serves clients (MDP/Client) and workers (MDP/Worker). It
// queues each request for its service and hands it to the worker of that
// service that has waited longest, passes the reply back to the client,
// heartbeats idle workers and forgets those silent for three heartbeats.
// It answers the "mmi.service" request of the Majordomo Management
// Interface (rfc.zeromq.org/spec/8): 200 when the service named in the
// request's last frame has workers, 404 when not; other "mmi." services
// get 501. Requests for a service no worker offers wait for one.
//
// Run it beside examples/mdworker and examples/mdclient:
//
//	go run ./examples/mdbroker [-v] [-heartbeat 2.5s] [-iface *] [-for duration]
//
// -v logs every message received and sent.
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"log"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/examples/internal/mdp"
)

func main() {
	verbose := flag.Bool("v", false, "log every message")
	heartbeat := flag.Duration("heartbeat", mdp.DefaultHeartbeat, "interval between heartbeats to idle workers")
	liveness := flag.Int("liveness", mdp.DefaultLiveness, "heartbeats a worker may miss before it is deleted")
	iface := flag.String("iface", "*", "interface to bind to")
	limit := flag.Duration("for", 0, "stop after this long (0: run until interrupted)")
	flag.Parse()
	if *heartbeat <= 0 || *liveness <= 0 {
		log.Fatal("-heartbeat and -liveness must be positive")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx := interrupted
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}
	b := newBroker(*heartbeat, *liveness)
	if *verbose {
		b.verbose = log.Default()
	}
	err := b.run(ctx, "tcp://"+*iface+":5555")
	if ctx.Err() == nil {
		log.Fatal(err)
	}
	if interrupted.Err() != nil {
		log.Print("W: interrupt received, shutting down...")
	}
}

// broker is the state of one Majordomo broker.
type broker struct {
	sock      *zmq.Socket
	verbose   *log.Logger   // nil unless -v
	heartbeat time.Duration // between heartbeats
	expiry    time.Duration // silence after which a worker is deleted

	services map[string]*service // by name
	workers  map[string]*worker  // by routing id
	waiting  []*worker           // idle workers of every service, oldest first
}

func newBroker(heartbeat time.Duration, liveness int) *broker {
	return &broker{
		heartbeat: heartbeat,
		expiry:    time.Duration(liveness) * heartbeat,
		services:  make(map[string]*service),
		workers:   make(map[string]*worker),
	}
}

// service is a named service: the requests that wait for it and its idle
// workers.
type service struct {
	name     string
	requests [][][]byte // each [client, "", body...]
	waiting  []*worker  // its idle workers, the longest waiting first
	workers  int        // registered workers, idle or busy
}

// worker is a registered worker, idle or busy.
type worker struct {
	id      []byte // routing id
	name    string // the routing id in hexadecimal, for logs
	service *service
	idle    bool
	expiry  time.Time // when it is deleted unless it heartbeats
}

// run serves endpoint until ctx ends, and returns the error that ended it.
func (b *broker) run(ctx context.Context, endpoint string) error {
	// A bounded linger: replies still queued when the broker stops are
	// given one heartbeat interval.
	sock, err := zmq.NewSocket(zmq.Router, zmq.Linger(b.heartbeat))
	if err != nil {
		return err
	}
	defer sock.Close()
	if err := sock.Bind(endpoint); err != nil {
		return err
	}
	b.sock = sock
	log.Printf("I: MDP broker/0.2.0 is active at %s", endpoint)

	heartbeatAt := time.Now().Add(b.heartbeat)
	for {
		wait, cancel := context.WithDeadline(ctx, heartbeatAt)
		m, err := sock.Recv(wait)
		cancel()
		switch {
		case err == nil:
			if err := b.handle(ctx, m.Frames); err != nil {
				return err
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		if now := time.Now(); !now.Before(heartbeatAt) {
			b.purge(now)
			for _, w := range b.waiting {
				if err := b.send(ctx, w, mdp.Heartbeat); err != nil {
					return err
				}
			}
			heartbeatAt = now.Add(b.heartbeat)
		}
	}
}

// handle routes one message: [sender, "", header, ...].
func (b *broker) handle(ctx context.Context, frames [][]byte) error {
	b.logf("I: received message:\n%s", mdp.Dump(frames))
	if len(frames) >= 3 && len(frames[1]) == 0 {
		sender, header, rest := frames[0], string(frames[2]), frames[3:]
		switch {
		case header == mdp.ClientHeader && len(rest) >= 2:
			return b.client(ctx, sender, string(rest[0]), rest[1:])
		case header == mdp.WorkerHeader && len(rest) >= 1:
			return b.worker(ctx, sender, rest)
		}
	}
	log.Printf("E: invalid message:\n%s", mdp.Dump(frames))
	return nil
}

// client handles a request for service from client.
func (b *broker) client(ctx context.Context, client []byte, name string, body [][]byte) error {
	if strings.HasPrefix(name, "mmi.") {
		code := "501"
		if name == "mmi.service" {
			code = "404"
			if s := b.services[string(body[len(body)-1])]; s != nil && s.workers > 0 {
				code = "200"
			}
		}
		reply := append([][]byte{client, nil, []byte(mdp.ClientHeader), []byte(name)}, body[:len(body)-1]...)
		return b.sock.Send(ctx, zmq.NewMsg(append(reply, []byte(code))...))
	}
	s := b.service(name)
	s.requests = append(s.requests, append([][]byte{client, nil}, body...))
	return b.dispatch(ctx, s)
}

// worker handles a command from the worker at id.
func (b *broker) worker(ctx context.Context, id []byte, frames [][]byte) error {
	w := b.workers[string(id)]
	cmd, _ := mdp.ParseCommand(frames[0])
	switch {
	case cmd == mdp.Ready && w == nil && len(frames) == 2 && !bytes.HasPrefix(frames[1], []byte("mmi.")):
		id = bytes.Clone(id) // not to hold the receive buffer
		w = &worker{id: id, name: strings.ToUpper(hex.EncodeToString(id)), service: b.service(string(frames[1]))}
		b.workers[string(id)] = w
		w.service.workers++
		b.logf("I: registering new worker: %s", w.name)
		return b.ready(ctx, w)
	case cmd == mdp.Reply && w != nil && !w.idle && len(frames) >= 3 && len(frames[2]) == 0:
		reply := append([][]byte{frames[1], nil, []byte(mdp.ClientHeader), []byte(w.service.name)}, frames[3:]...)
		if err := b.sock.Send(ctx, zmq.NewMsg(reply...)); err != nil {
			return err
		}
		return b.ready(ctx, w)
	case cmd == mdp.Heartbeat && w != nil:
		w.expiry = time.Now().Add(b.expiry)
	case cmd == mdp.Disconnect:
		if w != nil {
			b.delete(w)
		}
	case cmd != 0:
		// A valid command out of turn (a second READY, a REPLY from an
		// idle or unknown worker, ...) ends the worker's session.
		msg := [][]byte{id, nil, []byte(mdp.WorkerHeader), mdp.Disconnect.Frame()}
		b.logf("I: sending DISCONNECT to worker\n%s", mdp.Dump(msg))
		if w != nil {
			b.delete(w)
		}
		return b.sock.Send(ctx, zmq.NewMsg(msg...))
	default:
		log.Printf("E: invalid input message:\n%s", mdp.Dump(frames))
	}
	return nil
}

// service returns the service of that name, made on first use.
func (b *broker) service(name string) *service {
	s := b.services[name]
	if s == nil {
		s = &service{name: name}
		b.services[name] = s
		b.logf("I: added service: %s", name)
	}
	return s
}

// ready makes a worker idle and gives it work if some is waiting.
func (b *broker) ready(ctx context.Context, w *worker) error {
	w.idle = true
	w.expiry = time.Now().Add(b.expiry)
	b.waiting = append(b.waiting, w)
	w.service.waiting = append(w.service.waiting, w)
	return b.dispatch(ctx, w.service)
}

// dispatch gives the service's waiting requests to its idle workers, the
// longest waiting first, after deleting the expired ones.
func (b *broker) dispatch(ctx context.Context, s *service) error {
	b.purge(time.Now())
	for len(s.waiting) > 0 && len(s.requests) > 0 {
		w, request := s.waiting[0], s.requests[0]
		s.waiting, s.requests = s.waiting[1:], s.requests[1:]
		b.waiting = slices.DeleteFunc(b.waiting, func(x *worker) bool { return x == w })
		w.idle = false
		if err := b.send(ctx, w, mdp.Request, request...); err != nil {
			return err
		}
	}
	return nil
}

// purge deletes the idle workers that have not been heard of in time.
func (b *broker) purge(now time.Time) {
	for _, w := range slices.Clone(b.waiting) {
		if now.Before(w.expiry) {
			continue
		}
		b.logf("I: deleting expired worker: %s", w.name)
		b.delete(w)
	}
}

// delete forgets a worker.
func (b *broker) delete(w *worker) {
	is := func(x *worker) bool { return x == w }
	b.waiting = slices.DeleteFunc(b.waiting, is)
	w.service.waiting = slices.DeleteFunc(w.service.waiting, is)
	w.service.workers--
	delete(b.workers, string(w.id))
}

// send sends a command to a worker.
func (b *broker) send(ctx context.Context, w *worker, cmd mdp.Command, frames ...[]byte) error {
	msg := append([][]byte{w.id, nil, []byte(mdp.WorkerHeader), cmd.Frame()}, frames...)
	b.logf("I: sending %v to worker\n%s", cmd, mdp.Dump(msg))
	return b.sock.Send(ctx, zmq.NewMsg(msg...))
}

func (b *broker) logf(format string, args ...any) {
	if b.verbose != nil {
		b.verbose.Printf(format, args...)
	}
}
