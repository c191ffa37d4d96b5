package zmq_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	zmq "github.com/zmq-go/zmq"
)

// runProxy runs p in the background; the returned function terminates it
// and returns what Run returned.
func runProxy(t *testing.T, p *zmq.SteerableProxy) (stop func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			p.Terminate()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the proxy did not return after Terminate")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// A QUEUE (ROUTER frontend, DEALER backend) between REQ clients and REP
// workers: every request gets its own reply, from some worker, whole; the
// statistics count each message once in each direction.
func TestProxyQueue(t *testing.T) {
	for _, tr := range []string{"tcp", "inproc"} {
		t.Run(tr, func(t *testing.T) {
			checkLeaks(t)
			front := newSock(t, zmq.Router)
			back := newSock(t, zmq.Dealer)
			frontEP, backEP := bound(t, front, tr), bound(t, back, tr)
			p := zmq.NewSteerableProxy(front, back, nil)
			stop := runProxy(t, p)

			const workers, clients, requests = 3, 4, 20
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for w := range workers {
				rep := newSock(t, zmq.Rep)
				if err := rep.Connect(backEP); err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						m, err := rep.Recv(ctx)
						if err != nil {
							return
						}
						m.Frames = append(m.Frames, []byte(fmt.Sprint("worker-", w)))
						if rep.Send(ctx, m) != nil {
							return
						}
					}
				}()
			}
			errs := make(chan error, clients)
			for c := range clients {
				req := newSock(t, zmq.Req)
				if err := req.Connect(frontEP); err != nil {
					t.Fatal(err)
				}
				go func() {
					for i := range requests {
						id := fmt.Sprintf("client-%d-%d", c, i)
						if err := req.Send(tctx(t), zmq.NewMsgString(id, "", "body")); err != nil {
							errs <- err
							return
						}
						m, err := req.Recv(tctx(t))
						if err != nil {
							errs <- err
							return
						}
						if len(m.Frames) != 4 || string(m.Frames[0]) != id || len(m.Frames[1]) != 0 ||
							string(m.Frames[2]) != "body" || !strings.HasPrefix(string(m.Frames[3]), "worker-") {
							errs <- fmt.Errorf("%s: reply %q", id, m.Frames)
							return
						}
					}
					errs <- nil
				}()
			}
			for range clients {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			wg.Wait()
			if err := stop(); err != nil {
				t.Fatalf("Run after Terminate: %v", err)
			}
			st := p.Stats()
			n := uint64(clients * requests)
			if st.Frontend.MsgsIn != n || st.Backend.MsgsOut != n || st.Backend.MsgsIn != n || st.Frontend.MsgsOut != n {
				t.Fatalf("statistics %+v, want %d messages each way", st, n)
			}
			// A request through the ROUTER: routing id, "client-c-i", "", "body".
			if st.Frontend.BytesIn <= n*uint64(len("client-0-0body")) || st.Frontend.BytesIn != st.Backend.BytesOut {
				t.Fatalf("statistics %+v: bytes do not add up", st)
			}
		})
	}
}

// A FORWARDER (XSUB frontend connected to a PUB, XPUB backend) carries
// the subscribers' subscriptions upstream, so that each subscriber gets
// exactly the topics it asked for, in order.
func TestProxyForwarder(t *testing.T) {
	checkLeaks(t)
	pub := newSock(t, zmq.Pub)
	pubEP := bound(t, pub, "tcp")
	xsub := newSock(t, zmq.XSub)
	if err := xsub.Connect(pubEP); err != nil {
		t.Fatal(err)
	}
	xpub := newSock(t, zmq.XPub)
	xpubEP := bound(t, xpub, "tcp")
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- zmq.Device(ctx, zmq.Forwarder, xsub, xpub) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Device returned %v after its context ended", err)
		}
	}()

	topics := []string{"A", "B"}
	subs := make([]*zmq.Socket, len(topics))
	for i, topic := range topics {
		subs[i] = newSock(t, zmq.Sub, zmq.Subscribe([]byte(topic)))
		if err := subs[i].Connect(xpubEP); err != nil {
			t.Fatal(err)
		}
	}
	// Publish syncs until each subscriber has one: its subscription has
	// then gone up through the forwarder to the publisher.
	for i, s := range subs {
		for synced := false; !synced; {
			send(t, pub, topics[i], "sync")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_, err := s.Recv(ctx)
			cancel()
			synced = err == nil
		}
	}
	const n = 100
	for i := range n {
		for _, topic := range []string{"A", "B", "C"} {
			send(t, pub, topic, fmt.Sprint(topic, i))
		}
	}
	for _, topic := range topics {
		send(t, pub, topic, "end")
	}
	for i, s := range subs {
		want := 0
		for {
			got := recvStrings(t, s)
			if got[1] == "sync" {
				continue
			}
			if got[1] == "end" {
				break
			}
			if len(got) != 2 || got[0] != topics[i] || got[1] != fmt.Sprint(topics[i], want) {
				t.Fatalf("subscriber to %q got %q, want message %d", topics[i], got, want)
			}
			want++
		}
		if want != n {
			t.Fatalf("subscriber to %q got %d messages, want %d", topics[i], want, n)
		}
	}
}

