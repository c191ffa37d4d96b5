package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
)

// proxyScript plays a proxy: it checks each message the client writes
// against want and answers with the reply after it.
type proxyScript struct {
	t     *testing.T
	steps [][2][]byte // what the client sends, what the proxy answers
}

func (p proxyScript) run(c net.Conn) {
	defer c.Close()
	for _, st := range p.steps {
		got := make([]byte, len(st[0]))
		if _, err := io.ReadFull(c, got); err != nil {
			return
		}
		if !bytes.Equal(got, st[0]) {
			p.t.Errorf("client sent % x, want % x", got, st[0])
			return
		}
		if _, err := c.Write(st[1]); err != nil {
			return
		}
	}
}

func handshakeWith(t *testing.T, user, pass, host string, port int, steps ...[2][]byte) error {
	t.Helper()
	client, proxy := net.Pipe()
	defer client.Close()
	go proxyScript{t, steps}.run(proxy)
	return socksHandshake(client, user, pass, host, port)
}

func step(send, reply []byte) [2][]byte { return [2][]byte{send, reply} }

var (
	greetNoAuth   = []byte{5, 1, 0}
	greetUserPass = []byte{5, 2, 0, 2}
	chooseNoAuth  = []byte{5, 0}
	okReplyV4     = []byte{5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90}
)

func TestSocksRequests(t *testing.T) {
	cases := []struct {
		host string
		req  []byte
	}{
		{"127.0.0.1", []byte{5, 1, 0, 1, 127, 0, 0, 1, 0x15, 0xb3}},
		{"::1", append(append([]byte{5, 1, 0, 4}, net.ParseIP("::1").To16()...), 0x15, 0xb3)},
		{"example.test", append(append([]byte{5, 1, 0, 3, 12}, "example.test"...), 0x15, 0xb3)},
	}
	for _, c := range cases {
		err := handshakeWith(t, "", "", c.host, 5555, step(greetNoAuth, chooseNoAuth), step(c.req, okReplyV4))
		if err != nil {
			t.Errorf("%s: %v", c.host, err)
		}
	}
}

func TestSocksAuth(t *testing.T) {
	auth := append(append(append([]byte{1, 5}, "alice"...), 6), "secret"...)
	req := []byte{5, 1, 0, 1, 10, 0, 0, 1, 0, 80}
	err := handshakeWith(t, "alice", "secret", "10.0.0.1", 80,
		step(greetUserPass, []byte{5, 2}), step(auth, []byte{1, 0}), step(req, okReplyV4))
	if err != nil {
		t.Fatal(err)
	}
	// A proxy that needs no authentication is not given the password.
	err = handshakeWith(t, "alice", "secret", "10.0.0.1", 80,
		step(greetUserPass, chooseNoAuth), step(req, okReplyV4))
	if err != nil {
		t.Fatal(err)
	}
	err = handshakeWith(t, "alice", "wrong", "10.0.0.1", 80,
		step(greetUserPass, []byte{5, 2}), step(append(append(append([]byte{1, 5}, "alice"...), 5), "wrong"...), []byte{1, 1}))
	var se *SocksError
	if !errors.As(err, &se) || se.Reply != 0 {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestSocksRefusals(t *testing.T) {
	req := []byte{5, 1, 0, 1, 10, 0, 0, 1, 0, 80}
	var se *SocksError
	err := handshakeWith(t, "", "", "10.0.0.1", 80, step(greetNoAuth, chooseNoAuth), step(req, []byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0}))
	if !errors.As(err, &se) || se.Reply != 5 || se.Error() != "socks5 proxy: connection refused" {
		t.Fatalf("refused: %v", err)
	}
	err = handshakeWith(t, "", "", "10.0.0.1", 80, step(greetNoAuth, []byte{5, 0xff}))
	if !errors.As(err, &se) {
		t.Fatalf("no method: %v", err)
	}
	// Protocol violations: another version, a method not offered, an
	// unknown address type.
	for _, steps := range [][][2][]byte{
		{step(greetNoAuth, []byte{4, 0})},
		{step(greetNoAuth, []byte{5, 2})},
		{step(greetNoAuth, chooseNoAuth), step(req, []byte{5, 0, 0, 9, 0})},
	} {
		if err := handshakeWith(t, "", "", "10.0.0.1", 80, steps...); !errors.Is(err, ErrSocksProtocol) {
			t.Errorf("%v: %v, want ErrSocksProtocol", steps, err)
		}
	}
	// A proxy that hangs up midway.
	if err := handshakeWith(t, "", "", "10.0.0.1", 80); err == nil {
		t.Error("no error from a proxy that hung up")
	}
}

func TestCheckSocks(t *testing.T) {
	for _, c := range []struct {
		proxy, user, pass string
		ok                bool
	}{
		{"127.0.0.1:1080", "", "", true},
		{"proxy.test:1080", "u", "p", true},
		{"", string(make([]byte, 255)), "", true},
		{"127.0.0.1", "", "", false},
		{"*:1080", "", "", false},
		{"", string(make([]byte, 256)), "", false},
		{"", "", string(make([]byte, 256)), false},
	} {
		if err := CheckSocks(c.proxy, c.user, c.pass); (err == nil) != c.ok {
			t.Errorf("CheckSocks(%q, %d-byte user, %d-byte password): %v", c.proxy, len(c.user), len(c.pass), err)
		}
	}
}
