package smoke

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestChapter4 runs the reliable request-reply examples of the zguide's
// chapter 4 (the Lazy, Simple and Paranoid Pirates), and chapter 5's
// espresso, with their timeouts and heartbeats shortened.
func TestChapter4(t *testing.T) {
	r := build(t)

	// The server crashes (the seed makes it do so after a few requests);
	// the client tries three times on fresh sockets and gives up.
	t.Run("lazy-pirate", func(t *testing.T) {
		server := r.start(t, "lpserver", "-seed=1", "-work=0", "-overload=0", loopback)
		client := r.start(t, "lpclient", "-timeout=500ms")
		server.exit(t)
		server.match(t, `I: simulating a crash\n$`)
		client.exit(t)
		if got := ch4Replies(t, client); len(got) < 3 {
			t.Errorf("lpclient had %d requests answered, want at least 3", len(got))
		}
		client.match(t, `^I: connecting to server\.\.\.\n`)
		client.match(t, `\nI: server replied OK \(\d+\)\n`+
			`(W: no response from server, retrying\.\.\.\nI: connecting to server\.\.\.\n){2}`+
			`E: server seems to be offline, abandoning\n$`)
	})

	// The server is overloaded now and then, beyond the client's
	// timeout: the client sends the request again on a new socket. Then
	// the server crashes, and the client goes on with a new one.
	t.Run("lazy-pirate-restart", func(t *testing.T) {
		server := r.start(t, "lpserver", "-seed=1", "-work=0", "-overload=450ms", loopback)
		client := r.start(t, "lpclient", "-timeout=300ms", "-retries=10")
		server.exit(t)
		server.match(t, `I: simulating CPU overload\n`)
		server.match(t, `I: simulating a crash\n$`)
		served := ch4Numbers(server.output(), `I: normal request \((\d+)\)\n`)
		if len(served) == 0 {
			t.Fatal("lpserver served no request")
		}
		restarted := r.start(t, "lpserver", "-cycles=1000000", "-work=0", loopback)
		first := regexp.MustCompile(`^I: normal request \((\d+)\)\n`)
		restarted.wait(t, "a request", first.MatchString)
		// The first request the new server gets is the one the crash
		// lost, or one the old server answered on a socket the client
		// had given up.
		lost, _ := strconv.Atoi(first.FindStringSubmatch(restarted.output())[1])
		if last := served[len(served)-1]; lost != last && lost != last+1 {
			t.Errorf("the restarted server got request %d first, after %d", lost, last)
		}
		ok := fmt.Sprintf("I: server replied OK (%d)\n", lost+1)
		client.wait(t, strconv.Quote(ok), func(out string) bool { return strings.Contains(out, ok) })
		ch4Interrupt(t, client)
		ch4Interrupt(t, restarted)
		ch4Replies(t, client)
		client.match(t, `W: no response from server, retrying\.\.\.\nI: connecting to server\.\.\.\n`)
		if strings.Contains(client.output(), "abandoning") {
			t.Error("lpclient abandoned")
		}
	})

	// A worker crashes with a request (the seed makes it do so): the
	// client sends it again, and the queue gives it to the worker
	// started after the crash.
	t.Run("simple-pirate", func(t *testing.T) {
		r.start(t, "spqueue", loopback, "-for=30s")
		crashing := r.start(t, "spworker", "-seed=2", "-cycles=0", "-work=0", "-overload=0")
		client := r.start(t, "lpclient", "-n=20", "-timeout=300ms", "-retries=10")
		crashing.exit(t)
		ch4Worker(t, crashing, `^worker ready\n((normal reply|simulating CPU overload)\n)*simulating a crash\n$`)
		worker := r.start(t, "spworker", "-cycles=1000000", "-work=0")
		client.exit(t)
		if got := ch4Replies(t, client); len(got) != 20 {
			t.Errorf("lpclient had %d requests answered, want 20", len(got))
		}
		client.match(t, `W: no response from server, retrying\.\.\.\nI: connecting to server\.\.\.\n`)
		ch4Interrupt(t, worker)
		ch4Worker(t, worker, `^worker ready\n(normal reply\n)+$`)
		served := strings.Count(crashing.output(), "normal reply") + strings.Count(worker.output(), "normal reply")
		if served < 20 {
			t.Errorf("the workers replied %d times, want at least 20", served)
		}
	})

	// A worker serves a client through the queue, heartbeating; then it
	// is killed, and the queue forgets it once its heartbeats are
	// missed.
	t.Run("paranoid-pirate", func(t *testing.T) {
		queue := r.start(t, "ppqueue", "-heartbeat=100ms", loopback, "-for=30s")
		worker := r.start(t, "ppworker", "-cycles=1000000", "-work=0", "-heartbeat=100ms", "-reconnect=100ms")
		client := r.start(t, "lpclient", "-n=5", "-timeout=1s")
		client.exit(t)
		if got := ch4Replies(t, client); len(got) != 5 {
			t.Errorf("lpclient had %d requests answered, want 5", len(got))
		}
		ch4Kill(t, worker)
		worker.match(t, `^I: worker ready\n`)
		if n := strings.Count(worker.output(), "I: normal reply\n"); n < 5 {
			t.Errorf("ppworker replied %d times, want at least 5", n)
		}
		expired := regexp.MustCompile(`W: worker [0-9A-F]+ expired\n`)
		queue.wait(t, "the worker's expiry", expired.MatchString)
		ch4Interrupt(t, queue)
		queue.match(t, `^(W: worker [0-9A-F]+ expired\n)+$`)
	})

	// The queue goes away: the worker notices the missing heartbeats and
	// reconnects, waiting longer each time, until a queue is back and it
	// serves clients again.
	t.Run("paranoid-pirate-reconnect", func(t *testing.T) {
		queue := r.start(t, "ppqueue", "-heartbeat=100ms", loopback, "-for=30s")
		worker := r.start(t, "ppworker", "-cycles=1000000", "-work=0", "-heartbeat=100ms", "-reconnect=100ms")
		first := r.start(t, "lpclient", "-n=1", "-timeout=1s")
		first.exit(t)
		if got := ch4Replies(t, first); len(got) != 1 {
			t.Fatalf("lpclient had %d requests answered, want 1", len(got))
		}
		ch4Interrupt(t, queue)
		worker.wait(t, "a second reconnection", func(out string) bool {
			return strings.Contains(out, "W: reconnecting in 200 msec...\n")
		})
		r.start(t, "ppqueue", "-heartbeat=100ms", loopback, "-for=30s")
		client := r.start(t, "lpclient", "-n=3", "-timeout=1s")
		client.exit(t)
		if got := ch4Replies(t, client); len(got) != 3 {
			t.Errorf("lpclient had %d requests answered, want 3", len(got))
		}
		ch4Interrupt(t, worker)
		worker.match(t, `W: heartbeat failure, can't reach queue\nW: reconnecting in 100 msec\.\.\.\nI: worker ready\n`)
		worker.match(t, `W: heartbeat failure, can't reach queue\nW: reconnecting in 200 msec\.\.\.\nI: worker ready\n`)
		worker.match(t, `(?s)reconnecting in 200 msec.*(I: normal reply\n.*){3}`)
	})

	// The listener prints the subscriptions, at least the five messages
	// the subscriber takes (more may pass before it leaves), and the
	// unsubscriptions.
	t.Run("espresso", func(t *testing.T) {
		p := r.start(t, "espresso", "-interval=10ms", loopback)
		p.wait(t, "the unsubscriptions", func(out string) bool {
			return strings.Contains(out, "[002] 0041\n") && strings.Contains(out, "[002] 0042\n")
		})
		ch4Interrupt(t, p)
		out := p.output()
		subs := regexp.MustCompile(`^\[002\] 014[12]\n\[002\] 014[12]\n`).FindString(out)
		if subs == "" || strings.Count(subs, "0141") != 1 {
			t.Fatalf("espresso printed %q, want the subscriptions to A and B first", out)
		}
		data := regexp.MustCompile(`\[007\] [A-J]-\d{5}\n`).FindAllString(out, -1)
		for _, d := range data {
			if d[6] != 'A' && d[6] != 'B' {
				t.Errorf("espresso passed %q, which no one subscribed to", d)
			}
		}
		if len(data) < 5 {
			t.Errorf("espresso passed %d messages, want at least 5", len(data))
		}
		// The unsubscriptions follow the five messages, and are the last
		// control frames; a message already on its way may follow them.
		unsub := strings.Index(out, "[002] 004")
		if unsub < 0 || strings.Count(out[:unsub], "[007]") < 5 {
			t.Errorf("espresso printed %q, want the unsubscriptions after five messages", out)
		}
		p.match(t, `\[002\] 004[12]\n(\[007\] [AB]-\d{5}\n)*\[002\] 004[12]\n(\[007\] [AB]-\d{5}\n)* interrupted\n$`)
		if n := len(regexp.MustCompile(`(?m)^\[002\]`).FindAllString(out, -1)); n != 4 {
			t.Errorf("espresso printed %d control frames, want 4", n)
		}
	})
}

