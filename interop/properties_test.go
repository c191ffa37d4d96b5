package interop

import (
	"context"
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// ---- Message properties (zmq_msg_gets) against libzmq ----

// A libzmq PLAIN client with a routing id sends to our PLAIN ROUTER: each
// message reads what libzmq announced (Socket-Type, Routing-Id as
// "Identity" too), the user id our ZAP handler gave, and libzmq's address.
// The other way, libzmq's zmq_msg_gets reads our socket type and an "X-"
// property set with Metadata from our messages, over tcp and ipc.
func TestPropertiesInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			defer cancel()
			startZAPHandler(t, true)
			router := newOurs(t, zmq.Router, zmq.PlainServer(true), zmq.ZAPDomain("interop"), zmq.Metadata("X-Lang", "go"))
			dealer := newTheirs(t, zmq.Dealer)
			must(t, "libzmq: identity", dealer.SetIdentity("lz-dealer"))
			must(t, "libzmq: plain username", dealer.SetPlainUsername("admin"))
			must(t, "libzmq: plain password", dealer.SetPlainPassword("s3cret"))
			must(t, "libzmq: connect", dealer.Connect(bindOurs(t, router, tr)))

			sendTheirs(t, dealer, []byte("hello"))
			m, err := router.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Frames) != 2 || string(m.Frames[0]) != "lz-dealer" || string(m.Frames[1]) != "hello" {
				t.Fatalf("ours received %s", show(m.Frames))
			}
			for name, want := range map[string]string{
				zmq.PropSocketType:  "DEALER",
				zmq.PropRoutingID:   "lz-dealer",
				"Identity":          "lz-dealer",
				zmq.PropUserID:      "admin",
				zmq.PropPeerAddress: wantAddress(tr),
			} {
				if got, ok := m.Property(name); !ok || got != want {
					t.Errorf("ours: %s = %q (%v), want %q", name, got, ok, want)
				}
			}

			if err := router.Send(ctx, zmq.NewMsgString("lz-dealer", "world")); err != nil {
				t.Fatal(err)
			}
			body, md, err := dealer.RecvWithMetadata(0, "Socket-Type", "X-Lang", "Identity")
			if err != nil {
				t.Fatalf("libzmq: receive: %v", err)
			}
			want := map[string]string{"Socket-Type": "ROUTER", "X-Lang": "go", "Identity": ""}
			if body != "world" || fmt.Sprint(md) != fmt.Sprint(want) {
				t.Fatalf("libzmq received %q with properties %v, want %v", body, md, want)
			}
		})
	}
}
