package zmq_test

import (
	"context"
	"fmt"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A REQ client and a REP server.
func Example() {
	ctx := context.Background()
	rep, _ := zmq.NewSocket(zmq.Rep)
	defer rep.Close()
	rep.Bind("tcp://127.0.0.1:*")

	req, _ := zmq.NewSocket(zmq.Req)
	defer req.Close()
	req.Connect(rep.LastEndpoint())

	req.Send(ctx, zmq.NewMsgString("Hello"))
	request, _ := rep.Recv(ctx)
	fmt.Printf("server got %s\n", request.Frames[0])
	rep.Send(ctx, zmq.NewMsgString("World"))
	reply, _ := req.Recv(ctx)
	fmt.Printf("client got %s\n", reply.Frames[0])
	// Output:
	// server got Hello
	// client got World
}

// A subscriber receives the messages whose first frame starts with its
// subscription.
func ExampleSocket_Subscribe() {
	ctx := context.Background()
	pub, _ := zmq.NewSocket(zmq.XPub)
	defer pub.Close()
	pub.Bind("inproc://weather")

	sub, _ := zmq.NewSocket(zmq.Sub)
	defer sub.Close()
	sub.Subscribe([]byte("paris "))
	sub.Connect("inproc://weather")

	// An XPUB sees the subscription arrive, so nothing is published too early.
	s, _ := pub.Recv(ctx)
	fmt.Printf("subscription %q\n", s.Frames[0])

	pub.Send(ctx, zmq.NewMsgString("london 12"))
	pub.Send(ctx, zmq.NewMsgString("paris 17"))
	m, _ := sub.Recv(ctx)
	fmt.Println(string(m.Frames[0]))
	// Output:
	// subscription "\x01paris "
	// paris 17
}

// PUSH spreads work round-robin over the connected PULL workers.
func ExampleSocket_Send() {
	ctx := context.Background()
	push, _ := zmq.NewSocket(zmq.Push)
	defer push.Close()
	push.Bind("inproc://tasks")

	pull, _ := zmq.NewSocket(zmq.Pull)
	defer pull.Close()
	pull.Connect("inproc://tasks")

	push.Send(ctx, zmq.NewMsgString("task", "42"))
	m, _ := pull.Recv(ctx)
	fmt.Println(m)
	// Output: ["task" "42"]
}

// RecvMsg reuses one Msg, so a receive loop does not allocate; the frames
// of each message are valid until the next RecvMsg.
func ExampleSocket_RecvMsg() {
	ctx := context.Background()
	pull, _ := zmq.NewSocket(zmq.Pull)
	defer pull.Close()
	pull.Bind("inproc://stream")
	push, _ := zmq.NewSocket(zmq.Push)
	defer push.Close()
	push.Connect("inproc://stream")
	for i := 0; i < 3; i++ {
		push.Send(ctx, zmq.NewMsgString(fmt.Sprint("event ", i)))
	}

	var m zmq.Msg
	defer m.Release()
	total := 0
	for i := 0; i < 3; i++ {
		if err := pull.RecvMsg(ctx, &m); err != nil {
			break
		}
		total += len(m.Frames[0])
	}
	fmt.Println(total, "bytes")
	// Output: 21 bytes
}

// A ROUTER knows each peer by its routing id and answers by it.
func Example_router() {
	ctx := context.Background()
	router, _ := zmq.NewSocket(zmq.Router)
	defer router.Close()
	router.Bind("inproc://router")

	dealer, _ := zmq.NewSocket(zmq.Dealer, zmq.RoutingID([]byte("worker-1")))
	defer dealer.Close()
	dealer.Connect("inproc://router")

	dealer.Send(ctx, zmq.NewMsgString("ready"))
	m, _ := router.Recv(ctx)
	fmt.Println(m)
	router.Send(ctx, zmq.NewMsgString("worker-1", "job"))
	job, _ := dealer.Recv(ctx)
	fmt.Println(job)
	// Output:
	// ["worker-1" "ready"]
	// ["job"]
}

// Send and Recv honour a context's deadline; TrySend and TryRecv never block.
func ExampleSocket_TryRecv() {
	pull, _ := zmq.NewSocket(zmq.Pull)
	defer pull.Close()
	_, err := pull.TryRecv()
	fmt.Println(err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = pull.Recv(ctx)
	fmt.Println(err)
	// Output:
	// zmq: operation would block
	// context deadline exceeded
}

// Each received message tells what its connection's peer announced in the
// handshake: its socket type, its routing id and any "X-" property set with
// [zmq.Metadata], as zmq_msg_gets does in C.
func ExampleMsg_Property() {
	ctx := context.Background()
	router, _ := zmq.NewSocket(zmq.Router)
	defer router.Close()
	router.Bind("tcp://127.0.0.1:*")

	dealer, _ := zmq.NewSocket(zmq.Dealer, zmq.RoutingID([]byte("worker-7")), zmq.Metadata("X-Version", "2.1"))
	defer dealer.Close()
	dealer.Connect(router.LastEndpoint())
	dealer.Send(ctx, zmq.NewMsgString("ready"))

	m, _ := router.Recv(ctx)
	typ, _ := m.Property(zmq.PropSocketType)
	id, _ := m.Property(zmq.PropRoutingID)
	version, _ := m.Property("X-Version")
	addr, _ := m.Property(zmq.PropPeerAddress)
	fmt.Println(typ, id, version, addr)
	// Output: DEALER worker-7 2.1 127.0.0.1
}
