package smoke

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The chapter 3 examples (advanced request-reply). Most run clients,
// workers and brokers in one process; each test bounds the example with
// its flags, and checks what it prints line by line.
func TestChapter3(t *testing.T) {
	r := build(t)

	t.Run("mtrelay", func(t *testing.T) {
		p := r.start(t, "mtrelay")
		p.exit(t)
		p.match(t, `^Step 1 ready, signaling step 2\nStep 2 ready, signaling step 3\nTest successful!\n$`)
	})

	t.Run("psenv", func(t *testing.T) {
		pub := r.start(t, "psenvpub", "-interval=20ms", loopback)
		sub := r.start(t, "psenvsub", "-n=5")
		sub.exit(t)
		// Only "B" passes the subscription, its key and content in
		// frames of their own.
		sub.match(t, `^(\[B\] We would like to see this\n){5}$`)
		ch3Interrupt(t, pub)
		pub.match(t, `^$`)
	})

	t.Run("identity", func(t *testing.T) {
		p := r.start(t, "identity")
		p.exit(t)
		// A generated identity is a zero byte and four random ones,
		// printed in hexadecimal; "PEER2" and the texts print as text,
		// the empty delimiter as nothing.
		p.match(t, `^-{40}\n`+
			`\[005\] 00[0-9A-F]{8}\n\[000\] \n\[039\] ROUTER uses a generated 5 byte identity\n`+
			`-{40}\n`+
			`\[005\] PEER2\n\[000\] \n\[040\] ROUTER socket uses REQ's socket identity\n$`)
	})

	for _, name := range []string{"rtreq", "rtdealer"} {
		t.Run(name, func(t *testing.T) {
			p := r.start(t, name, "-for=1s", "-scale=0.01", loopback)
			p.exit(t)
			// Each of the ten workers is fired once, and the broker has
			// given every one of them work: with tasks of at most 5 ms
			// for a second, each does dozens.
			lines := ch3Lines(t, p, `^Completed: (\d+) tasks$`)
			if len(lines) != 10 {
				t.Fatalf("%d workers reported, want 10", len(lines))
			}
			for _, l := range lines {
				if n, _ := strconv.Atoi(l[1]); n < 1 {
					t.Errorf("a worker did no task: %q", l[0])
				}
			}
		})
	}

	t.Run("lbbroker", func(t *testing.T) {
		p := r.start(t, "lbbroker")
		p.exit(t)
		// Every client's request reaches a worker, and its reply the
		// client; the broker then exits and stops the workers.
		p.match(t, `^((Worker: HELLO|Client: OK)\n){20}$`)
		p.count(t, "Worker: HELLO\n", 10)
		p.count(t, "Client: OK\n", 10)
	})

	t.Run("lbbroker-load", func(t *testing.T) {
		// More clients than the broker's queue of workers ever holds:
		// their requests wait in the frontend until a worker is free.
		p := r.start(t, "lbbroker", "-clients=50", "-workers=2")
		p.exit(t)
		p.count(t, "Worker: HELLO\n", 50)
		p.count(t, "Client: OK\n", 50)
	})

	t.Run("asyncsrv", func(t *testing.T) {
		// Ticks of 100 ms for 2 s: about 20 requests per client, each
		// answered 0 to 4 times, every reply after up to 100 ms. Each
		// line is a reply with its client's identity and its size.
		p := r.start(t, "asyncsrv", "-for=2s", "-scale=0.1", loopback)
		p.exit(t)
		lines := ch3Lines(t, p, `^([0-9A-F]{4}-[0-9A-F]{4})\[(\d{3})\] (request #(\d+))$`)
		clients := map[string]int{}
		for _, l := range lines {
			if size, _ := strconv.Atoi(l[2]); size != len(l[3]) {
				t.Errorf("%q: size %d, want %d", l[0], size, len(l[3]))
			}
			if n, _ := strconv.Atoi(l[4]); n < 1 || n > 25 {
				t.Errorf("%q: no client sent request #%d in 2 s", l[0], n)
			}
			clients[l[1]]++
		}
		// The chance that a client gets no reply to any of its requests
		// is below 0.2^15.
		if len(clients) != 3 {
			t.Errorf("replies went to %d clients, want 3: %v", len(clients), clients)
		}
	})
}

// ch3Interrupt sends the process an interrupt, as Ctrl-C does, and checks
// that it exits cleanly.
func ch3Interrupt(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	p.exit(t)
}

// ch3Lines returns the submatches of expr in each line of the output,
// failing the test if a line does not match or there is no line at all.
func ch3Lines(t *testing.T, p *proc, expr string) [][]string {
	t.Helper()
	re := regexp.MustCompile(expr)
	out := p.output()
	if out == "" {
		t.Fatalf("%s printed nothing", p.name)
	}
	var all [][]string
	for l := range strings.Lines(out) {
		m := re.FindStringSubmatch(strings.TrimSuffix(l, "\n"))
		if m == nil {
			t.Fatalf("%s printed %q, want lines matching %s", p.name, l, expr)
		}
		all = append(all, m)
	}
	return all
}
