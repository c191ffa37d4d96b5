package zmq_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// curvePair is a long-term key pair for the tests.
type curvePair struct {
	pub    zmq.CurvePublicKey
	secret *zmq.CurveSecretKey
}

func newCurvePair(t testing.TB) curvePair {
	t.Helper()
	pub, secret, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return curvePair{pub, secret}
}

// serverOpts and clientOpts are the options of a CURVE server with key
// pair s, and of a CURVE client with pair c for that server.
func (s curvePair) serverOpts() []zmq.Option {
	return []zmq.Option{zmq.CurveServer(true), zmq.CurveSecret(s.secret)}
}

func (c curvePair) clientOpts(server zmq.CurvePublicKey) []zmq.Option {
	return []zmq.Option{zmq.CurveServerKey(server), zmq.CurvePublic(c.pub), zmq.CurveSecret(c.secret)}
}

// curveKeys is a ZAP decision accepting CURVE clients by key.
func curveKeys(keys ...zmq.CurvePublicKey) func(r zapRequest) (string, string, string) {
	return func(r zapRequest) (string, string, string) {
		if r.mechanism() != "CURVE" || len(r) != 7 {
			return "500", "not CURVE", ""
		}
		for _, k := range keys {
			if r[6] == string(k[:]) {
				return "200", "OK", k.String()
			}
		}
		return "400", "unknown key", ""
	}
}

// A CURVE client reaches the server in both bind directions over TCP and
// IPC; messages go both ways, multipart and large ones included; the ZAP
// handler receives RFC 27's request with the client's long-term key.
func TestCurveAuthenticates(t *testing.T) {
	for _, tr := range secureTransports {
		for _, serverBinds := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/serverBinds=%v", tr, serverBinds), func(t *testing.T) {
				checkLeaks(t)
				c := newContext(t)
				sk, ck := newCurvePair(t), newCurvePair(t)
				reqs := startZAP(t, c, curveKeys(ck.pub))
				server := ctxSock(t, c, zmq.Dealer, append(sk.serverOpts(), zmq.ZAPDomain("global"), zmq.RoutingID([]byte("srv")))...)
				client := ctxSock(t, c, zmq.Dealer, ck.clientOpts(sk.pub)...)
				sm := server.Monitor(zmq.EventHandshakeSucceeded | zmq.EventHandshakeFailedAuth | zmq.EventHandshakeFailedProtocol)
				defer sm.Close()
				bindConnect(t, server, client, tr, serverBinds)

				send(t, client, "hello")
				expect(t, server, "hello")
				send(t, server, "world", "", "three")
				expect(t, client, "world", "", "three")
				expectEvents(t, sm, zmq.EventHandshakeSucceeded)

				big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
				for _, pair := range [][2]*zmq.Socket{{client, server}, {server, client}} {
					if err := pair[0].Send(tctx(t), zmq.Msg{Frames: [][]byte{[]byte("big"), big, {}}}); err != nil {
						t.Fatal(err)
					}
					m, err := pair[1].Recv(tctx(t))
					if err != nil {
						t.Fatal(err)
					}
					if len(m.Frames) != 3 || string(m.Frames[0]) != "big" || !bytes.Equal(m.Frames[1], big) || len(m.Frames[2]) != 0 {
						t.Fatalf("large multipart message arrived damaged: %d frames", len(m.Frames))
					}
				}

				r := nextZAP(t, reqs)
				want := zapRequest{"1.0", "1", "global", wantPeerAddress(tr), "srv", "CURVE", string(ck.pub[:])}
				if fmt.Sprint(r) != fmt.Sprint(want) || len(r) != len(want) {
					t.Fatalf("ZAP request %q, want %q", r, want)
				}
			})
		}
	}
}

