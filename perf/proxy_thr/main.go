// Command proxy_thr is libzmq's proxy throughput test: two publishers flood
// an XSUB/XPUB forwarder that passes everything on to one subscriber, all
// over inproc in one process, and the rate is measured at the subscriber.
//
//	proxy_thr <message-size> <message-count>
//
//	XPUB (publisher 1) --\
//	                      +--> XSUB  ->  XPUB --> SUB
//	XPUB (publisher 2) --/     forwarder
//
// As in libzmq's perf/proxy_thr.cpp, every socket has high-water marks of
// 10000, the publishers and the forwarder's XPUB use XPubNoDrop so that no
// message is lost, each publisher waits for the subscription to reach it
// before it sends, and the clock runs from the start of the publishers to
// the last message received. The publishers share message-count between
// them (libzmq's each offer message-count and the subscriber stops after
// message-count), so the subscriber receives exactly message-count messages.
// The output is local_thr's four lines, all printed at the end (libzmq's
// prints the first two at the start, which breaks `proxy_thr ... | grep -q`
// under pipefail: grep exits early and the last lines meet a closed pipe).
//
// The forwarder is a zmq.SteerableProxy, terminated at the end as libzmq's
// is through its control socket.
package main

import (
	"context"
	"errors"
	"sync"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/perf/internal/perfutil"
)

// hwm is libzmq's proxy_thr HWM, for every socket.
const hwm = 10000

var frontends = []string{"inproc://perf_pub1", "inproc://perf_pub2"}

const backend = "inproc://perf_backend"

func main() {
	args := perfutil.Args("proxy_thr", "<message-size> <message-count>", 2)
	defer perfutil.Profile()()
	size, count := perfutil.SizeCount(args[0], args[1])
	ctx := context.Background()
	zctx := zmq.NewContext()
	hwms := []zmq.Option{zmq.SendHWM(hwm), zmq.RecvHWM(hwm)}

	// The forwarder.
	front, err := zctx.NewSocket(zmq.XSub, hwms...)
	perfutil.Check("socket", err)
	for _, ep := range frontends {
		perfutil.Check("bind", front.Bind(ep))
	}
	back, err := zctx.NewSocket(zmq.XPub, append(hwms, zmq.XPubNoDrop(true))...)
	perfutil.Check("socket", err)
	perfutil.Check("bind", back.Bind(backend))
	proxy := zmq.NewSteerableProxy(front, back, nil)
	proxied := make(chan error, 1)
	go func() { proxied <- proxy.Run(ctx) }()

	// The subscriber.
	sub, err := zctx.NewSocket(zmq.Sub, append(hwms, zmq.Subscribe(nil))...)
	perfutil.Check("socket", err)
	perfutil.Check("connect", sub.Connect(backend))

	start := time.Now()
	var pubs sync.WaitGroup
	for i, ep := range frontends {
		n := count / len(frontends)
		if i < count%len(frontends) {
			n++
		}
		pubs.Add(1)
		go publish(ctx, &pubs, zctx, ep, size, n)
	}
	var m zmq.Msg
	for i := 0; i < count; i++ {
		perfutil.Check("recv", sub.RecvMsg(ctx, &m))
		perfutil.CheckSize(&m, size)
	}
	elapsed := time.Since(start)
	m.Release()
	perfutil.PrintThroughput(size, count, elapsed)

	perfutil.Check("close", sub.Close())
	pubs.Wait()
	proxy.Terminate()
	perfutil.Check("proxy", <-proxied)
	perfutil.Check("close", front.Close())
	perfutil.Check("close", back.Close())
	perfutil.Check("term", zctx.Term())
}

// publish connects an XPUB to the forwarder, waits until the subscription
// arrives, and sends n messages.
func publish(ctx context.Context, wg *sync.WaitGroup, zctx *zmq.Context, ep string, size, n int) {
	defer wg.Done()
	s, err := zctx.NewSocket(zmq.XPub, zmq.SendHWM(hwm), zmq.RecvHWM(hwm), zmq.XPubNoDrop(true))
	perfutil.Check("socket", err)
	perfutil.Check("connect", s.Connect(ep))
	var sub zmq.Msg
	perfutil.Check("recv", s.RecvMsg(ctx, &sub))
	if len(sub.Frames) != 1 || string(sub.Frames[0]) != "\x01" {
		perfutil.Die("recv", errors.New("publisher expected the subscription to everything, got "+sub.String()))
	}
	sub.Release()
	m := zmq.NewMsg(make([]byte, size))
	for i := 0; i < n; i++ {
		perfutil.Check("send", s.Send(ctx, m))
	}
	perfutil.Check("close", s.Close())
}
