package main

import (
	"bufio"
	"context"
	"fmt"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// ioFlags are the flags of send and recv.
type ioFlags struct {
	socketFlags
	n         int
	raw       bool
	sep       string
	timeout   time.Duration
	subscribe []string
}

func ioUsage(name, defType, does, examples string) string {
	return fmt.Sprintf(`Usage: zmq %[1]s [flags] ENDPOINT...

%[3]s

The socket (-type, default %[2]s) binds each ENDPOINT written @tcp://... and
connects to each written >tcp://... or with no prefix ('>' must be quoted in
a shell). Several endpoints may be given, or joined by commas.

Framing: by default each line of stdin is one message of one frame, and
each message received is printed on a line, its frames joined by a tab.
-sep STRING splits lines into frames at STRING and joins received frames
with it (Go escapes such as \t and \x01 are understood). -raw takes the
whole of stdin as one message and writes each message received as its bytes
alone, with no newline.

REQ and REP hold a dialogue, whichever of send and recv runs them: REQ sends
each line of stdin as a request and prints the reply; REP prints each
request and answers it with the next line of stdin. With -n, REQ stops after
n replies and REP after n requests answered.

At the end of stdin the socket is closed, waiting up to -linger for queued
messages to be delivered, and the command exits 0, or 1 if no peer ever
connected (then nothing was delivered). A PUB drops what it sends before
its subscribers have connected and subscribed.

Examples:

%[4]s`, name, defType, does, examples)
}

const sendExamples = `	seq 10 | zmq send tcp://localhost:5555                  # ten messages to a PULL
	zmq send -type pub -sep '|' @tcp://*:5556               # "topic|body" lines: two frames
	echo hello | zmq send -type req tcp://localhost:5557    # prints the reply
	zmq send -raw -type push tcp://localhost:5555 < photo.jpg
`

const recvExamples = `	zmq recv @tcp://*:5555                                  # PULL: print what arrives
	zmq recv -type sub -subscribe weather tcp://localhost:5556
	zmq recv -type rep @tcp://*:5557 < answers.txt          # answer each request with a line
	zmq recv -raw -n 1 tcp://localhost:5555 > photo.jpg
`

func runSend(e *env, args []string) error {
	usage := ioUsage("send", "push", "send reads messages from stdin and sends them on a ZeroMQ socket.", sendExamples)
	return e.runIO(args, true, "push", usage)
}

func runRecv(e *env, args []string) error {
	usage := ioUsage("recv", "pull", "recv receives messages on a ZeroMQ socket and writes them to stdout.", recvExamples)
	return e.runIO(args, false, "pull", usage)
}

// runIO runs send (sending is set) or recv.
func (e *env) runIO(args []string, sending bool, defType, usage string) error {
	var f ioFlags
	fs := newFlagSet(e.name)
	f.register(fs, defType)
	fs.IntVar(&f.n, "n", 0, "stop after `count` messages (0: no limit)")
	fs.BoolVar(&f.raw, "raw", false, "stdin whole is one message; received messages are written with no newline")
	fs.StringVar(&f.sep, "sep", "", "split lines into frames at `string`, and join received frames with it")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up (exit 1) after waiting `duration` to send or receive a message (0: wait forever)")
	fs.Func("subscribe", "SUB, XSUB: receive messages beginning with `prefix` (repeatable; a SUB with none receives everything)", func(s string) error {
		f.subscribe = append(f.subscribe, s)
		return nil
	})
	rest, err := e.parse(fs, usage, args)
	if err != nil {
		return err
	}
	t, err := f.socketType()
	if err != nil {
		return err
	}
	switch {
	case f.n < 0:
		return usagef("-n %d: the count cannot be negative", f.n)
	case f.timeout < 0:
		return usagef("-timeout %v cannot be negative", f.timeout)
	case len(f.subscribe) > 0 && t != zmq.Sub && t != zmq.XSub:
		return usagef("-subscribe applies to SUB and XSUB sockets, not %v", t)
	case sending && (t == zmq.Sub || t == zmq.Pull):
		return usagef("a %v socket cannot send: use zmq recv", t)
	case !sending && (t == zmq.Pub || t == zmq.Push):
		return usagef("a %v socket cannot receive: use zmq send", t)
	case len(rest) == 0:
		return usagef("no endpoint given")
	}
	sep, err := parseSep(f.sep)
	if err != nil {
		return err
	}
	eps, err := parseEndpoints(rest, false)
	if err != nil {
		return err
	}

	ctx, stop := signalContext()
	defer stop()
	s, err := e.open(&f.socketFlags, t, eps)
	if err != nil {
		return err
	}
	r := &ioRun{env: e, f: &f, fr: framing{raw: f.raw, sep: sep}, s: s, out: bufio.NewWriter(e.stdout)}
	err = r.subscribe(ctx, sending)
	if err == nil {
		switch {
		case t == zmq.Req:
			err = r.request(ctx)
		case t == zmq.Rep:
			err = r.reply(ctx)
		case sending:
			err = r.send(ctx)
		default:
			err = r.recv(ctx)
		}
	}
	stop() // a second signal kills the process while Close lingers
	s.close(err != nil)
	if err == nil && r.sent > 0 && !s.peered.Load() {
		// Nothing can have been delivered without a handshake.
		what := fmt.Sprintf("the %d messages sent were", r.sent)
		if r.sent == 1 {
			what = "the message sent was"
		}
		return fmt.Errorf("no peer connected within -linger %v: %s dropped", f.linger, what)
	}
	return err
}

// ioRun is one run of send or recv.
type ioRun struct {
	*env
	f    *ioFlags
	fr   framing
	s    *socket
	out  *bufio.Writer
	sent int // messages sent by send (not REQ or REP)
}

// subscribe sets up a SUB's or XSUB's subscriptions: -subscribe's, or
// everything for a SUB (or an XSUB that receives) given none.
func (r *ioRun) subscribe(ctx context.Context, sending bool) error {
	prefixes := r.f.subscribe
	switch t := r.s.Type(); {
	case t == zmq.Sub:
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			if err := r.s.Subscribe([]byte(p)); err != nil {
				return err
			}
		}
	case t == zmq.XSub:
		if len(prefixes) == 0 && !sending {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			// XSUB subscribes with a message: 1, then the prefix.
			if err := r.sendMsg(ctx, append([]byte{1}, p...)); err != nil {
				return err
			}
		}
	}
	return nil
}

