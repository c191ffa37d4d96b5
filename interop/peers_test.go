package interop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// The peer programs in testdata (peer.py for pyzmq, Peer.java for JeroMQ)
// play one fixed script per socket type; see peer.py for the protocol. A
// missing peer fails the test: scripts/deps.sh installs them.

const (
	// peerTimeout bounds a whole peer process.
	peerTimeout = 20 * time.Second
	// peerCount is the number of request/reply or push/pull rounds.
	peerCount = 3
	// dealerID is the routing id of the DEALER side, ours or the peer's.
	dealerID = "the-dealer"
)

// peerRoles are the peer's socket types; the Go side takes the other end.
var peerRoles = []string{"req", "rep", "push", "pull", "pub", "sub", "router", "dealer"}

// launcher starts a peer process with the given arguments.
type launcher func(t *testing.T, args ...string) *peerProc

func TestPyZMQPeers(t *testing.T) {
	checkLeaks(t)
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "peer.py"))
	must(t, "peer.py", err)
	runPeers(t, func(t *testing.T, args ...string) *peerProc {
		return startPeer(t, py, append([]string{script}, args...)...)
	})
}

// TestJeroMQPeers runs against Debian's JeroMQ (libjeromq-java), which
// in Debian 12 is 0.3.6, a port of libzmq 3.2 that greets with ZMTP 2.0
// (revision byte 0x01).
func TestJeroMQPeers(t *testing.T) {
	checkLeaks(t)
	runPeers(t, jeromq(t))
}

// jeromq compiles testdata/Peer.java against Debian's JeroMQ and returns
// the launcher of its peers.
func jeromq(t *testing.T) launcher {
	t.Helper()
	jars, _ := filepath.Glob("/usr/share/java/jeromq*.jar")
	if len(jars) == 0 {
		t.Fatal("JeroMQ is missing: no /usr/share/java/jeromq*.jar (install libjeromq-java, see scripts/deps.sh)")
	}
	if _, err := exec.LookPath("javac"); err != nil {
		t.Fatal("javac is missing (install default-jdk-headless, see scripts/deps.sh)")
	}
	classes := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*peerTimeout)
	defer cancel()
	javac := exec.CommandContext(ctx, "javac", "-cp", jars[0], "-d", classes, filepath.Join("testdata", "Peer.java"))
	if out, err := javac.CombinedOutput(); err != nil {
		t.Fatalf("javac Peer.java: %v\n%s", err, out)
	}
	cp := jars[0] + string(os.PathListSeparator) + classes
	return func(t *testing.T, args ...string) *peerProc {
		return startPeer(t, "java", append([]string{"-cp", cp, "Peer"}, args...)...)
	}
}

// runPeers plays every role against the peer, with the peer binding and
// with ours binding, over tcp on the loopback.
func runPeers(t *testing.T, launch launcher) {
	for _, role := range peerRoles {
		for _, peerBinds := range []bool{true, false} {
			binder := "ours-binds"
			if peerBinds {
				binder = "peer-binds"
			}
			t.Run(role+"/"+binder, func(t *testing.T) {
				checkLeaks(t)
				runPeer(t, launch, role, peerBinds)
			})
		}
	}
}