// ch4Replies returns the replies lpclient printed as OK, checking that
// they count up from 1.
func ch4Replies(t *testing.T, p *proc) []int {
	t.Helper()
	replies := ch4Numbers(p.output(), `I: server replied OK \((\d+)\)\n`)
	for i, n := range replies {
		if n != i+1 {
			t.Errorf("%s: reply %d after %d", p.name, n, i)
			break
		}
	}
	return replies
}

// ch4Worker checks that each line spworker printed begins with "I: " and
// one identity, and that the lines without them match expr.
func ch4Worker(t *testing.T, p *proc, expr string) {
	t.Helper()
	out := p.output()
	prefix := regexp.MustCompile(`^I: \([0-9A-F]{4}-[0-9A-F]{4}\) `).FindString(out)
	var rest strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if line == "" {
			continue
		}
		if prefix == "" || !strings.HasPrefix(line, prefix) {
			t.Errorf("%s printed %q, want each line to begin with I: and one identity", p.name, out)
			return
		}
		rest.WriteString(strings.TrimPrefix(line, prefix))
	}
	if !regexp.MustCompile(expr).MatchString(rest.String()) {
		t.Errorf("%s printed %q, want a match for %s after the identity", p.name, out, expr)
	}
}

// ch4Numbers returns the numbers expr's first group matches in out.
func ch4Numbers(out, expr string) []int {
	var ns []int
	for _, m := range regexp.MustCompile(expr).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		ns = append(ns, n)
	}
	return ns
}

// ch4Interrupt stops a process as Ctrl-C does and checks that it exits
// successfully.
func ch4Interrupt(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		select {
		case <-p.done: // it had exited already
		default:
			t.Fatalf("%s: %v", p.name, err)
		}
	}
	p.exit(t)
}

// ch4Kill kills a process, as a crash or a power cut would, and waits
// until it has gone.
func ch4Kill(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still runs %v after it was killed", p.name, timeout)
	}
}