// send sends what stdin holds, up to -n messages.
func (r *ioRun) send(ctx context.Context) error {
	in := r.fr.feed(r.stdin)
	for r.f.n == 0 || r.sent < r.f.n {
		frames, ok, err := r.next(ctx, in)
		if !ok || err != nil {
			return err
		}
		if err := r.sendMsg(ctx, frames...); err != nil {
			return r.ended(ctx, err)
		}
		r.sent++
	}
	return nil
}

// recv prints what arrives, up to -n messages.
func (r *ioRun) recv(ctx context.Context) error {
	var m zmq.Msg
	defer m.Release()
	for got := 0; r.f.n == 0 || got < r.f.n; got++ {
		if err := r.recvMsg(ctx, &m); err != nil {
			return r.ended(ctx, err)
		}
		if err := r.fr.write(r.out, m); err != nil {
			return err
		}
	}
	return nil
}

// request runs REQ's side of the dialogue: a line out, a reply printed.
func (r *ioRun) request(ctx context.Context) error {
	in := r.fr.feed(r.stdin)
	var m zmq.Msg
	defer m.Release()
	for done := 0; r.f.n == 0 || done < r.f.n; done++ {
		frames, ok, err := r.next(ctx, in)
		if !ok || err != nil {
			return err
		}
		if err := r.sendMsg(ctx, frames...); err != nil {
			return r.ended(ctx, err)
		}
		if err := r.recvMsg(ctx, &m); err != nil {
			return r.ended(ctx, err)
		}
		if err := r.fr.write(r.out, m); err != nil {
			return err
		}
	}
	return nil
}

// reply runs REP's side of the dialogue: a request printed, a line back.
// It ends quietly when stdin has no answer left, even while it waits for
// a request.
func (r *ioRun) reply(ctx context.Context) error {
	in := r.fr.feed(r.stdin)
	var m zmq.Msg
	defer m.Release()
	for done := 0; r.f.n == 0 || done < r.f.n; done++ {
		wait, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-in.done:
				cancel()
			case <-wait.Done():
			}
		}()
		err := r.recvMsg(wait, &m)
		cancel()
		if err != nil {
			return r.ended(wait, err)
		}
		if err := r.fr.write(r.out, m); err != nil {
			return err
		}
		frames, ok, err := r.next(ctx, in)
		if !ok || err != nil {
			return err
		}
		if err := r.sendMsg(ctx, frames...); err != nil {
			return r.ended(ctx, err)
		}
	}
	return nil
}

// next returns the next message of stdin; ok is false at its end or when
// ctx ends (a signal).
func (r *ioRun) next(ctx context.Context, in feed) (frames [][]byte, ok bool, err error) {
	select {
	case <-ctx.Done():
		return nil, false, nil
	case x, ok := <-in.c:
		if !ok {
			return nil, false, nil
		}
		if x.err != nil {
			return nil, false, fmt.Errorf("reading stdin: %w", x.err)
		}
		return x.frames, true, nil
	}
}

// sendMsg sends one message, waiting at most -timeout.
func (r *ioRun) sendMsg(ctx context.Context, frames ...[]byte) error {
	op, cancel := opContext(ctx, r.f.timeout)
	defer cancel()
	err := r.s.Send(op, zmq.NewMsg(frames...))
	if timedOut(ctx, err) {
		return fmt.Errorf("timed out after %v waiting to send: no peer took the message", r.f.timeout)
	}
	return err
}

// recvMsg receives one message into m, waiting at most -timeout.
func (r *ioRun) recvMsg(ctx context.Context, m *zmq.Msg) error {
	op, cancel := opContext(ctx, r.f.timeout)
	defer cancel()
	err := r.s.RecvMsg(op, m)
	if timedOut(ctx, err) {
		what := "a message"
		switch r.s.Type() {
		case zmq.Req:
			what = "the reply"
		case zmq.Rep:
			what = "a request"
		}
		return fmt.Errorf("timed out after %v waiting for %s", r.f.timeout, what)
	}
	return err
}

// ended is the error a run ends with when a send or receive failed with
// err: none when a signal interrupted it.
func (r *ioRun) ended(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
