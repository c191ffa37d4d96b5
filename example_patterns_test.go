package zmq_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// PAIR connects exactly two sockets, both ways: here, a worker goroutine
// signals the main one that it is done, as the zguide's mtrelay does.
func Example_pair() {
	ctx := context.Background()
	done, _ := zmq.NewSocket(zmq.Pair)
	defer done.Close()
	done.Bind("inproc://done")

	go func() {
		signal, _ := zmq.NewSocket(zmq.Pair)
		defer signal.Close()
		signal.Connect("inproc://done")
		signal.Send(ctx, zmq.NewMsgString("READY"))
	}()

	m, _ := done.Recv(ctx)
	fmt.Println(m)
	// Output: ["READY"]
}

// A PUB sends each message to the subscribers whose subscriptions match
// its first frame, and drops it for everyone else, subscribers that have
// not connected or subscribed yet included (the zguide's "slow joiner").
// This publisher repeats its updates until the subscriber has one.
func Example_pubSub() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub, _ := zmq.NewSocket(zmq.Pub)
	defer pub.Close()
	pub.Bind("tcp://127.0.0.1:*")

	sub, _ := zmq.NewSocket(zmq.Sub, zmq.Subscribe([]byte("paris ")))
	defer sub.Close()
	sub.Connect(pub.LastEndpoint())

	published := make(chan struct{})
	defer func() { cancel(); <-published }()
	go func() {
		defer close(published)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			pub.Send(ctx, zmq.NewMsgString("london 12"))
			pub.Send(ctx, zmq.NewMsgString("paris 17"))
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()

	m, _ := sub.Recv(ctx)
	fmt.Println(m)
	// Output: ["paris 17"]
}

// An XSUB subscribes by sending a message, and an XPUB receives the
// subscriptions: what a forwarder between publishers and subscribers
// passes upstream.
func Example_xsubXpub() {
	ctx := context.Background()
	xpub, _ := zmq.NewSocket(zmq.XPub)
	defer xpub.Close()
	xpub.Bind("inproc://feed")

	xsub, _ := zmq.NewSocket(zmq.XSub)
	defer xsub.Close()
	xsub.Connect("inproc://feed")
	xsub.Send(ctx, zmq.NewMsg([]byte("\x01news")))

	s, _ := xpub.Recv(ctx)
	fmt.Printf("%q\n", s.Frames[0])
	xpub.Send(ctx, zmq.NewMsgString("news", "ZeroMQ in pure Go"))
	xpub.Send(ctx, zmq.NewMsgString("sports", "not subscribed"))
	m, _ := xsub.Recv(ctx)
	fmt.Println(m)
	// Output:
	// "\x01news"
	// ["news" "ZeroMQ in pure Go"]
}

// A DEALER talks to a REP asynchronously: it may send several requests
// before reading a reply, and writes the empty delimiter frame a REQ
// would have written.
func Example_dealerRep() {
	ctx := context.Background()
	rep, _ := zmq.NewSocket(zmq.Rep)
	defer rep.Close()
	rep.Bind("inproc://echo")
	go func() {
		for {
			req, err := rep.Recv(ctx)
			if err != nil {
				return
			}
			rep.Send(ctx, zmq.NewMsgString("echo "+string(req.Frames[0])))
		}
	}()

	dealer, _ := zmq.NewSocket(zmq.Dealer)
	defer dealer.Close()
	dealer.Connect("inproc://echo")
	for _, r := range []string{"one", "two", "three"} {
		dealer.Send(ctx, zmq.NewMsgString("", r))
	}
	for range 3 {
		reply, _ := dealer.Recv(ctx)
		fmt.Println(reply)
	}
	// Output:
	// ["" "echo one"]
	// ["" "echo two"]
	// ["" "echo three"]
}

// A STREAM socket talks to peers that do not speak ZMTP, raw TCP clients
// here: each message is a routing id and data.
func Example_stream() {
	ctx := context.Background()
	server, _ := zmq.NewSocket(zmq.Stream)
	defer server.Close()
	server.Bind("tcp://127.0.0.1:*")
	addr := server.LastAddr().String()

	conn, _ := net.Dial("tcp", addr)
	defer conn.Close()
	conn.Write([]byte("ping\n"))

	for {
		m, _ := server.Recv(ctx)
		if len(m.Frames[1]) == 0 {
			continue // a connection's notification: empty data
		}
		fmt.Printf("server got %q\n", m.Frames[1])
		server.Send(ctx, zmq.NewMsg(m.Frames[0], []byte("pong\n")))
		break
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Printf("client got %q\n", line)
	// Output:
	// server got "ping\n"
	// client got "pong\n"
}

// Proxy forwards between two sockets, here a pipeline's PULL and PUSH
// (libzmq's STREAMER), and copies every message to a capture socket.
func ExampleProxy() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, _ := zmq.NewSocket(zmq.Pull)
	defer in.Close()
	in.Bind("inproc://in")
	out, _ := zmq.NewSocket(zmq.Push)
	defer out.Close()
	out.Bind("inproc://out")
	capture, _ := zmq.NewSocket(zmq.Push)
	defer capture.Close()
	capture.Bind("inproc://capture")
	go zmq.Proxy(ctx, in, out, capture)

	tap, _ := zmq.NewSocket(zmq.Pull)
	defer tap.Close()
	tap.Connect("inproc://capture")
	worker, _ := zmq.NewSocket(zmq.Pull)
	defer worker.Close()
	worker.Connect("inproc://out")
	source, _ := zmq.NewSocket(zmq.Push)
	defer source.Close()
	source.Connect("inproc://in")

	source.Send(ctx, zmq.NewMsgString("task 1"))
	job, _ := worker.Recv(ctx)
	seen, _ := tap.Recv(ctx)
	fmt.Println("worker:", job, "capture:", seen)
	// Output: worker: ["task 1"] capture: ["task 1"]
}
