package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
)

// danted is Dante's SOCKS5 server (Debian's dante-server), a proxy no one
// here wrote, run on loopback for the test: it lets clients from
// 127.0.0.0/8 connect within 127.0.0.0/8, except to port blocked.
type danted struct {
	addr string
}

func startDanted(t *testing.T, blocked int) danted {
	t.Helper()
	bin, err := exec.LookPath("danted")
	if err != nil {
		t.Fatalf("Dante's SOCKS server is missing (install dante-server, see scripts/deps.sh): %v", err)
	}
	// A port that was free a moment ago.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	must(t, "free port", err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	dir := t.TempDir()
	conf := fmt.Sprintf(`logoutput: stderr
internal: 127.0.0.1 port = %d
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
	from: 127.0.0.0/8 to: 0.0.0.0/0
}
socks block {
	from: 0.0.0.0/0 to: 127.0.0.1/32 port = %d
}
socks pass {
	from: 127.0.0.0/8 to: 127.0.0.0/8
	command: connect
}
`, port, blocked)
	confPath := filepath.Join(dir, "danted.conf")
	must(t, "danted.conf", os.WriteFile(confPath, []byte(conf), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	cmd := exec.CommandContext(ctx, bin, "-f", confPath, "-N", "1", "-p", filepath.Join(dir, "danted.pid"))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting danted: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("danted's log:\n%s", stderr.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(opTimeout)
	for {
		c, err := net.DialTimeout("tcp4", addr, opTimeout)
		if err == nil {
			c.Close()
			return danted{addr: addr}
		}
		select {
		case <-exited:
			t.Fatalf("danted exited: %s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("danted does not accept on %s: %v", addr, err)
		}
	}
}

// Our PUSH connects through Dante to a libzmq PULL: the ZMTP handshake and
// the messages pass through a SOCKS5 proxy no one here wrote.
func TestSocksThroughDante(t *testing.T) {
	checkLeaks(t)
	pull, err := zmq4.NewSocket(zmq4.PULL)
	must(t, "libzmq socket", err)
	defer pull.Close()
	pull.SetLinger(0)
	pull.SetRcvtimeo(opTimeout)
	must(t, "libzmq bind", pull.Bind("tcp://127.0.0.1:*"))
	ep, err := pull.GetLastEndpoint()
	must(t, "endpoint", err)

	proxy := startDanted(t, 9)
	push := newOurs(t, zmq.Push, zmq.SocksProxy(proxy.addr))
	must(t, "connect", push.Connect(ep))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for i := range 10 {
		must(t, "send", push.Send(ctx, zmq.NewMsgString("through Dante", strconv.Itoa(i))))
	}
	for i := range 10 {
		got, err := pull.RecvMessage(0)
		must(t, "libzmq recv", err)
		if len(got) != 2 || got[0] != "through Dante" || got[1] != strconv.Itoa(i) {
			t.Fatalf("libzmq received %q, want message %d", got, i)
		}
	}
}

// A destination Dante's rules forbid: each attempt ends with the proxy's
// reply, "not allowed by ruleset", as a SocksError the monitor reports,
// and the socket keeps trying.
func TestSocksDanteRefuses(t *testing.T) {
	checkLeaks(t)
	proxy := startDanted(t, 9)
	push := newOurs(t, zmq.Push, zmq.SocksProxy(proxy.addr))
	mon := push.Monitor(zmq.EventClosed)
	defer mon.Close()
	must(t, "connect", push.Connect("tcp://127.0.0.1:9"))
	timeout := time.After(opTimeout)
	for attempts := 0; attempts < 2; attempts++ {
		select {
		case ev := <-mon.Events():
			var se *zmq.SocksError
			if !errors.As(ev.Err, &se) || se.Reply != 2 {
				t.Fatalf("attempt %d: CLOSED with %v, want the proxy's reply 2", attempts, ev.Err)
			}
		case <-timeout:
			t.Fatalf("%d refused attempts in %v, want 2", attempts, opTimeout)
		}
	}
}

// lockedBuffer collects a process's output, written by the goroutines of
// os/exec while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
