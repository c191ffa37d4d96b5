package zmq_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

func TestBadEndpoints(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Pull)
	cases := []struct {
		ep      string
		connect bool
		want    error
	}{
		{"", false, zmq.ErrInvalid},
		{"tcp://", false, zmq.ErrInvalid},
		{"127.0.0.1:5555", false, zmq.ErrInvalid},
		{"bogus://x", false, zmq.ErrProtocolNotSupported},
		{"tcp://127.0.0.1", false, zmq.ErrInvalid},
		{"tcp://127.0.0.1:99999", false, zmq.ErrInvalid},
		{"tcp://127.0.0.1:*", true, zmq.ErrInvalid},
		{"tcp://127.0.0.1:0", true, zmq.ErrInvalid},
		{"tcp://[::1:5555", true, zmq.ErrInvalid},
		{"ipc://" + strings.Repeat("x", 200), false, zmq.ErrInvalid},
		{"ipc://*", true, zmq.ErrInvalid},
		{"tcp://192.0.2.254:5555", false, zmq.ErrAddrNotAvailable},
		{"tcp://no-such-interface-or-host.invalid:5555", false, zmq.ErrAddrNotAvailable},
	}
	for _, c := range cases {
		var err error
		if c.connect {
			err = s.Connect(c.ep)
		} else {
			err = s.Bind(c.ep)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%q (connect=%v): %v, want %v", c.ep, c.connect, err, c.want)
		}
		var oe *zmq.OpError
		if err != nil && !errors.As(err, &oe) {
			t.Errorf("%q: error %T is not an *OpError", c.ep, err)
		}
	}
	if err := s.Unbind("tcp://127.0.0.1:1"); !errors.Is(err, zmq.ErrNoEndpoint) {
		t.Errorf("unbind unknown: %v", err)
	}
	if err := s.Disconnect("tcp://127.0.0.1:1"); !errors.Is(err, zmq.ErrNoEndpoint) {
		t.Errorf("disconnect unknown: %v", err)
	}
}

func TestBindTwiceInUse(t *testing.T) {
	checkLeaks(t)
	for _, tr := range []string{"tcp", "inproc"} {
		a := newSock(t, zmq.Pull)
		ep := bound(t, a, tr)
		b := newSock(t, zmq.Pull)
		if err := b.Bind(ep); !errors.Is(err, zmq.ErrAddrInUse) {
			t.Errorf("%s: second bind: %v", tr, err)
		}
	}
}

// LAST_ENDPOINT resolves wildcards, and unbinding that endpoint works,
// while the wildcard form is unknown.
func TestWildcardBindAndUnbind(t *testing.T) {
	checkLeaks(t)
	s := newSock(t, zmq.Pull)
	if err := s.Bind("tcp://*:*"); err != nil {
		t.Fatal(err)
	}
	ep := s.LastEndpoint()
	if !strings.HasPrefix(ep, "tcp://0.0.0.0:") || strings.HasSuffix(ep, ":0") {
		t.Fatalf("last endpoint %q", ep)
	}
	if err := s.Unbind("tcp://*:*"); !errors.Is(err, zmq.ErrNoEndpoint) {
		t.Fatalf("unbind by wildcard: %v", err)
	}
	if err := s.Unbind(ep); err != nil {
		t.Fatalf("unbind %s: %v", ep, err)
	}
	port := ep[strings.LastIndexByte(ep, ':')+1:]
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		t.Fatal("still listening after unbind")
	}
	if err := s.Bind("ipc://*"); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(s.LastEndpoint(), "ipc://")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("ipc://* made no socket file: %v", err)
	}
	s.Unbind(s.LastEndpoint())
	if _, err := os.Stat(path); err == nil {
		t.Fatal("unbind left the ipc socket file")
	}
}

// After Unbind or Disconnect, nothing more arrives over that endpoint.
func TestNothingAfterUnbindOrDisconnect(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr string) {
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, tr)
		push := newSock(t, zmq.Push)
		push.Connect(ep)
		send(t, push, "1")
		expect(t, pull, "1")
		if err := push.Disconnect(ep); err != nil {
			t.Fatal(err)
		}
		if err := push.TrySend(zmq.NewMsgString("2")); !errors.Is(err, zmq.ErrWouldBlock) {
			t.Fatalf("send after disconnect: %v", err)
		}
		expectNothing(t, pull, 50*time.Millisecond)
	})
}

func TestEndpointForms(t *testing.T) {
	forms := []struct{ bind, connect string }{
		{"tcp://127.0.0.1:*", ""},
		{"tcp://localhost:*", ""},
		{"tcp://lo:*", ""},
		{"ipc://@zmq-go-test-abstract-%d", ""},
		{"ipc://" + filepath.Join(os.TempDir(), "zmq-go-test-%d.ipc"), ""},
	}
	for i, f := range forms {
		t.Run(f.bind, func(t *testing.T) {
			checkLeaks(t)
			ep := f.bind
			if strings.Contains(ep, "%d") {
				ep = fmt.Sprintf(ep, os.Getpid()*100+i)
			}
			pull := newSock(t, zmq.Pull)
			if err := pull.Bind(ep); err != nil {
				t.Fatal(err)
			}
			push := newSock(t, zmq.Push)
			if err := push.Connect(pull.LastEndpoint()); err != nil {
				t.Fatal(err)
			}
			send(t, push, "x")
			expect(t, pull, "x")
		})
	}
	t.Run("ipv6", func(t *testing.T) {
		checkLeaks(t)
		if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
			t.Fatalf("this machine has no IPv6 loopback: %v", err)
		} else {
			l.Close()
		}
		pull := newSock(t, zmq.Pull, zmq.IPv6(true))
		if err := pull.Bind("tcp://[::1]:*"); err != nil {
			t.Fatal(err)
		}
		ep := pull.LastEndpoint()
		if !strings.HasPrefix(ep, "tcp://[::1]:") {
			t.Fatalf("last endpoint %q", ep)
		}
		push := newSock(t, zmq.Push, zmq.IPv6(true))
		push.Connect(ep)
		send(t, push, "v6")
		expect(t, pull, "v6")
	})
	t.Run("connect-by-name", func(t *testing.T) {
		checkLeaks(t)
		pull := newSock(t, zmq.Pull)
		ep := bound(t, pull, "tcp")
		push := newSock(t, zmq.Push)
		push.Connect(strings.Replace(ep, "127.0.0.1", "localhost", 1))
		send(t, push, "named")
		expect(t, pull, "named")
	})
}
