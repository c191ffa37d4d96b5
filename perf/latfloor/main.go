// Command latfloor measures the floor under any ZeroMQ's one-way latency
// on this machine: two processes ping-pong a message over one loopback tcp
// connection or unix socket, with no framing, each hop one blocking read
// and one write on the goroutine that waits. It prints what remote_lat
// prints: the round trips' time over twice their count.
//
//	latfloor tcp|unix <message-size> <roundtrip-count> [poll]
//
// It runs a copy of itself as the process that echoes.
//
// With "poll" (Linux), each side waits for bytes in poll(2) on the socket,
// as a receive of ours does on Linux (pollwait.go), while another goroutine
// of the process waits in Go's network poller, as a bound socket's accept
// loop does: the floor under that way of waiting. Each arrival then also
// wakes the thread that waits in the network poller, for nothing.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) == 6 && os.Args[1] == "-echo" {
		usePoll = os.Args[5] == "poll"
		startIdle()
		echo(os.Args[2], os.Args[3], positive(os.Args[4]))
		return
	}
	if (len(os.Args) != 4 && (len(os.Args) != 5 || os.Args[4] != "poll")) || (os.Args[1] != "tcp" && os.Args[1] != "unix") {
		fmt.Fprintln(os.Stderr, "usage: latfloor tcp|unix <message-size> <roundtrip-count> [poll]")
		os.Exit(1)
	}
	mode := "net"
	if len(os.Args) == 5 {
		mode, usePoll = "poll", true
		startIdle()
	}
	network, size, count := os.Args[1], positive(os.Args[2]), positive(os.Args[3])
	addr := "127.0.0.1:0"
	if network == "unix" {
		dir, err := os.MkdirTemp("", "latfloor")
		check(err)
		defer os.RemoveAll(dir)
		addr = filepath.Join(dir, "s")
	}
	ln, err := net.Listen(network, addr)
	check(err)
	defer ln.Close()
	self, err := os.Executable()
	check(err)
	peer := exec.Command(self, "-echo", network, ln.Addr().String(), strconv.Itoa(size), mode)
	peer.Stderr = os.Stderr
	check(peer.Start())
	conn, err := ln.Accept()
	check(err)

	msg := make([]byte, size)
	start := time.Now()
	for range count {
		_, err := conn.Write(msg)
		check(err)
		check(readFull(conn, msg))
	}
	elapsed := time.Since(start)
	conn.Close()
	check(peer.Wait())
	fmt.Printf("message size: %d [B]\nroundtrip count: %d\naverage latency: %.3f [us]\n",
		size, count, float64(elapsed.Nanoseconds())/1e3/float64(2*count))
}

// echo sends back every message of size bytes until the connection ends.
func echo(network, addr string, size int) {
	conn, err := net.Dial(network, addr)
	check(err)
	defer conn.Close()
	msg := make([]byte, size)
	for {
		if err := readFull(conn, msg); err != nil {
			return
		}
		if _, err := conn.Write(msg); err != nil {
			return
		}
	}
}

// usePoll makes readFull wait in poll(2).
var usePoll bool

// readFull reads len(msg) bytes, waiting in Go's network poller or, with
// usePoll, in poll(2).
func readFull(conn net.Conn, msg []byte) error {
	if usePoll {
		return pollReadFull(conn, msg)
	}
	_, err := io.ReadFull(conn, msg)
	return err
}

// startIdle starts a goroutine that waits in Go's network poller for the
// rest of the run: an accept on a listener nobody connects to.
func startIdle() {
	if !usePoll {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go ln.Accept()
}

func positive(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "latfloor: not a positive number: %q\n", s)
		os.Exit(1)
	}
	return v
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "latfloor:", err)
		os.Exit(1)
	}
}
