// Command ceiling measures the loopback limit under any ZeroMQ's
// throughput over tcp or ipc on this machine: frames with ZMTP's headers (2
// bytes up to 255 bytes of body, 9 above) stream through a 64 KiB buffered
// writer into a 64 KiB buffered reader over one connection within one
// process, and no ZeroMQ is involved. It prints what local_thr prints.
//
//	ceiling tcp|unix <message-size> <message-count>
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

const bufSize = 64 << 10

func main() {
	if len(os.Args) != 4 || (os.Args[1] != "tcp" && os.Args[1] != "unix") {
		fmt.Fprintln(os.Stderr, "usage: ceiling tcp|unix <message-size> <message-count>")
		os.Exit(1)
	}
	network, size, count := os.Args[1], positive(os.Args[2]), positive(os.Args[3])
	addr := "127.0.0.1:0"
	if network == "unix" {
		dir, err := os.MkdirTemp("", "ceiling")
		check(err)
		defer os.RemoveAll(dir)
		addr = filepath.Join(dir, "s")
	}
	ln, err := net.Listen(network, addr)
	check(err)
	defer ln.Close()

	sent := make(chan error, 1)
	go func() { sent <- send(network, ln.Addr().String(), size, count) }()
	conn, err := ln.Accept()
	check(err)
	defer conn.Close()
	elapsed, err := receive(conn, size, count)
	check(err)
	check(<-sent)

	thr := float64(count) / elapsed.Seconds()
	fmt.Printf("message size: %d [B]\nmessage count: %d\nmean throughput: %d [msg/s]\nmean throughput: %.3f [Mb/s]\n",
		size, count, int(thr), thr*float64(size)*8/1e6)
}

// header returns a frame's header for a body of size bytes.
func header(size int) []byte {
	if size <= 255 {
		return []byte{0, byte(size)}
	}
	return binary.BigEndian.AppendUint64([]byte{2}, uint64(size))
}

func send(network, addr string, size, count int) error {
	conn, err := net.Dial(network, addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, bufSize)
	h, body := header(size), make([]byte, size)
	for range count {
		w.Write(h)
		w.Write(body)
	}
	return w.Flush()
}

// receive reads count frames, timing them from the first, as local_thr
// does.
func receive(conn net.Conn, size, count int) (time.Duration, error) {
	r := bufio.NewReaderSize(conn, bufSize)
	body := make([]byte, size)
	hlen := len(header(size))
	h := make([]byte, hlen)
	var start time.Time
	for i := range count {
		if _, err := io.ReadFull(r, h); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(r, body); err != nil {
			return 0, err
		}
		if i == 0 {
			start = time.Now()
		}
	}
	return time.Since(start), nil
}

func positive(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "ceiling: not a positive number: %q\n", s)
		os.Exit(1)
	}
	return v
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}