func runPeer(t *testing.T, launch launcher, role string, peerBinds bool) {
	typ, opts := map[string]zmq.Type{
		"req": zmq.Rep, "rep": zmq.Req, "push": zmq.Pull, "pull": zmq.Push,
		"pub": zmq.Sub, "sub": zmq.Pub, "router": zmq.Dealer, "dealer": zmq.Router,
	}[role], []zmq.Option(nil)
	switch role {
	case "router":
		opts = append(opts, zmq.RoutingID([]byte(dealerID)))
	case "pub":
		opts = append(opts, zmq.Subscribe([]byte("A")))
	}
	s := newOurs(t, typ, opts...)
	ours := ourEnd{s}
	n := fmt.Sprint(peerCount)
	var p *peerProc
	if peerBinds {
		p = launch(t, role, "tcp://127.0.0.1:*", "bind", n)
		ours.connect(t, strings.TrimPrefix(p.line(t, "endpoint "), "endpoint "))
	} else {
		p = launch(t, role, bindOurs(t, s, "tcp"), "connect", n)
	}
	id := []byte(dealerID)
	for i := range peerCount {
		switch role {
		case "req":
			expect(t, ours, peerMsg("req", i)...)
			ours.send(t, peerMsg("rep", i)...)
		case "rep":
			ours.send(t, peerMsg("req", i)...)
			expect(t, ours, peerMsg("rep", i)...)
		case "push":
			expect(t, ours, peerMsg("push", i)...)
		case "pull":
			ours.send(t, peerMsg("push", i)...)
		case "dealer":
			expect(t, ours, append([][]byte{id}, peerMsg("dealer", i)...)...)
			ours.send(t, append([][]byte{id}, peerMsg("router", i)...)...)
		case "router":
			ours.send(t, peerMsg("dealer", i)...)
			expect(t, ours, peerMsg("router", i)...)
		}
	}
	sync := b("A", "sync")
	published := [][][]byte{b("B", "not for you"), {[]byte("A"), []byte("one"), {}, bigFrame(1)},
		b("", "empty topic"), b("AB", "two"), b("xA", "not for you"), b("A", "end")}
	switch role {
	case "pub": // ours SUB: confirm the first sync, then check the filtered stream
		expect(t, ours, sync...)
		if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
			t.Fatalf("telling the peer to publish: %v", err)
		}
		for _, k := range []int{1, 3, 5} {
			expectSkipping(t, ours, sync, published[k]...)
		}
	case "sub": // ours PUB: sync until the peer has seen a message
		eventually(t, opTimeout, "the peer SUB to receive a sync message", func() bool {
			ours.send(t, sync...)
			return p.lineWithin(t, "synced", 20*time.Millisecond)
		})
		for _, m := range published {
			ours.send(t, m...)
		}
	}
	p.finish(t, fmt.Sprintf("ok %s %d", role, peerCount))
}

// bigFrame is the 300-byte frame of round i, the same in every peer.
func bigFrame(i int) []byte {
	f := make([]byte, 300)
	for j := range f {
		f[j] = byte((i*7 + j) % 256)
	}
	return f
}

// peerMsg is the message tag sends in round i: a name, an empty frame and
// a 300-byte frame.
func peerMsg(tag string, i int) [][]byte {
	return [][]byte{[]byte(fmt.Sprintf("%s-%d", tag, i)), {}, bigFrame(i)}
}

// peerProc is a running peer program.
type peerProc struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	lines  chan string // its standard output, closed at EOF
	stderr bytes.Buffer
	waited bool
}

// startPeer starts name with args, killed after peerTimeout or at the end
// of the test.
func startPeer(t *testing.T, name string, args ...string) *peerProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	p := &peerProc{cmd: exec.CommandContext(ctx, name, args...), cancel: cancel, lines: make(chan string, 16)}
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = time.Second
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	must(t, "peer stdin", err)
	stdout, err := p.cmd.StdoutPipe()
	must(t, "peer stdout", err)
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting peer %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		p.cancel()
		err := p.wait()
		if t.Failed() {
			t.Logf("peer %s %v: exit %v; stderr:\n%s", name, args, err, p.stderr.String())
		}
	})
	return p
}

// wait reaps the process once its output is read to the end.
func (p *peerProc) wait() error {
	if p.waited {
		return nil
	}
	p.stdin.Close()
	for range p.lines {
	}
	p.waited = true
	return p.cmd.Wait()
}

// lineWithin reports whether the peer printed a line starting with prefix
// within d; other lines fail the test.
func (p *peerProc) lineWithin(t *testing.T, prefix string, d time.Duration) bool {
	t.Helper()
	_, ok := p.nextLine(t, prefix, d)
	return ok
}

// line waits for the peer's next line, which must start with prefix.
func (p *peerProc) line(t *testing.T, prefix string) string {
	t.Helper()
	l, ok := p.nextLine(t, prefix, peerTimeout)
	if !ok {
		t.Fatalf("peer printed nothing in %v, want %q...", peerTimeout, prefix)
	}
	return l
}

// nextLine returns the peer's next line if it comes within d; a line that
// does not start with prefix, or the peer's exit, fails the test.
func (p *peerProc) nextLine(t *testing.T, prefix string, d time.Duration) (string, bool) {
	t.Helper()
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.cancel()
			err := p.wait()
			t.Fatalf("peer exited (%v) before printing %q; stderr:\n%s", err, prefix, p.stderr.String())
		}
		if !strings.HasPrefix(l, prefix) {
			t.Fatalf("peer printed %q, want %q...", l, prefix)
		}
		return l, true
	case <-tm.C:
		return "", false
	}
}

// finish checks that the peer prints want and exits successfully.
func (p *peerProc) finish(t *testing.T, want string) {
	t.Helper()
	p.line(t, want)
	if err := p.wait(); err != nil {
		t.Fatalf("peer: %v; stderr:\n%s", err, p.stderr.String())
	}
}