// A STREAMER passes a pipeline on in order; its capture socket gets a copy
// of every message, whole, in the same order.
func TestProxyStreamerCapture(t *testing.T) {
	checkLeaks(t)
	pull := newSock(t, zmq.Pull)
	push := newSock(t, zmq.Push)
	src := newSock(t, zmq.Push)
	dst := newSock(t, zmq.Pull)
	if err := src.Connect(bound(t, pull, "tcp")); err != nil {
		t.Fatal(err)
	}
	if err := dst.Connect(bound(t, push, "tcp")); err != nil {
		t.Fatal(err)
	}
	capture := newSock(t, zmq.Pair)
	tap := newSock(t, zmq.Pair)
	if err := tap.Connect(bound(t, capture, "inproc")); err != nil {
		t.Fatal(err)
	}
	stop := runProxy(t, zmq.NewSteerableProxy(pull, push, capture))
	const n = 500
	go func() {
		for i := range n {
			if src.Send(tctx(t), zmq.NewMsgString(fmt.Sprint(i), strings.Repeat("x", i))) != nil {
				return
			}
		}
	}()
	for i := range n {
		expect(t, dst, fmt.Sprint(i), strings.Repeat("x", i))
		expect(t, tap, fmt.Sprint(i), strings.Repeat("x", i))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Device checks its sockets' types against the device it runs.
func TestDeviceTypes(t *testing.T) {
	checkLeaks(t)
	socks := map[zmq.Type]*zmq.Socket{}
	for _, typ := range []zmq.Type{zmq.Router, zmq.Dealer, zmq.Pull, zmq.Push, zmq.XSub, zmq.XPub, zmq.Sub, zmq.Pub, zmq.Pair} {
		socks[typ] = newSock(t, typ)
	}
	bad := []struct {
		kind        zmq.DeviceKind
		front, back zmq.Type
	}{
		{zmq.Queue, zmq.Dealer, zmq.Router},
		{zmq.Queue, zmq.Pair, zmq.Dealer},
		{zmq.Streamer, zmq.Push, zmq.Pull},
		{zmq.Forwarder, zmq.XPub, zmq.XSub},
		{zmq.Forwarder, zmq.Pull, zmq.Pub},
	}
	for _, c := range bad {
		err := zmq.Device(context.Background(), c.kind, socks[c.front], socks[c.back])
		if !errors.Is(err, zmq.ErrInvalid) || !strings.Contains(err.Error(), c.kind.String()) {
			t.Errorf("%v with %v and %v: %v, want ErrInvalid naming the device", c.kind, c.front, c.back, err)
		}
	}
	if err := zmq.Device(context.Background(), zmq.DeviceKind(9), socks[zmq.Router], socks[zmq.Dealer]); !errors.Is(err, zmq.ErrInvalid) {
		t.Errorf("an unknown device: %v", err)
	}
	if err := zmq.Device(context.Background(), zmq.Queue, nil, socks[zmq.Dealer]); !errors.Is(err, zmq.ErrProxySocket) {
		t.Errorf("a nil frontend: %v", err)
	}
	if err := zmq.Proxy(context.Background(), socks[zmq.Router], nil, nil); !errors.Is(err, zmq.ErrProxySocket) {
		t.Errorf("a nil backend: %v", err)
	}
	// Good pairs run until their context ends.
	for _, c := range []struct {
		kind        zmq.DeviceKind
		front, back zmq.Type
	}{{zmq.Queue, zmq.Router, zmq.Dealer}, {zmq.Streamer, zmq.Pull, zmq.Push}, {zmq.Forwarder, zmq.Sub, zmq.Pub}} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := zmq.Device(ctx, c.kind, socks[c.front], socks[c.back]); !errors.Is(err, context.Canceled) {
			t.Errorf("%v with its own types and an ended context: %v", c.kind, err)
		}
	}
}

// A proxy whose frontend and backend are one ROUTER sends each message back
// where its routing id says: to the peer it came from.
func TestProxySameSocket(t *testing.T) {
	checkLeaks(t)
	router := newSock(t, zmq.Router)
	dealer := newSock(t, zmq.Dealer)
	if err := dealer.Connect(bound(t, router, "tcp")); err != nil {
		t.Fatal(err)
	}
	p := zmq.NewSteerableProxy(router, router, nil)
	stop := runProxy(t, p)
	for i := range 10 {
		send(t, dealer, "ping", fmt.Sprint(i))
		expect(t, dealer, "ping", fmt.Sprint(i))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Frontend.MsgsIn != 10 || st.Backend.MsgsOut != 10 || st.Backend.MsgsIn != 0 {
		t.Fatalf("statistics %+v, want 10 messages in and out once", st)
	}
}

// Pause stops forwarding until Resume, and what was sent meanwhile then
// arrives in order; Stats counts a multipart message once, with all its
// bytes; Terminate makes Run return nil.
func TestSteerableProxyPause(t *testing.T) {
	checkLeaks(t)
	pull, push := newSock(t, zmq.Pull), newSock(t, zmq.Push)
	src, dst := newSock(t, zmq.Push), newSock(t, zmq.Pull)
	if err := src.Connect(bound(t, pull, "tcp")); err != nil {
		t.Fatal(err)
	}
	if err := dst.Connect(bound(t, push, "tcp")); err != nil {
		t.Fatal(err)
	}
	p := zmq.NewSteerableProxy(pull, push, nil)
	stop := runProxy(t, p)
	send(t, src, "one", "12345")
	expect(t, dst, "one", "12345")

	p.Pause()
	p.Pause() // twice changes nothing
	waitBlocked(t, pull, 0, 0)
	send(t, src, "two", "")
	send(t, src, "three")
	expectNothing(t, dst, 200*time.Millisecond)
	if st := p.Stats(); st.Frontend.MsgsIn != 1 || st.Frontend.BytesIn != 8 || st.Backend.MsgsOut != 1 || st.Backend.BytesOut != 8 {
		t.Fatalf("statistics while paused %+v, want the first message only", st)
	}
	p.Resume()
	expect(t, dst, "two", "")
	expect(t, dst, "three")
	if err := stop(); err != nil {
		t.Fatalf("Run returned %v after Terminate", err)
	}
	if st := p.Stats(); st.Frontend.MsgsIn != 3 || st.Frontend.BytesIn != 16 || st.Backend.MsgsOut != 3 {
		t.Fatalf("statistics %+v, want 3 messages of 16 bytes", st)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatalf("Run after Terminate: %v, want nil at once", err)
	}
}

// Run returns with the error that stopped it: the context's, a closed
// socket's; a second Run of a running proxy is refused.
func TestSteerableProxyErrors(t *testing.T) {
	checkLeaks(t)
	pull, push := newSock(t, zmq.Pull), newSock(t, zmq.Push)
	bound(t, pull, "inproc")
	p := zmq.NewSteerableProxy(pull, push, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run until its deadline: %v", err)
	}

	p = zmq.NewSteerableProxy(pull, push, nil)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	waitBlocked(t, pull, 1, 0)
	if err := p.Run(context.Background()); !errors.Is(err, zmq.ErrProxyRunning) {
		t.Fatalf("a second Run: %v", err)
	}
	pull.Close()
	select {
	case err := <-done:
		if !errors.Is(err, zmq.ErrClosed) {
			t.Fatalf("Run after its frontend closed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its frontend closed")
	}
}

// The control socket of ProxySteerable takes libzmq's commands: a REP gets
// an empty reply to PAUSE, RESUME, TERMINATE and unknown commands, and
// eight 8-byte counters in the host's byte order to STATISTICS; a PAIR
// gets no reply but to STATISTICS. TERMINATE makes ProxySteerable return
// nil.
func TestProxySteerableControl(t *testing.T) {
	for _, ctlType := range []zmq.Type{zmq.Rep, zmq.Pair} {
		t.Run(ctlType.String(), func(t *testing.T) {
			checkLeaks(t)
			pull, push := newSock(t, zmq.Pull), newSock(t, zmq.Push)
			src, dst := newSock(t, zmq.Push), newSock(t, zmq.Pull)
			if err := src.Connect(bound(t, pull, "tcp")); err != nil {
				t.Fatal(err)
			}
			if err := dst.Connect(bound(t, push, "tcp")); err != nil {
				t.Fatal(err)
			}
			control := newSock(t, ctlType)
			peerType := zmq.Req
			if ctlType == zmq.Pair {
				peerType = zmq.Pair
			}
			steer := newSock(t, peerType)
			if err := steer.Connect(bound(t, control, "inproc")); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- zmq.ProxySteerable(context.Background(), pull, push, nil, control) }()
			command := func(cmd string) {
				t.Helper()
				send(t, steer, cmd)
				if ctlType == zmq.Rep {
					expect(t, steer, "")
				}
			}

			send(t, src, "hello", "world")
			expect(t, dst, "hello", "world")
			send(t, steer, "STATISTICS")
			m, err := steer.Recv(tctx(t))
			if err != nil || len(m.Frames) != 8 {
				t.Fatalf("STATISTICS answered %d frames, %v", len(m.Frames), err)
			}
			want := []uint64{1, 10, 0, 0, 0, 0, 1, 10}
			for i, f := range m.Frames {
				if len(f) != 8 || binary.NativeEndian.Uint64(f) != want[i] {
					t.Fatalf("STATISTICS frame %d is %x, want %d", i, f, want[i])
				}
			}
			command("PAUSE")
			waitBlocked(t, pull, 0, 0)
			send(t, src, "held")
			expectNothing(t, dst, 100*time.Millisecond)
			command("BOGUS")
			command("RESUME")
			expect(t, dst, "held")
			command("TERMINATE")
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("ProxySteerable returned %v after TERMINATE", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ProxySteerable did not return after TERMINATE")
			}
		})
	}
}
