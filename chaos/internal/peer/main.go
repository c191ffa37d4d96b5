//go:build chaos

// Command peer is the other process of the chaos tests: one socket of the
// library in a role (push, pull, rep, sub), that the tests kill, stop,
// restart and cut off from the network. It talks in lines:
//
// On stdout:
//
//	ready ENDPOINT UNIXNANO             the socket is bound (the endpoint resolved) or connecting
//	ev UNIXNANO TYPE KIND ENDPOINT ERR  a monitor event (with -events); KIND is the cause's
//	                                    type: none, timeout, protocol, auth or net
//	m UNIXNANO PROD SEQ FRAMES STATUS   a message received (pull, sub, rep); STATUS is ok or
//	                                    bad:WHY (see package seqmsg)
//	s SEQ                               message SEQ was sent (push: Send returned nil)
//	r SEQ                               the reply to request SEQ was sent (rep)
//	done SEQ                            streaming stopped; SEQ was the last message sent
//
// On stdin (push):
//
//	send N SIZE FRAMES    send N messages of FRAMES frames of SIZE payload bytes
//	stream RATE SIZE FRAMES
//	                      send RATE messages a second until stop
//	stop                  stop streaming, print done
//
// End of input closes the socket (with -linger) and exits.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/chaos/internal/seqmsg"
)

var (
	role       = flag.String("role", "", "push, pull, rep or sub")
	bind       = flag.String("bind", "", "endpoint to bind")
	connect    = flag.String("connect", "", "endpoint to connect to")
	prodID     = flag.Uint("id", 1, "producer id of the messages sent")
	sndHWM     = flag.Int("sndhwm", 1000, "SendHWM")
	rcvHWM     = flag.Int("rcvhwm", 1000, "RecvHWM")
	hbIvl      = flag.Duration("hb-ivl", 0, "HeartbeatInterval")
	hbTimeout  = flag.Duration("hb-timeout", -1, "HeartbeatTimeout")
	reconnect  = flag.Duration("reconnect-ivl", 100*time.Millisecond, "ReconnectInterval")
	connTmo    = flag.Duration("connect-timeout", 0, "ConnectTimeout")
	maxMsgSize = flag.Int64("maxmsgsize", -1, "MaxMsgSize")
	linger     = flag.Duration("linger", time.Second, "Linger")
	events     = flag.Bool("events", false, "print monitor events")
	delaySeq   = flag.Uint64("delay-seq", 0, "rep: delay the reply to this request")
	delay      = flag.Duration("delay", 0, "rep: by this much")
	hangSeq    = flag.Uint64("hang-seq", 0, "rep: never reply to this request")
)

// out is stdout, shared by the goroutines that print. A ticker flushes it,
// and lines that matter at once (events, ready, done) flush it themselves.
type output struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *output) print(flush bool, format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format+"\n", args...)
	if flush {
		o.w.Flush()
	}
}

func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.w.Flush()
}

var out = &output{w: bufio.NewWriter(os.Stdout)}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		out.flush()
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	out.flush()
}

func run() error {
	types := map[string]zmq.Type{"push": zmq.Push, "pull": zmq.Pull, "rep": zmq.Rep, "sub": zmq.Sub}
	typ, ok := types[*role]
	if !ok {
		return fmt.Errorf("unknown role %q", *role)
	}
	opts := []zmq.Option{
		zmq.SendHWM(*sndHWM), zmq.RecvHWM(*rcvHWM), zmq.Linger(*linger),
		zmq.HeartbeatInterval(*hbIvl), zmq.HeartbeatTimeout(*hbTimeout),
		zmq.ReconnectInterval(*reconnect), zmq.ConnectTimeout(*connTmo),
		zmq.MaxMsgSize(*maxMsgSize),
	}
	if typ == zmq.Sub {
		opts = append(opts, zmq.Subscribe(nil))
	}
	s, err := zmq.NewSocket(typ, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	if *events {
		m := s.Monitor(zmq.EventAll &^ zmq.EventMonitorStopped)
		go printEvents(m)
	}
	go func() {
		for range time.Tick(2 * time.Millisecond) {
			out.flush()
		}
	}()
	switch {
	case *bind != "":
		if err := s.Bind(*bind); err != nil {
			return err
		}
		out.print(true, "ready %s %d", s.LastEndpoint(), time.Now().UnixNano())
	case *connect != "":
		if err := s.Connect(*connect); err != nil {
			return err
		}
		out.print(true, "ready %s %d", *connect, time.Now().UnixNano())
	default:
		return errors.New("neither -bind nor -connect")
	}
	switch typ {
	case zmq.Push:
		return pushCommands(s)
	case zmq.Rep:
		go exitAtEOF(s)
		return replyLoop(s)
	default:
		go exitAtEOF(s)
		return recvLoop(s)
	}
}

// exitAtEOF closes the socket when stdin ends, which ends the receive loop.
func exitAtEOF(s *zmq.Socket) {
	buf := make([]byte, 512)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			s.Close()
			return
		}
	}
}

