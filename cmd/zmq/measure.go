package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// setupTimeout bounds the wait for the first message of a measurement:
// the time its sockets take to connect.
const setupTimeout = 10 * time.Second

// A meter is what a running measurement has done so far, for the progress
// display: count messages (or round trips) since start.
type meter struct {
	start atomic.Int64 // time.Time.UnixNano; 0 until timing starts
	count atomic.Int64
}

// since returns the count and the time it took, zero before timing starts.
func (m *meter) since() (int64, time.Duration) {
	start := m.start.Load()
	if start == 0 {
		return 0, 0
	}
	return m.count.Load(), time.Duration(time.Now().UnixNano() - start)
}

// pair opens the two sockets of a measurement in a context of their own,
// the first bound to an endpoint of transport tr, the second connected to
// it. Their high-water marks hold at most queueBytes of messages of size
// bytes. The returned function ends both.
func pair(tr string, size int, bindType, connectType zmq.Type) (bound, connected *zmq.Socket, end func(), err error) {
	hwm := 1000 // libzmq's default
	if size > 0 {
		hwm = min(max(queueBytes/size, 1), hwm)
	}
	opts := []zmq.Option{zmq.Linger(0), zmq.SendHWM(hwm), zmq.RecvHWM(hwm)}
	zctx := zmq.NewContext()
	end = func() { zctx.Term() }
	defer func() {
		if err != nil {
			end()
		}
	}()
	if bound, err = zctx.NewSocket(bindType, opts...); err != nil {
		return
	}
	if connected, err = zctx.NewSocket(connectType, opts...); err != nil {
		return
	}
	ep := map[string]string{"inproc": "inproc://zmq-bench", "ipc": "ipc://*", "tcp": "tcp://127.0.0.1:*"}[tr]
	if err = bound.Bind(ep); err != nil {
		return
	}
	err = connected.Connect(bound.LastEndpoint())
	return
}

// throughput measures, for about d, how many messages of size bytes a
// PUSH socket passes to a PULL socket over transport tr each second. The
// clock starts at the first message, once the sockets are connected.
func throughput(ctx context.Context, tr string, size int, d time.Duration, m *meter) (float64, error) {
	pull, push, end, err := pair(tr, size, zmq.Pull, zmq.Push)
	if err != nil {
		return 0, err
	}
	defer end()
	run, cancel := context.WithTimeout(ctx, d+setupTimeout)
	defer cancel()

	var stop atomic.Bool
	sent := make(chan error, 1)
	go func() {
		msg := zmq.NewMsg(make([]byte, size)) // Send leaves it as it is: one for all
		for !stop.Load() {
			if err := push.Send(run, msg); err != nil {
				if stop.Load() {
					err = nil
				}
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	finish := func(err error) error {
		stop.Store(true)
		cancel()
		if serr := <-sent; err == nil && serr != nil {
			err = fmt.Errorf("send: %w", serr)
		}
		return err
	}

	var msg zmq.Msg
	defer msg.Release()
	if err := pull.RecvMsg(run, &msg); err != nil {
		return 0, finish(recvError(ctx, err))
	}
	if len(msg.Frames) != 1 || len(msg.Frames[0]) != size {
		return 0, finish(fmt.Errorf("received %d frames of %d bytes, want 1 of %d", len(msg.Frames), len(msg.Bytes()), size))
	}
	start := time.Now()
	m.start.Store(start.UnixNano())
	deadline := start.Add(d)
	var n int64
	for {
		if err := pull.RecvMsg(run, &msg); err != nil {
			return 0, finish(recvError(ctx, err))
		}
		n++
		m.count.Store(n)
		if now := time.Now(); now.After(deadline) {
			return float64(n) / now.Sub(start).Seconds(), finish(nil)
		}
	}
}

// latency measures, for about d, the mean time a message of size bytes
// takes from a REQ socket to a REP socket over transport tr, as libzmq's
// perf tools report it: half a round trip.
func latency(ctx context.Context, tr string, size int, d time.Duration, m *meter) (time.Duration, error) {
	rep, req, end, err := pair(tr, size, zmq.Rep, zmq.Req)
	if err != nil {
		return 0, err
	}
	defer end()
	run, cancel := context.WithTimeout(ctx, d+setupTimeout)
	defer cancel()

	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		var msg zmq.Msg
		defer msg.Release()
		for rep.RecvMsg(run, &msg) == nil && rep.Send(run, msg) == nil {
		}
	}()
	finish := func(err error) error {
		cancel()
		<-echoed // it ends with the context
		return err
	}

	msg := zmq.NewMsg(make([]byte, size))
	var reply zmq.Msg
	defer reply.Release()
	roundTrip := func() error {
		if err := req.Send(run, msg); err != nil {
			return recvError(ctx, err)
		}
		return recvError(ctx, req.RecvMsg(run, &reply))
	}
	if err := roundTrip(); err != nil { // connects
		return 0, finish(err)
	}
	start := time.Now()
	m.start.Store(start.UnixNano())
	deadline := start.Add(d)
	var n int64
	for {
		if err := roundTrip(); err != nil {
			return 0, finish(err)
		}
		n++
		m.count.Store(n)
		if now := time.Now(); now.After(deadline) {
			return now.Sub(start) / time.Duration(2*n), finish(nil)
		}
	}
}

// recvError says what a failed call of a measurement means: an interrupt,
// a peer that never answered, or the socket's error.
func recvError(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return errInterrupted
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("no message came through (timed out)")
	}
	return err
}

var errInterrupted = errors.New("interrupted")