// Many messages of every size class, both ways: the nonces count up over
// thousands of messages in each direction, batched and not.
func TestCurveManyMessages(t *testing.T) {
	checkLeaks(t)
	sk, ck := newCurvePair(t), newCurvePair(t)
	pull := newSock(t, zmq.Pull, sk.serverOpts()...)
	push := newSock(t, zmq.Push, ck.clientOpts(sk.pub)...)
	if err := push.Connect(bound(t, pull, "tcp")); err != nil {
		t.Fatal(err)
	}
	const n = 5000
	done := make(chan error, 1)
	go func() {
		for i := range n {
			body := bytes.Repeat([]byte{byte(i)}, i%3*(i%40000))
			if err := push.Send(tctx(t), zmq.Msg{Frames: [][]byte{[]byte(fmt.Sprint(i)), body}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range n {
		m, err := pull.Recv(tctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Frames) != 2 || string(m.Frames[0]) != fmt.Sprint(i) || len(m.Frames[1]) != i%3*(i%40000) ||
			len(m.Frames[1]) > 0 && m.Frames[1][len(m.Frames[1])-1] != byte(i) {
			t.Fatalf("message %d arrived as %d frames: %q", i, len(m.Frames), m.Frames[0])
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A CURVE PUSH held at its high-water mark by a slower PULL (the short
// form of D9, which runs a minute in make load): the PULL receives only
// after the PUSH found its queue full, and only until the PUSH has moved
// on, so the stream spends the test blocked with the kernel's buffers full
// of sealed frames, and
// every message arrives once, in order and exactly as sent: no MESSAGE
// command or ciphertext reaches the application.
func TestCurveBackpressure(t *testing.T) {
	checkLeaks(t)
	const hwm, n = 20, 3000
	sk, ck := newCurvePair(t), newCurvePair(t)
	pull := newSock(t, zmq.Pull, append(sk.serverOpts(), zmq.RecvHWM(hwm))...)
	push := newSock(t, zmq.Push, append(ck.clientOpts(sk.pub), zmq.SendHWM(hwm))...)
	if err := push.Connect(bound(t, pull, "tcp")); err != nil {
		t.Fatal(err)
	}
	body := func(i int) []byte {
		b := make([]byte, []int{0, 100, 255, 256, 5000, 70000}[i%6])
		for j := range b {
			b[j] = byte(i + j*3)
		}
		return b
	}
	var sent atomic.Int64
	full := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		defer close(full)
		for i := range n {
			m := zmq.Msg{Frames: [][]byte{[]byte(fmt.Sprint(i)), body(i)}}
			err := push.TrySend(m)
			if errors.Is(err, zmq.ErrWouldBlock) {
				select {
				case full <- struct{}{}:
				default:
				}
				err = push.Send(tctx(t), m)
			}
			if err != nil {
				done <- err
				return
			}
			sent.Add(1)
		}
		done <- nil
	}()
	got, batches := 0, 0
	recv := func() {
		m, err := pull.Recv(tctx(t))
		if err != nil {
			t.Fatalf("receive %d: %v", got, err)
		}
		if len(m.Frames) != 2 || string(m.Frames[0]) != fmt.Sprint(got) || !bytes.Equal(m.Frames[1], body(got)) {
			t.Fatalf("message %d arrived as %d frames, first %q", got, len(m.Frames), m.Frames[0])
		}
		got++
	}
	for range full {
		// Every message received is one sent, or the one the PUSH
		// sends now: none of these receives can wait for nothing.
		for mark := sent.Load(); got < n && sent.Load() == mark; {
			recv()
		}
		batches++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for got < n {
		recv()
	}
	if batches < 10 {
		t.Fatalf("the PUSH found its queue full only %d times", batches)
	}
}

// Heartbeats travel sealed: PINGs every 20 ms with a short timeout keep a
// CURVE connection up (PONGs come back through MESSAGE) while it idles.
func TestCurveHeartbeats(t *testing.T) {
	checkLeaks(t)
	sk, ck := newCurvePair(t), newCurvePair(t)
	hb := []zmq.Option{zmq.HeartbeatInterval(20 * time.Millisecond), zmq.HeartbeatTimeout(200 * time.Millisecond)}
	server := newSock(t, zmq.Pair, append(sk.serverOpts(), hb...)...)
	client := newSock(t, zmq.Pair, append(ck.clientOpts(sk.pub), hb...)...)
	m := client.Monitor(zmq.EventDisconnected | zmq.EventHandshakeSucceeded)
	defer m.Close()
	if err := client.Connect(bound(t, server, "tcp")); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, m, zmq.EventHandshakeSucceeded)
	// Fifty intervals of heartbeats only: a PING or PONG that did not
	// open would end the connection.
	expectNoEvent(t, m, time.Second)
	send(t, client, "still")
	expect(t, server, "still")
}

// An unknown client key: the handler's 400 reaches both sides as
// HANDSHAKE_FAILED_AUTH, nothing is delivered, and the client does not
// retry.
func TestCurveUnknownClientKey(t *testing.T) {
	for _, tr := range secureTransports {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			c := newContext(t)
			sk, ck, other := newCurvePair(t), newCurvePair(t), newCurvePair(t)
			startZAP(t, c, curveKeys(other.pub))
			server := ctxSock(t, c, zmq.Pull, sk.serverOpts()...)
			client := ctxSock(t, c, zmq.Push, append(ck.clientOpts(sk.pub), zmq.ReconnectInterval(10*time.Millisecond))...)
			sm := server.Monitor(zmq.EventHandshakeFailedAuth | zmq.EventHandshakeSucceeded)
			defer sm.Close()
			cm := client.Monitor(zmq.EventAll)
			defer cm.Close()
			bindConnect(t, server, client, tr, true)

			ev := expectEvents(t, sm, zmq.EventHandshakeFailedAuth)[0]
			if status, local := authStatus(ev.Err); ev.Value != 400 || status != 400 || !local {
				t.Fatalf("server event %v: want value 400 and a local *AuthError 400", ev)
			}
			ev = skipEventsUntil(t, cm, zmq.EventHandshakeFailedAuth)
			if status, local := authStatus(ev.Err); ev.Value != 400 || status != 400 || local {
				t.Fatalf("client event %v: want value 400 and the peer's *AuthError 400", ev)
			}
			expectEvents(t, cm, zmq.EventDisconnected)
			expectNoEvent(t, cm, 200*time.Millisecond)
			if err := client.TrySend(zmq.NewMsgString("x")); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("TrySend after the refusal: %v, want ErrWouldBlock", err)
			}
			expectEmpty(t, server)
		})
	}
}

// A client with the wrong server key: as with libzmq, the server cannot
// open HELLO and reports HANDSHAKE_FAILED_PROTOCOL with ZMTP_CRYPTOGRAPHIC,
// and closes the connection, which the client sees as
// HANDSHAKE_FAILED_NO_DETAIL before it retries.
func TestCurveWrongServerKey(t *testing.T) {
	checkLeaks(t)
	sk, ck, other := newCurvePair(t), newCurvePair(t), newCurvePair(t)
	server := newSock(t, zmq.Pull, sk.serverOpts()...)
	client := newSock(t, zmq.Push, append(ck.clientOpts(other.pub), zmq.ReconnectInterval(10*time.Millisecond))...)
	sm := server.Monitor(zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded)
	defer sm.Close()
	cm := client.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeFailedProtocol | zmq.EventHandshakeSucceeded | zmq.EventConnectRetried)
	defer cm.Close()
	if err := client.Connect(bound(t, server, "tcp")); err != nil {
		t.Fatal(err)
	}
	ev := expectEvents(t, sm, zmq.EventHandshakeFailedProtocol)[0]
	if zmq.ProtocolCode(ev.Value) != zmq.ProtocolCryptographic {
		t.Fatalf("server event %v, want ZMTP_CRYPTOGRAPHIC", ev)
	}
	expectEvents(t, cm, zmq.EventHandshakeFailedNoDetail, zmq.EventConnectRetried)
	expectEmpty(t, server)
}

// With no ZAP handler bound a CURVE server accepts every client, as
// libzmq's does (the traffic is still encrypted); with a ZAPDomain and
// ZAPEnforceDomain it refuses them with EFAULT instead.
func TestCurveNoZAPHandler(t *testing.T) {
	t.Run("accepts", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		sk, ck := newCurvePair(t), newCurvePair(t)
		server := ctxSock(t, c, zmq.Pull, sk.serverOpts()...)
		client := ctxSock(t, c, zmq.Push, ck.clientOpts(sk.pub)...)
		bindConnect(t, server, client, "tcp", true)
		send(t, client, "anyone")
		expect(t, server, "anyone")
	})
	t.Run("enforced", func(t *testing.T) {
		checkLeaks(t)
		c := newContext(t)
		sk, ck := newCurvePair(t), newCurvePair(t)
		server := ctxSock(t, c, zmq.Pull, append(sk.serverOpts(), zmq.ZAPDomain("d"), zmq.ZAPEnforceDomain(true))...)
		client := ctxSock(t, c, zmq.Push, append(ck.clientOpts(sk.pub), zmq.ReconnectInterval(10*time.Millisecond))...)
		sm := server.Monitor(zmq.EventHandshakeFailedNoDetail | zmq.EventHandshakeSucceeded)
		defer sm.Close()
		bindConnect(t, server, client, "tcp", true)
		if ev := expectEvents(t, sm, zmq.EventHandshakeFailedNoDetail)[0]; ev.Value != uint32(syscall.EFAULT) {
			t.Fatalf("server event %v: want EFAULT", ev)
		}
		startZAP(t, c, curveKeys(ck.pub))
		send(t, client, "through")
		expect(t, server, "through")
	})
}

// A CURVE socket without its secret key, or a client without the server's
// key, fails each handshake at once with ZMTP_CRYPTOGRAPHIC and sends no
// CURVE command.
func TestCurveMissingKeys(t *testing.T) {
	sk, ck := newCurvePair(t), newCurvePair(t)
	cases := map[string]struct{ server, client []zmq.Option }{
		"client without secret key": {sk.serverOpts(), []zmq.Option{zmq.CurveServerKey(sk.pub)}},
		"client without server key": {sk.serverOpts(), []zmq.Option{zmq.CurvePublic(ck.pub), zmq.CurveSecret(ck.secret)}},
		"server without secret key": {[]zmq.Option{zmq.CurveServer(true)}, ck.clientOpts(sk.pub)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			checkLeaks(t)
			server := newSock(t, zmq.Pull, tc.server...)
			client := newSock(t, zmq.Push, tc.client...)
			failing := client
			if strings.HasPrefix(name, "server") {
				failing = server
			}
			m := failing.Monitor(zmq.EventHandshakeFailedProtocol)
			defer m.Close()
			if err := client.Connect(bound(t, server, "tcp")); err != nil {
				t.Fatal(err)
			}
			ev := expectEvents(t, m, zmq.EventHandshakeFailedProtocol)[0]
			if zmq.ProtocolCode(ev.Value) != zmq.ProtocolCryptographic {
				t.Fatalf("event %v, want ZMTP_CRYPTOGRAPHIC", ev)
			}
		})
	}
}

// The options follow libzmq: any CURVE key selects CURVE, CurveServerKey
// makes a client, CurveServer(false) returns to NULL; a small-order server
// key and a nil secret key are refused, and no error shows a key.
func TestCurveOptions(t *testing.T) {
	pub, secret, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	s := newSock(t, zmq.Pull)
	err = s.SetOption(zmq.CurveServerKey(zmq.CurvePublicKey{}))
	if !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("small-order server key: %v, want ErrInvalid", err)
	}
	if err := s.SetOption(zmq.CurveSecret(nil)); !errors.Is(err, zmq.ErrInvalid) {
		t.Fatalf("nil secret key: %v, want ErrInvalid", err)
	}
	if strings.Contains(err.Error(), pub.String()) || strings.Contains(err.Error(), secret.Z85()) {
		t.Fatalf("error %q shows a key", err)
	}
	if zmq.MechanismCurve.String() != "CURVE" {
		t.Fatalf("MechanismCurve is %q", zmq.MechanismCurve)
	}
}

