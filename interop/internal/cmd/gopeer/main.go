// Command gopeer is a peer program for the interop heartbeat tests
// (health_test.go): a DEALER of this library in a process of its own, which
// the test can freeze with SIGSTOP while its libzmq peer watches.
//
// Usage: gopeer ENDPOINT
//
// It connects a DEALER to ENDPOINT, prints "ready", then reads commands
// from its standard input, one a line: "send TEXT" sends TEXT and prints
// "got REPLY" when the reply comes (within five seconds, or it exits 1).
// At the end of its input it closes the socket, prints "bye" and exits 0.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	if len(os.Args) != 2 {
		fail("usage: gopeer ENDPOINT")
	}
	s, err := zmq.NewSocket(zmq.Dealer, zmq.Linger(100*time.Millisecond), zmq.ReconnectInterval(10*time.Millisecond))
	if err != nil {
		fail("new DEALER: %v", err)
	}
	if err := s.Connect(os.Args[1]); err != nil {
		fail("connect: %v", err)
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		text, ok := strings.CutPrefix(in.Text(), "send ")
		if !ok {
			fail("unknown command %q", in.Text())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.Send(ctx, zmq.NewMsgString(text)); err != nil {
			fail("send %q: %v", text, err)
		}
		m, err := s.Recv(ctx)
		cancel()
		if err != nil {
			fail("no reply to %q: %v", text, err)
		}
		fmt.Printf("got %s\n", m.Frames[len(m.Frames)-1])
	}
	s.Close()
	fmt.Println("bye")
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gopeer: "+format+"\n", args...)
	os.Exit(1)
}
