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
	// The user id the handler answered with comes with every message.
	user, _ := req.Property(zmq.PropUserID)
	fmt.Printf("%s from %s\n", req.Frames[0], user)
	// Output: hello from admin
}

// A CURVE server proves itself with its long-term key pair, which its
// clients know it by, and asks the ZAP handler of its context about each
// client's long-term public key (the request's one credential, 32 bytes).
// Everything after the handshake is encrypted.
func ExampleCurveServer() {
	ctx := zmq.NewContext()
	defer ctx.Term()
	serverPublic, serverSecret, _ := zmq.NewCurveKeyPair()
	clientPublic, clientSecret, _ := zmq.NewCurveKeyPair()

	handler, _ := ctx.NewSocket(zmq.Rep)
	handler.Bind(zmq.ZAPEndpoint)
	go func() {
		for {
			req, err := handler.Recv(context.Background())
			if err != nil {
				return // the context was terminated
			}
			f := req.Frames
			status, user := "400", ""
			if string(f[5]) == "CURVE" && string(f[6]) == string(clientPublic[:]) {
				status, user = "200", "client"
			}
			handler.Send(context.Background(), zmq.NewMsg([]byte("1.0"), f[1], []byte(status), nil, []byte(user), nil))
		}
	}()

	server, _ := ctx.NewSocket(zmq.Rep, zmq.CurveServer(true), zmq.CurveSecret(serverSecret))
	server.Bind("tcp://127.0.0.1:*")
	client, _ := ctx.NewSocket(zmq.Req,
		zmq.CurveServerKey(serverPublic), zmq.CurvePublic(clientPublic), zmq.CurveSecret(clientSecret))
	client.Connect(server.LastEndpoint())

	client.Send(context.Background(), zmq.NewMsgString("hello"))
	req, _ := server.Recv(context.Background())
	fmt.Printf("%s\n", req.Frames[0])
	// Output: hello
}

// A CURVE client knows the server by its public key, and has a key pair of
// its own. With no ZAP handler bound, a CURVE server accepts any client, as
// libzmq's does: the traffic is encrypted, and only the client knows whom
// it talks to.
func ExampleCurveServerKey() {
	ctx := zmq.NewContext()
	defer ctx.Term()
	serverPublic, serverSecret, _ := zmq.NewCurveKeyPair()
	_, clientSecret, _ := zmq.NewCurveKeyPair()

	pull, _ := ctx.NewSocket(zmq.Pull, zmq.CurveServer(true), zmq.CurveSecret(serverSecret))
	pull.Bind("tcp://127.0.0.1:*")
	// Without CurvePublic, the client presents its secret key's public key.
	push, _ := ctx.NewSocket(zmq.Push, zmq.CurveServerKey(serverPublic), zmq.CurveSecret(clientSecret))
	push.Connect(pull.LastEndpoint())

	push.Send(context.Background(), zmq.NewMsgString("sealed"))
	m, _ := pull.Recv(context.Background())
	fmt.Printf("%s\n", m.Frames[0])
	// Output: sealed
}
