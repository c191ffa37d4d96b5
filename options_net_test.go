package zmq_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// socksServer is a SOCKS5 proxy (RFC 1928, 1929) on loopback for the
// tests: it connects to any address the client asks for, after checking
// the credentials when it has some, and remembers what it was asked.
type socksServer struct {
	ln         net.Listener
	user, pass string // required credentials; "" takes anyone
	refuse     byte   // reply code to send instead of connecting

	mu       sync.Mutex
	requests []string // "host:port" of each CONNECT, as sent
	wg       sync.WaitGroup
}

func newSocksServer(t *testing.T, user, pass string) *socksServer {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &socksServer{ln: ln, user: user, pass: pass}
	conns := make(map[net.Conn]struct{})
	var connsMu sync.Mutex
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns[c] = struct{}{}
			connsMu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serve(c)
				connsMu.Lock()
				delete(conns, c)
				connsMu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *socksServer) addr() string { return p.ln.Addr().String() }

func (p *socksServer) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// serve handles one client, then relays bytes both ways until either side
// closes.
func (p *socksServer) serve(c net.Conn) {
	defer c.Close()
	target, err := p.handshake(c)
	if err != nil {
		return
	}
	defer target.Close()
	done := make(chan struct{})
	go func() {
		io.Copy(target, c)
		target.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, target)
	c.Close()
	<-done
}

func (p *socksServer) handshake(c net.Conn) (net.Conn, error) {
	read := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			return nil
		}
		return b
	}
	head := read(2)
	if head == nil || head[0] != 5 {
		return nil, errors.New("bad greeting")
	}
	methods := read(int(head[1]))
	want := byte(0)
	if p.user != "" {
		want = 2
	}
	if !strings.ContainsRune(string(methods), rune(want)) {
		c.Write([]byte{5, 0xff})
		return nil, errors.New("no method")
	}
	c.Write([]byte{5, want})
	if want == 2 {
		ver := read(2)
		user := read(int(ver[1]))
		plen := read(1)
		pass := read(int(plen[0]))
		if string(user) != p.user || string(pass) != p.pass {
			c.Write([]byte{1, 1})
			return nil, errors.New("bad credentials")
		}
		c.Write([]byte{1, 0})
	}
	req := read(4)
	if req == nil {
		return nil, errors.New("no request")
	}
	var host string
	switch req[3] {
	case 1:
		host = net.IP(read(4)).String()
	case 4:
		host = net.IP(read(16)).String()
	case 3:
		host = string(read(int(read(1)[0])))
	}
	port := int(binary.BigEndian.Uint16(read(2)))
	hostPort := net.JoinHostPort(host, strconv.Itoa(port))
	p.mu.Lock()
	p.requests = append(p.requests, hostPort)
	p.mu.Unlock()
	if p.refuse != 0 {
		c.Write([]byte{5, p.refuse, 0, 1, 0, 0, 0, 0, 0, 0})
		return nil, errors.New("refused")
	}
	target, err := net.Dial("tcp4", hostPort)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return nil, err
	}
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	return target, nil
}

// Connects through a SOCKS5 proxy: without credentials, with them, and
// with the endpoint's host name passed to the proxy unresolved.
func TestSocksProxy(t *testing.T) {
	checkLeaks(t)
	for _, c := range []struct {
		name       string
		user, pass string
		host       string
	}{
		{"anonymous", "", "", "127.0.0.1"},
		{"credentials", "alice", "s3cret", "127.0.0.1"},
		{"host-name", "", "", "localhost"},
	} {
		t.Run(c.name, func(t *testing.T) {
			proxy := newSocksServer(t, c.user, c.pass)
			pull := newSock(t, zmq.Pull)
			ep := bound(t, pull, "tcp")
			port := ep[strings.LastIndexByte(ep, ':')+1:]
			push := newSock(t, zmq.Push, zmq.SocksProxy(proxy.addr()), zmq.SocksUsername(c.user), zmq.SocksPassword(c.pass))
			if err := push.Connect("tcp://" + c.host + ":" + port); err != nil {
				t.Fatal(err)
			}
			send(t, push, "through", "the proxy")
			expect(t, pull, "through", "the proxy")
			if got, want := proxy.asked(), []string{net.JoinHostPort(c.host, port)}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the proxy was asked for %v, want %v", got, want)
			}
		})
	}
}

// A proxy that refuses (wrong password, or its CONNECT failing) is a
// failed connection attempt: the monitor reports it with the proxy's
// reason, the socket tries again, and nothing reaches the peer.
func TestSocksProxyRefuses(t *testing.T) {
	checkLeaks(t)
	for _, c := range []struct {
		name   string
		user   string
		refuse byte
		want   string
	}{
		{"wrong-password", "alice", 0, "authentication failed"},
		{"connect-refused", "", 2, "connection not allowed by ruleset"},
	} {
		t.Run(c.name, func(t *testing.T) {
			proxy := newSocksServer(t, c.user, "right")
			proxy.refuse = c.refuse
			pull := newSock(t, zmq.Pull)
			ep := bound(t, pull, "tcp")
			push := newSock(t, zmq.Push, zmq.SocksProxy(proxy.addr()), zmq.SocksUsername(c.user), zmq.SocksPassword("wrong"),
				zmq.ReconnectInterval(10*time.Millisecond), zmq.Linger(0))
			mon := push.Monitor(zmq.EventClosed | zmq.EventConnectRetried)
			defer mon.Close()
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			var closed, retried int
			ctx := tctx(t)
			for closed < 2 || retried < 2 {
				select {
				case ev := <-mon.Events():
					switch ev.Type {
					case zmq.EventClosed:
						var se *zmq.SocksError
						if !errors.As(ev.Err, &se) || !strings.Contains(se.Error(), c.want) {
							t.Fatalf("CLOSED with %v, want a SocksError saying %q", ev.Err, c.want)
						}
						closed++
					case zmq.EventConnectRetried:
						retried++
					}
				case <-ctx.Done():
					t.Fatalf("%d CLOSED and %d CONNECT_RETRIED events", closed, retried)
				}
			}
			// The PUSH queues for its endpoint; nothing reaches the peer.
			if err := push.TrySend(zmq.NewMsgString("held")); err != nil {
				t.Fatal(err)
			}
			expectNothing(t, pull, 50*time.Millisecond)
		})
	}
}

