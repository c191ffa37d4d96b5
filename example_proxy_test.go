package zmq_test

import (
	"context"
	"fmt"

	zmq "github.com/zmq-go/zmq"
)

// A QUEUE device shares the requests of REQ clients among REP workers and
// routes each reply back to its client.
func ExampleDevice() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frontend, _ := zmq.NewSocket(zmq.Router)
	defer frontend.Close()
	frontend.Bind("inproc://clients")
	backend, _ := zmq.NewSocket(zmq.Dealer)
	defer backend.Close()
	backend.Bind("inproc://workers")
	go zmq.Device(ctx, zmq.Queue, frontend, backend)

	worker, _ := zmq.NewSocket(zmq.Rep)
	defer worker.Close()
	worker.Connect("inproc://workers")
	go func() {
		for {
			req, err := worker.Recv(ctx)
			if err != nil {
				return
			}
			worker.Send(ctx, zmq.NewMsgString("World from "+string(req.Frames[0])))
		}
	}()

	client, _ := zmq.NewSocket(zmq.Req)
	defer client.Close()
	client.Connect("inproc://clients")
	client.Send(ctx, zmq.NewMsgString("client-1"))
	reply, _ := client.Recv(ctx)
	fmt.Println(reply)
	// Output: ["World from client-1"]
}

// A proxy steered from Go: paused, resumed, asked what went through it,
// and terminated.
func ExampleSteerableProxy() {
	ctx := context.Background()
	in, _ := zmq.NewSocket(zmq.Pull)
	defer in.Close()
	in.Bind("inproc://in")
	out, _ := zmq.NewSocket(zmq.Push)
	defer out.Close()
	out.Bind("inproc://out")
	proxy := zmq.NewSteerableProxy(in, out, nil)
	done := make(chan error)
	go func() { done <- proxy.Run(ctx) }()

	src, _ := zmq.NewSocket(zmq.Push)
	defer src.Close()
	src.Connect("inproc://in")
	dst, _ := zmq.NewSocket(zmq.Pull)
	defer dst.Close()
	dst.Connect("inproc://out")

	src.Send(ctx, zmq.NewMsgString("one", "two"))
	m, _ := dst.Recv(ctx)
	fmt.Println(m)
	st := proxy.Stats()
	fmt.Printf("frontend: %d in, %d bytes; backend: %d out\n", st.Frontend.MsgsIn, st.Frontend.BytesIn, st.Backend.MsgsOut)
	proxy.Terminate()
	fmt.Println(<-done)
	// Output:
	// ["one" "two"]
	// frontend: 1 in, 6 bytes; backend: 1 out
	// <nil>
}

// A poller waits on two sockets at once and reports the one with a
// message.
func ExamplePoller() {
	ctx := context.Background()
	jobs, _ := zmq.NewSocket(zmq.Pull)
	defer jobs.Close()
	jobs.Bind("inproc://jobs")
	control, _ := zmq.NewSocket(zmq.Sub, zmq.Subscribe(nil))
	defer control.Close()
	control.Bind("inproc://control")

	sender, _ := zmq.NewSocket(zmq.Push)
	defer sender.Close()
	sender.Connect("inproc://jobs")
	sender.Send(ctx, zmq.NewMsgString("job 1"))

	poller := zmq.NewPoller()
	defer poller.Close()
	poller.Add(jobs, zmq.PollIn)
	poller.Add(control, zmq.PollIn)
	ready, _ := poller.Wait(ctx)
	for _, p := range ready {
		m, _ := p.Socket.Recv(ctx)
		fmt.Println(p.Socket.Type(), p.Events, m)
	}
	// Output: PULL PollIn ["job 1"]
}
