package zmq_test

import (
	"context"
	"fmt"

	zmq "github.com/zmq-go/zmq"
)

// A PLAIN server checks each client's user name and password with the ZAP
// handler of its context: any socket bound at [zmq.ZAPEndpoint] that
// answers RFC 27's requests, as it would for libzmq.
func ExamplePlainServer() {
	ctx := zmq.NewContext()
	defer ctx.Term()

	// The ZAP handler: a REP socket receives each request without its
	// delimiter (version, request id, domain, address, routing id,
	// mechanism, then PLAIN's user name and password) and answers with a
	// status code.
	handler, _ := ctx.NewSocket(zmq.Rep)
	handler.Bind(zmq.ZAPEndpoint)
	go func() {
		for {
			req, err := handler.Recv(context.Background())
			if err != nil {
				return // the context was terminated
			}
			f := req.Frames
			status := "400"
			if string(f[5]) == "PLAIN" && string(f[6]) == "admin" && string(f[7]) == "s3cret" {
				status = "200"
			}
			handler.Send(context.Background(), zmq.NewMsg([]byte("1.0"), f[1], []byte(status), nil, f[6], nil))
		}
	}()

	server, _ := ctx.NewSocket(zmq.Rep, zmq.PlainServer(true))
	server.Bind("tcp://127.0.0.1:*")
	client, _ := ctx.NewSocket(zmq.Req, zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret"))
	client.Connect(server.LastEndpoint())

	client.Send(context.Background(), zmq.NewMsgString("hello"))
	req, _ := server.Recv(context.Background())
	fmt.Printf("%s\n", req.Frames[0])
	// Output: hello
}
