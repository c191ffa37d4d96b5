package smoke

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The Majordomo examples of chapter 4 (mdbroker, mdworker, mdclient)
// with heartbeats every 200 ms instead of 2.5 s: a worker is expired after
// three silent heartbeats, 600 ms.
func TestMajordomo(t *testing.T) {
	r := build(t)
	const hb = "-heartbeat=200ms"
	const reconnect = "-reconnect=200ms"

	t.Run("echo", func(t *testing.T) {
		r.start(t, "mdbroker", hb, loopback, "-for=30s")
		w1 := r.start(t, "mdworker", hb, reconnect)
		r.start(t, "mdworker", hb, reconnect)
		client := r.start(t, "mdclient", "-n=1000")
		client.exit(t)
		client.match(t, `^1000 requests/replies processed\n$`)
		// Interrupted, a worker says goodbye and exits cleanly.
		if err := w1.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		w1.exit(t)
		w1.match(t, `W: interrupt received, killing worker\.\.\.\n$`)
	})

	t.Run("expiry", func(t *testing.T) {
		broker := r.start(t, "mdbroker", "-v", hb, loopback, "-for=30s")
		registered := regexp.MustCompile(`I: registering new worker: ([0-9A-F]+)\n`)
		workerIDs := func(n int) []string {
			broker.wait(t, "a worker's registration", func(out string) bool {
				return len(registered.FindAllString(out, -1)) == n
			})
			var ids []string
			for _, m := range registered.FindAllStringSubmatch(broker.output(), -1) {
				ids = append(ids, m[1])
			}
			return ids
		}
		doomed := r.start(t, "mdworker", hb, reconnect)
		id := workerIDs(1)[0]
		r.start(t, "mdworker", hb, reconnect)
		workerIDs(2)

		client := r.start(t, "mdclient", "-n=10")
		client.exit(t)
		client.match(t, `^10 requests/replies processed\n$`)

		// Killed, the worker sends nothing more: the broker deletes it
		// once three heartbeats have passed.
		if err := doomed.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-doomed.done
		killed := time.Now()
		broker.wait(t, "the expiry of worker "+id, func(out string) bool {
			return strings.Contains(out, "I: deleting expired worker: "+id+"\n")
		})
		if d := time.Since(killed); d > 10*time.Second {
			t.Errorf("the broker took %v to expire the worker", d)
		}

		// Requests go to the live worker only: one sent to the dead
		// worker would be lost, and the client tries each once.
		client = r.start(t, "mdclient", "-n=10", "-timeout=10s", "-retries=1")
		client.exit(t)
		client.match(t, `^10 requests/replies processed\n$`)
	})

	t.Run("queued", func(t *testing.T) {
		// A request for a service without workers waits for one.
		broker := r.start(t, "mdbroker", "-v", hb, loopback, "-for=30s")
		client := r.start(t, "mdclient", "-n=3", "-timeout=10s", "-retries=1")
		broker.wait(t, "the client's request", func(out string) bool {
			return strings.Contains(out, "[006] MDPC01\n[004] echo\n[011] Hello world\n")
		})
		r.start(t, "mdworker", hb, reconnect)
		client.exit(t)
		client.match(t, `^3 requests/replies processed\n$`)
	})

	t.Run("unknown-service", func(t *testing.T) {
		r.start(t, "mdbroker", hb, loopback, "-for=30s")
		r.start(t, "mdworker", hb, reconnect)
		client := r.start(t, "mdclient", "-n=1", "-service=nosuch", "-timeout=200ms", "-retries=2", "-v")
		mdExitFailed(t, client)
		client.match(t, `(?s)I: send request to 'nosuch' service:.*W: no reply, reconnecting\.\.\.\n.*W: permanent error, abandoning\n`)
		client.match(t, `\n0 requests/replies processed\n`)
		client.match(t, `mdp: no reply from service "nosuch" after 2 attempts\n$`)
		// The broker and the worker serve on.
		client = r.start(t, "mdclient", "-n=5")
		client.exit(t)
		client.match(t, `^5 requests/replies processed\n$`)
	})
}

// mdExitFailed waits for the process to end and checks that it failed
// with status 1, as log.Fatal exits.
func mdExitFailed(t *testing.T, p *proc) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still runs after %v", p.name, timeout)
	}
	var exit *exec.ExitError
	if !errors.As(p.err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("%s: %v, want exit status 1", p.name, p.err)
	}
}