// tcp://source;destination connects from the source address, as libzmq
// does: the peer sees it in the ACCEPTED event and Peer-Address.
func TestConnectFromSource(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	mon := pull.Monitor(zmq.EventAccepted)
	defer mon.Close()
	ep := bound(t, pull, "tcp")
	src := freeTCP(t) // tcp://127.0.0.1:port, free a moment ago
	srcPort := src[strings.LastIndexByte(src, ':')+1:]
	push := newSock(t, zmq.Push)
	if err := push.Connect("tcp://127.0.0.2:" + srcPort + ";" + strings.TrimPrefix(ep, "tcp://")); err != nil {
		t.Fatal(err)
	}
	send(t, push, "from a chosen source")
	m, err := pull.Recv(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := m.Property(zmq.PropPeerAddress); a != "127.0.0.2" {
		t.Errorf("Peer-Address %q, want 127.0.0.2", a)
	}
	select {
	case ev := <-mon.Events():
		if want := "tcp://127.0.0.2:" + srcPort; ev.Remote != want {
			t.Errorf("ACCEPTED from %q, want %q", ev.Remote, want)
		}
	case <-tctx(t).Done():
		t.Fatal("no ACCEPTED event")
	}
	// Wildcards in the source: any address, any port.
	push2 := newSock(t, zmq.Push)
	if err := push2.Connect("tcp://*:0;" + strings.TrimPrefix(ep, "tcp://")); err != nil {
		t.Fatal(err)
	}
	send(t, push2, "from anywhere")
	expect(t, pull, "from anywhere")
	// A source without a port, or with a bad one, is refused.
	for _, bad := range []string{"tcp://127.0.0.1;127.0.0.1:5555", "tcp://127.0.0.1:x;127.0.0.1:5555"} {
		if err := push2.Connect(bad); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("Connect(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

// The tcp socket options reach the connections (the transport's tests
// read them back with getsockopt), and traffic flows with them set.
func TestTCPSocketOptions(t *testing.T) {
	checkLeaks(t)
	opts := []zmq.Option{zmq.SendBuffer(64 << 10), zmq.RecvBuffer(64 << 10), zmq.TOS(0x28), zmq.TCPMaxRT(2 * time.Second)}
	if runtime.GOOS == "linux" {
		opts = append(opts, zmq.BindToDevice("lo"))
	}
	pull := newSock(t, zmq.Pull, opts...)
	ep := bound(t, pull, "tcp")
	push := newSock(t, zmq.Push, opts...)
	if err := push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	send(t, push, "tuned")
	expect(t, pull, "tuned")
	o := push.Options()
	if o.SendBuffer != 64<<10 || o.RecvBuffer != 64<<10 || o.TOS != 0x28 || o.TCPMaxRT != 2*time.Second {
		t.Errorf("options read back: %+v", o)
	}
	if d := newSock(t, zmq.Push).Options(); d.SendBuffer != -1 || d.RecvBuffer != -1 || d.TOS != 0 || d.TCPMaxRT != 0 || d.BindToDevice != "" || d.SocksProxy != "" {
		t.Errorf("defaults: %+v", d)
	}
}

// A device that does not exist fails the bind with the system's error.
func TestBindToMissingDevice(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, err := zmq.NewSocket(zmq.Pull, zmq.BindToDevice("lo")); !errors.Is(err, zmq.ErrNotSupported) {
			t.Fatalf("BindToDevice off Linux: %v, want ErrNotSupported", err)
		}
		return
	}
	pull := newSock(t, zmq.Pull, zmq.BindToDevice("nosuchdev0"))
	err := pull.Bind("tcp://127.0.0.1:*")
	if err == nil || !strings.Contains(err.Error(), "BINDTODEVICE") || !strings.Contains(err.Error(), "no such device") {
		t.Fatalf("bind on a missing device: %v", err)
	}
}

// Bad values are refused before they touch the socket.
func TestTCPSocketOptionValidation(t *testing.T) {
	for _, opt := range []zmq.Option{
		zmq.SendBuffer(-2), zmq.RecvBuffer(1 << 40), zmq.TOS(256), zmq.TOS(-1),
		zmq.TCPMaxRT(-time.Second), zmq.BindToDevice("a-name-far-too-long"), zmq.BindToDevice("a/b"),
		zmq.SocksProxy("127.0.0.1"), zmq.SocksProxy("*:1080"), zmq.SocksUsername(strings.Repeat("u", 256)),
		zmq.SocksPassword(strings.Repeat("p", 256)),
	} {
		s := newSock(t, zmq.Push)
		before := s.Options()
		if err := s.SetOption(opt); !errors.Is(err, zmq.ErrInvalid) {
			t.Errorf("%v, want ErrInvalid", err)
		}
		if after := s.Options(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused option changed the socket: %+v", after)
		}
	}
}
