package zmq_test

import (
	"errors"
	"fmt"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// Over inproc a sender stages messages and hands them over in batches; the
// pipe still holds exactly SNDHWM + RCVHWM messages, as libzmq's does, and
// a non-blocking receive gets what is staged.
func TestInprocHWMExact(t *testing.T) {
	for _, hwm := range []int{1, 10, 100} {
		t.Run(fmt.Sprint(hwm), func(t *testing.T) {
			pull := newSock(t, zmq.Pull, zmq.RecvHWM(hwm))
			ep := bound(t, pull, "inproc")
			push := newSock(t, zmq.Push, zmq.SendHWM(hwm))
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			sent := 0
			for ; sent < 10*hwm; sent++ {
				if err := push.TrySend(zmq.NewMsgString(fmt.Sprint(sent))); err != nil {
					if !errors.Is(err, zmq.ErrWouldBlock) {
						t.Fatal(err)
					}
					break
				}
			}
			if sent != 2*hwm {
				t.Fatalf("sent %d messages before the pipe was full, want %d", sent, 2*hwm)
			}
			for i := 0; i < sent; i++ {
				m, err := pull.TryRecv()
				if err != nil || m.String() != fmt.Sprintf("[%q]", fmt.Sprint(i)) {
					t.Fatalf("message %d: %v %v", i, m, err)
				}
			}
			if _, err := pull.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("TryRecv on an empty pipe: %v", err)
			}
			// Room again.
			if err := push.TrySend(zmq.NewMsgString("again")); err != nil {
				t.Fatal(err)
			}
			m, err := pull.TryRecv()
			if err != nil || string(m.Bytes()) != "again" {
				t.Fatalf("after draining: %v %v", m, err)
			}
		})
	}
}

// A sender that stops with messages staged, while its receiver is busy
// elsewhere, does not hold them back: the receiver's next receive takes
// them, and a peer that sends again later is not passed over.
func TestInprocStagedMessagesReachReceiver(t *testing.T) {
	pull := newSock(t, zmq.Pull)
	ep := bound(t, pull, "inproc")
	a := newSock(t, zmq.Push)
	b := newSock(t, zmq.Push)
	a.Connect(ep)
	b.Connect(ep)
	for i := 0; i < 5; i++ {
		send(t, a, fmt.Sprint("a", i))
		send(t, b, fmt.Sprint("b", i))
	}
	got := map[string]bool{}
	var order []byte
	for i := 0; i < 10; i++ {
		s := recvStrings(t, pull)[0]
		got[s] = true
		order = append(order, s[0])
	}
	if len(got) != 10 {
		t.Fatalf("received %v", got)
	}
	// Fair queuing: neither peer gets far ahead of the other.
	na, nb := 0, 0
	for _, c := range order {
		if c == 'a' {
			na++
		} else {
			nb++
		}
		if na-nb > 2 || nb-na > 2 {
			t.Fatalf("order %s is not fair", order)
		}
	}
}
