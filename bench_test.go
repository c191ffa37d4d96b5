package zmq_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// Socket-level micro-benchmarks. One op is one message (or one roundtrip),
// so ns/op is the cost per message and allocs/op the allocations per
// message, counted over every goroutine involved: the sender, the receiver
// and the connection's reader and writer.
//
//	go test -run '^$' -bench . -benchmem .

var benchTransports = []string{"inproc", "ipc", "tcp"}

var benchSizes = []int{16, 64, 1024, 64 << 10}

// benchTimeout bounds every benchmark: a lost wakeup fails it instead of
// hanging the run.
const benchTimeout = 2 * time.Minute

var benchSeq atomic.Int64

func benchSizeName(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// benchPairWith returns a bound socket of type bt and a socket of type ct
// connected to it over transport tr, with options bopts and copts, in a
// context of their own that is terminated when the benchmark ends.
func benchPairWith(b *testing.B, tr string, bt, ct zmq.Type, bopts, copts []zmq.Option) (bound, conn *zmq.Socket) {
	b.Helper()
	zctx := zmq.NewContext()
	b.Cleanup(func() { zctx.Term() })
	var err error
	bound, err = zctx.NewSocket(bt, append([]zmq.Option{zmq.Linger(0)}, bopts...)...)
	if err != nil {
		b.Fatal(err)
	}
	conn, err = zctx.NewSocket(ct, append([]zmq.Option{zmq.Linger(0)}, copts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn.Close()
		bound.Close()
	})
	var ep string
	switch tr {
	case "inproc":
		ep = fmt.Sprintf("inproc://bench-%d", benchSeq.Add(1))
	case "ipc":
		ep = "ipc://" + filepath.Join(b.TempDir(), "bench.ipc")
	default:
		ep = "tcp://127.0.0.1:*"
	}
	if err := bound.Bind(ep); err != nil {
		b.Fatal(err)
	}
	if err := conn.Connect(bound.LastEndpoint()); err != nil {
		b.Fatal(err)
	}
	return bound, conn
}

// BenchmarkPushPull streams messages from PUSH to PULL: one op is one
// message. The sender reuses one message over one body; the receiver uses
// the simple Recv or the release API (RecvMsg into one Msg).
func BenchmarkPushPull(b *testing.B) {
	for _, tr := range benchTransports {
		for _, size := range benchSizes {
			for _, api := range []string{"Recv", "RecvMsg"} {
				b.Run(tr+"/"+benchSizeName(size)+"/"+api, func(b *testing.B) {
					benchPushPull(b, tr, size, api == "RecvMsg")
				})
			}
		}
	}
}

// BenchmarkPushPullCurve is BenchmarkPushPull over CURVE: the PULL is the
// server, and every message is sealed by the PUSH's writer and opened by
// the PULL's reader.
func BenchmarkPushPullCurve(b *testing.B) {
	server, client := benchCurveOptions(b)
	for _, tr := range []string{"ipc", "tcp"} {
		for _, size := range benchSizes {
			b.Run(tr+"/"+benchSizeName(size)+"/RecvMsg", func(b *testing.B) {
				benchPushPullWith(b, tr, size, true, server, client)
			})
		}
	}
}

func benchPushPull(b *testing.B, tr string, size int, release bool) {
	benchPushPullWith(b, tr, size, release, nil, nil)
}

func benchPushPullWith(b *testing.B, tr string, size int, release bool, pullOpts, pushOpts []zmq.Option) {
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	pull, push := benchPairWith(b, tr, zmq.Pull, zmq.Push, pullOpts, pushOpts)
	msg := zmq.NewMsg(make([]byte, size))

	// The connection is up once a message has gone through.
	if err := push.Send(ctx, msg); err != nil {
		b.Fatal(err)
	}
	if _, err := pull.Recv(ctx); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if err := push.Send(ctx, msg); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	var m zmq.Msg
	for i := 0; i < b.N; i++ {
		var err error
		if release {
			err = pull.RecvMsg(ctx, &m)
		} else {
			m, err = pull.Recv(ctx)
		}
		if err != nil {
			b.Fatalf("recv %d of %d: %v", i, b.N, err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != size {
			b.Fatalf("received %d frames, %d bytes", len(m.Frames), len(m.Bytes()))
		}
	}
	b.StopTimer()
	m.Release()
	if err := <-sent; err != nil {
		b.Fatal("send: ", err)
	}
}

// BenchmarkReqRep measures REQ/REP roundtrips of 64 B: one op is one
// roundtrip, with both sides on the release API and the REP echoing the
// request it received.
func BenchmarkReqRep(b *testing.B) {
	for _, tr := range benchTransports {
		b.Run(tr+"/64B", func(b *testing.B) { benchReqRep(b, tr, 64) })
	}
}

// BenchmarkReqRepCurve is BenchmarkReqRep over CURVE, the REP the server:
// each side seals its message on its own goroutine.
func BenchmarkReqRepCurve(b *testing.B) {
	server, client := benchCurveOptions(b)
	for _, tr := range []string{"ipc", "tcp"} {
		b.Run(tr+"/64B", func(b *testing.B) { benchReqRepWith(b, tr, 64, server, client) })
	}
}

// benchCurveOptions returns the options of a CURVE server and of a client
// of it, with new keys.
func benchCurveOptions(b *testing.B) (server, client []zmq.Option) {
	pub, secret, err := zmq.NewCurveKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	cpub, csecret, err := zmq.NewCurveKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	return []zmq.Option{zmq.CurveServer(true), zmq.CurveSecret(secret)},
		[]zmq.Option{zmq.CurveServerKey(pub), zmq.CurvePublic(cpub), zmq.CurveSecret(csecret)}
}

func benchReqRep(b *testing.B, tr string, size int) {
	benchReqRepWith(b, tr, size, nil, nil)
}

func benchReqRepWith(b *testing.B, tr string, size int, repOpts, reqOpts []zmq.Option) {
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	rep, req := benchPairWith(b, tr, zmq.Rep, zmq.Req, repOpts, reqOpts)

	echoCtx, stopEcho := context.WithCancel(ctx)
	echoed := make(chan error, 1)
	go func() {
		var m zmq.Msg
		for {
			if err := rep.RecvMsg(echoCtx, &m); err != nil {
				if echoCtx.Err() != nil {
					err = nil
				}
				echoed <- err
				return
			}
			if err := rep.Send(echoCtx, m); err != nil {
				echoed <- err
				return
			}
		}
	}()

	msg := zmq.NewMsg(make([]byte, size))
	var m zmq.Msg
	roundtrip := func() {
		if err := req.Send(ctx, msg); err != nil {
			b.Fatal("send: ", err)
		}
		if err := req.RecvMsg(ctx, &m); err != nil {
			b.Fatal("recv: ", err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != size {
			b.Fatalf("received %d frames, %d bytes", len(m.Frames), len(m.Bytes()))
		}
	}
	roundtrip() // the connection is up

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		roundtrip()
	}
	b.StopTimer()
	m.Release()
	stopEcho()
	if err := <-echoed; err != nil {
		b.Fatal("echo: ", err)
	}
}
