package zmq_test

import (
	"testing"

	zmq "github.com/zmq-go/zmq"
)

func TestPushPullSmoke(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		push, pull := pushPull(t, tr)
		send(t, push, "hello", "world")
		expect(t, pull, "hello", "world")
	})
}

func TestReqRepSmoke(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		rep := newSock(t, zmq.Rep)
		ep := bound(t, rep, tr)
		req := newSock(t, zmq.Req)
		if err := req.Connect(ep); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			send(t, req, "ping")
			expect(t, rep, "ping")
			send(t, rep, "pong")
			expect(t, req, "pong")
		}
	})
}