// A CURVE connection carries no plain text: a message's bytes are nowhere
// on the wire.
func TestCurveEncrypts(t *testing.T) {
	checkLeaks(t)
	sk, ck := newCurvePair(t), newCurvePair(t)
	pull := newSock(t, zmq.Pull, sk.serverOpts()...)
	push := newSock(t, zmq.Push, ck.clientOpts(sk.pub)...)
	ep := bound(t, pull, "tcp")
	tap := newTap(t, ep)
	if err := push.Connect(tap.addr); err != nil {
		t.Fatal(err)
	}
	secret := "a secret that must not travel in clear text"
	send(t, push, secret, strings.Repeat(secret, 2000))
	expect(t, pull, secret, strings.Repeat(secret, 2000))
	if w := tap.seen(); strings.Contains(w, secret[:16]) || !strings.Contains(w, "\x07MESSAGE") {
		t.Fatalf("the wire (%d bytes) shows the message, or holds no MESSAGE", len(w))
	}
}

// tap is a TCP relay that records what the client sends through it.
type tap struct {
	addr string
	mu   sync.Mutex
	buf  bytes.Buffer
}

func newTap(t testing.TB, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{addr: "tcp://" + ln.Addr().String()}
	var wg sync.WaitGroup
	var conns []net.Conn
	var connsMu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", strings.TrimPrefix(target, "tcp://"))
			if err != nil {
				in.Close()
				return
			}
			connsMu.Lock()
			conns = append(conns, in, out)
			connsMu.Unlock()
			wg.Add(2)
			go func() {
				defer wg.Done()
				io.Copy(io.MultiWriter(tp, out), in)
				out.Close()
			}()
			go func() {
				defer wg.Done()
				io.Copy(in, out)
				in.Close()
			}()
		}
	}()
	return tp
}

func (tp *tap) Write(p []byte) (int, error) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.buf.Write(p)
}

func (tp *tap) seen() string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.buf.String()
}

// testCurveSecret is a secret key for tests that need one and no more.
var testCurveSecret = func() *zmq.CurveSecretKey {
	_, s, err := zmq.NewCurveKeyPair()
	if err != nil {
		panic(err)
	}
	return s
}()
