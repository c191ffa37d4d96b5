package transport

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// listenBacklog returns the backlog of the listening TCP socket on port, as
// ss reports it: for a listening socket its Send-Q column is the backlog
// (sk_max_ack_backlog) and Recv-Q the connections waiting to be accepted.
func listenBacklog(t *testing.T, port int) int {
	t.Helper()
	ss, err := exec.LookPath("ss")
	if err != nil {
		t.Fatal("no ss (iproute2) to read the backlog with: scripts/deps.sh installs it")
	}
	out, err := exec.Command(ss, "-Hltn", "sport = :"+strconv.Itoa(port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 {
		t.Fatalf("ss shows %d listeners on port %d:\n%s", len(lines), port, out)
	}
	// State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
	fields := strings.Fields(lines[0])
	if len(fields) < 4 || fields[0] != "LISTEN" {
		t.Fatalf("unexpected ss output: %q", lines[0])
	}
	n, err := strconv.Atoi(fields[2])
	if err != nil {
		t.Fatalf("unexpected ss output: %q", lines[0])
	}
	return n
}

// The tcp listener gets the backlog asked for; 0 leaves Go's default,
// which is larger.
func TestListenTCPBacklog(t *testing.T) {
	for _, backlog := range []int{2, 7, 0} {
		ln, _, err := ListenTCP("127.0.0.1:*", Config{Backlog: backlog})
		if err != nil {
			t.Fatal(err)
		}
		got := listenBacklog(t, ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		if backlog == 0 {
			if got <= 7 {
				t.Errorf("default backlog is %d", got)
			}
		} else if got != backlog {
			t.Errorf("backlog %d: ss shows %d", backlog, got)
		}
	}
}

// An ipc listener with a backlog of 2 queues no more than 3 connections
// that nobody accepts (Linux admits one over the backlog); the next
// connect fails at once with EAGAIN. With the default backlog all get in.
func TestListenIPCBacklog(t *testing.T) {
	const backlog, tries = 2, 10
	for _, limited := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "s.ipc")
		n := 0
		if limited {
			n = backlog
		}
		ln, _, err := ListenIPCBacklog(path, n)
		if err != nil {
			t.Fatal(err)
		}
		var conns []net.Conn
		var derr error
		for len(conns) < tries {
			c, err := net.Dial("unix", path)
			if err != nil {
				derr = err
				break
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
		ln.Close()
		switch {
		case !limited && derr != nil:
			t.Errorf("default backlog: connection %d: %v", len(conns)+1, derr)
		case limited && !errors.Is(derr, syscall.EAGAIN):
			t.Errorf("backlog %d: %d connections queued, then %v; want EAGAIN", backlog, len(conns), derr)
		case limited && (len(conns) < backlog || len(conns) > backlog+1):
			t.Errorf("backlog %d: %d connections queued", backlog, len(conns))
		}
	}
}
