//go:build load

package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The swarm is a child process (this test binary started again with
// LOAD_SWARM set) that holds many raw ZMTP connections as DEALERs to one
// server, ours or libzmq's. It lives in a process of its own so that its
// memory and descriptors do not count in the server's, and so that one
// process never needs descriptors for both ends.
//
// It reads commands on its standard input and answers on its standard
// output:
//
//	(start)      connects and handshakes; prints "ready N"
//	send SIZE    every connection sends one message of SIZE bytes; "sent N"
//	close        closes everything and exits 0
//
// Any failure prints "error ..." and exits 1.

const (
	swarmEnv     = "LOAD_SWARM"   // the server's host:port
	swarmNEnv    = "LOAD_SWARM_N" // how many connections
	swarmWorkers = 32             // connections set up or written at once
	swarmIOLimit = time.Minute    // bounds every dial, handshake and write
)

// runSwarm is the child's main.
func runSwarm() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("error "+format+"\n", args...)
		return 1
	}
	addr := os.Getenv(swarmEnv)
	n, err := strconv.Atoi(os.Getenv(swarmNEnv))
	if err != nil || n <= 0 {
		return fail("bad %s", swarmNEnv)
	}
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	err = parallel(n, func(i int) error {
		c, err := net.DialTimeout("tcp", addr, swarmIOLimit)
		if err != nil {
			return err
		}
		conns[i] = c
		return handshake(c, "DEALER", "ROUTER", swarmIOLimit)
	})
	if err != nil {
		return fail("connecting: %v", err)
	}
	fmt.Printf("ready %d\n", n)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch {
		case len(f) == 2 && f[0] == "send":
			size, _ := strconv.Atoi(f[1])
			frame := appendFrame(nil, 0, make([]byte, size))
			err := parallel(n, func(i int) error {
				conns[i].SetWriteDeadline(time.Now().Add(swarmIOLimit))
				_, err := conns[i].Write(frame)
				return err
			})
			if err != nil {
				return fail("sending: %v", err)
			}
			fmt.Printf("sent %d\n", n)
		case len(f) == 1 && f[0] == "close":
			return 0
		default:
			return fail("unknown command %q", in.Text())
		}
	}
	return 0
}

// parallel runs f(0..n-1) on swarmWorkers goroutines and returns the first
// error.
func parallel(n int, f func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range swarmWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("connection %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// A swarm is the parent's handle on a swarm process.
type swarm struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	closed bool
}

// startSwarm starts a swarm of n connections to the tcp endpoint ep and
// waits (at most limit) until all of them completed their handshake.
func startSwarm(t *testing.T, ep string, n int, limit time.Duration) *swarm {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), swarmEnv+"="+strings.TrimPrefix(ep, "tcp://"), swarmNEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &swarm{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(s.close)
	s.expect("ready", limit)
	return s
}

// expect waits (at most limit) for a line starting with word.
func (s *swarm) expect(word string, limit time.Duration) {
	s.t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("swarm exited while waiting for %q", word)
			}
			if strings.HasPrefix(line, "error") {
				s.t.Fatalf("swarm: %s", line)
			}
			if strings.HasPrefix(line, word) {
				return
			}
		case <-timer.C:
			s.t.Fatalf("swarm: no %q within %v", word, limit)
		}
	}
}

// send makes every connection send one message of size bytes, and waits
// (at most limit) until the swarm has written them all.
func (s *swarm) send(size int, limit time.Duration) {
	s.t.Helper()
	fmt.Fprintf(s.stdin, "send %d\n", size)
	s.expect("sent", limit)
}

// close closes all the swarm's connections and waits for it to exit.
func (s *swarm) close() {
	if s.closed {
		return
	}
	s.closed = true
	fmt.Fprintln(s.stdin, "close")
	s.stdin.Close()
	if err := s.cmd.Wait(); err != nil {
		s.t.Errorf("swarm: %v", err)
	}
}