func printEvents(m *zmq.Monitor) {
	for ev := range m.Events() {
		kind := "none"
		var te *zmq.TimeoutError
		var pe *zmq.ProtocolError
		var ae *zmq.AuthError
		switch {
		case ev.Err == nil:
		case errors.As(ev.Err, &te):
			kind = "timeout"
		case errors.As(ev.Err, &pe):
			kind = "protocol"
		case errors.As(ev.Err, &ae):
			kind = "auth"
		default:
			kind = "net"
		}
		msg := "-"
		if ev.Err != nil {
			msg = strings.ReplaceAll(ev.Err.Error(), "\n", " ")
		}
		out.print(true, "ev %d %s %s %s %s", time.Now().UnixNano(), ev.Type, kind, ev.Endpoint, msg)
	}
}

// recvLoop prints every message received until the socket is closed.
func recvLoop(s *zmq.Socket) error {
	var m zmq.Msg
	for {
		err := s.TryRecvMsg(&m)
		if errors.Is(err, zmq.ErrWouldBlock) {
			out.flush()
			err = s.RecvMsg(context.Background(), &m)
		}
		if err != nil {
			if errors.Is(err, zmq.ErrClosed) {
				return nil
			}
			return err
		}
		printMsg(m.Frames)
	}
}

func printMsg(frames [][]byte) {
	prod, seq, err := seqmsg.Check(frames)
	status := "ok"
	if err != nil {
		status = "bad:" + strings.ReplaceAll(err.Error(), " ", "_")
	}
	out.print(false, "m %d %d %d %d %s", time.Now().UnixNano(), prod, seq, len(frames), status)
}

// replyLoop echoes every request, as REP, after the delay the flags ask
// for.
func replyLoop(s *zmq.Socket) error {
	for {
		m, err := s.Recv(context.Background())
		if err != nil {
			if errors.Is(err, zmq.ErrClosed) {
				return nil
			}
			return err
		}
		printMsg(m.Frames)
		out.flush()
		_, seq, _ := seqmsg.Check(m.Frames)
		switch {
		case *hangSeq != 0 && seq == *hangSeq:
			out.flush()
			select {} // until killed
		case *delaySeq != 0 && seq == *delaySeq:
			time.Sleep(*delay) // the fault: a reply that comes late
		}
		if err := s.Send(context.Background(), m); err != nil {
			if errors.Is(err, zmq.ErrClosed) {
				return nil
			}
			return err
		}
		out.print(true, "r %d", seq)
	}
}

// pushCommands runs the commands read from stdin.
func pushCommands(s *zmq.Socket) error {
	p := &pusher{s: s}
	defer p.stopStream()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		args := make([]int, len(f)-1)
		for i, a := range f[1:] {
			n, err := strconv.Atoi(a)
			if err != nil {
				return fmt.Errorf("%q: %v", in.Text(), err)
			}
			args[i] = n
		}
		switch {
		case f[0] == "send" && len(args) == 3:
			p.stopStream()
			for i := 0; i < args[0]; i++ {
				if err := p.sendOne(context.Background(), args[1], args[2]); err != nil {
					return err
				}
			}
			out.flush()
		case f[0] == "stream" && len(args) == 3:
			p.startStream(args[0], args[1], args[2])
		case f[0] == "stop":
			p.stopStream()
			out.print(true, "done %d", p.last())
		default:
			return fmt.Errorf("unknown command %q", in.Text())
		}
	}
	return in.Err()
}

// A pusher sends numbered messages, on command or as a stream.
type pusher struct {
	s *zmq.Socket

	mu  sync.Mutex
	seq uint64 // the last message sent

	cancel context.CancelFunc // stops the stream; nil when none runs
	done   chan struct{}
}

func (p *pusher) last() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// sendOne sends the next message; only a send that succeeds uses up its
// seq.
func (p *pusher) sendOne(ctx context.Context, size, frames int) error {
	next := p.last() + 1
	if err := p.s.Send(ctx, zmq.NewMsg(seqmsg.Encode(uint32(*prodID), next, frames, size)...)); err != nil {
		return err
	}
	p.mu.Lock()
	p.seq = next
	p.mu.Unlock()
	out.print(false, "s %d", next)
	return nil
}

func (p *pusher) startStream(rate, size, frames int) {
	p.stopStream()
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		stream(ctx, rate, func() error { return p.sendOne(ctx, size, frames) })
	}()
}

// stopStream stops the stream, if any, and waits for it: a send it had
// under way is abandoned.
func (p *pusher) stopStream() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
}

// stream calls send rate times a second, in bursts every millisecond, until
// ctx is done or send fails. After a blocked send it does not catch up by
// more than 50 ms worth of messages.
func stream(ctx context.Context, rate int, send func() error) {
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var n int64
	slack := int64(rate/20 + 1)
	for {
		due := int64(time.Since(start).Seconds() * float64(rate))
		n = max(n, due-slack)
		for ; n < due; n++ {
			if err := send(); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
