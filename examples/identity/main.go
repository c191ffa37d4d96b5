// Identity is the identity check of the zguide (chapter 3, identity): a
// ROUTER socket at inproc://example receives a request from a REQ socket
// with no identity, for which the ROUTER makes one up, and one from a REQ
// socket that sets its identity to "PEER2". It prints each message as it
// arrives, frame by frame, with the frame's size: as text when the frame
// is printable, in hexadecimal when not.
//
//	go run ./examples/identity
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	zctx := zmq.NewContext() // inproc endpoints live in one context
	defer zctx.Term()

	sink, err := zctx.NewSocket(zmq.Router)
	if err != nil {
		return err
	}
	defer sink.Close()
	if err := sink.Bind("inproc://example"); err != nil {
		return err
	}

	// First let the ROUTER make up an identity, then set one ourselves.
	if err := request(ctx, zctx, sink, "ROUTER uses a generated 5 byte identity"); err != nil {
		return err
	}
	return request(ctx, zctx, sink, "ROUTER socket uses REQ's socket identity", zmq.RoutingID([]byte("PEER2")))
}

// request sends text from a new REQ socket, made with opts, and prints
// what the ROUTER sink receives.
func request(ctx context.Context, zctx *zmq.Context, sink *zmq.Socket, text string, opts ...zmq.Option) error {
	req, err := zctx.NewSocket(zmq.Req, opts...)
	if err != nil {
		return err
	}
	defer req.Close()
	if err := req.Connect("inproc://example"); err != nil {
		return err
	}
	if err := req.Send(ctx, zmq.NewMsgString(text)); err != nil {
		return err
	}
	m, err := sink.Recv(ctx)
	if err != nil {
		return err
	}
	fmt.Print(dump(m))
	return nil
}

// dump formats a message as the zguide's s_dump prints it: a line of
// dashes, then a line per frame with its size and its bytes.
func dump(m zmq.Msg) string {
	var sb strings.Builder
	sb.WriteString(strings.Repeat("-", 40) + "\n")
	for _, f := range m.Frames {
		fmt.Fprintf(&sb, "[%03d] ", len(f))
		if printable(f) {
			sb.Write(f)
		} else {
			fmt.Fprintf(&sb, "%X", f)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// printable tells whether every byte of b is printable ASCII.
func printable(b []byte) bool {
	for _, c := range b {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}
