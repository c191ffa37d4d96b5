package zmq_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// A monitor reports what happens to a socket's connections.
func ExampleSocket_Monitor() {
	server, _ := zmq.NewSocket(zmq.Rep)
	defer server.Close()
	client, _ := zmq.NewSocket(zmq.Req)
	mon := client.Monitor(zmq.EventConnected | zmq.EventHandshakeSucceeded | zmq.EventMonitorStopped)

	server.Bind("tcp://127.0.0.1:*")
	client.Connect(server.LastEndpoint())
	fmt.Println((<-mon.Events()).Type)
	fmt.Println((<-mon.Events()).Type)
	client.Close()
	for ev := range mon.Events() { // ends when the monitor stops
		fmt.Println(ev.Type)
	}
	// Output:
	// CONNECTED
	// HANDSHAKE_SUCCEEDED
	// MONITOR_STOPPED
}

// Heartbeats detect a peer that stopped answering: the connection is
// closed, and a connecting socket reconnects. The monitor says why.
func ExampleHeartbeatInterval() {
	dealer, _ := zmq.NewSocket(zmq.Dealer,
		zmq.HeartbeatInterval(time.Second),  // a PING every second
		zmq.HeartbeatTimeout(3*time.Second), // closed after 3s of silence
		zmq.HeartbeatTTL(10*time.Second),    // the peer may close after 10s
	)
	defer dealer.Close()
	mon := dealer.Monitor(zmq.EventDisconnected)
	dealer.Connect("tcp://127.0.0.1:5555")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	select {
	case ev := <-mon.Events():
		var te *zmq.TimeoutError
		if errors.As(ev.Err, &te) {
			fmt.Println("peer went silent:", te)
		}
	case <-ctx.Done():
		fmt.Println("no disconnection yet")
	}
	// Output:
	// no disconnection yet
}

// Code ported from C reads libzmq's two-frame events from a PAIR socket.
func ExampleSocket_MonitorTo() {
	ctx := context.Background()
	s, _ := zmq.NewSocket(zmq.Pull)
	defer s.Close()
	s.MonitorTo("inproc://events", zmq.EventListening)

	events, _ := zmq.NewSocket(zmq.Pair)
	defer events.Close()
	events.Connect("inproc://events")

	s.Bind("tcp://127.0.0.1:*")
	m, _ := events.Recv(ctx)
	ev, _ := zmq.DecodeEvent(m)
	fmt.Println(ev.Type, ev.Endpoint == s.LastEndpoint())
	// Output:
	// LISTENING true
}
