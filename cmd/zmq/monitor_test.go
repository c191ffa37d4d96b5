package main

import (
	"regexp"
	"strings"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// monitor prints the events of a peer's visit, in order, with -n ending
// it after the fourth.
func TestMonitor(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			mon := start(t, nil, "monitor", "-type", "pull", "-n", "4", "@"+endpointFor(t, tr))
			ep := mon.awaitMatch(t, mon.stdout, `LISTENING ((?:tcp|ipc)://\S+) fd=\d+\n`)[1]
			push := libSocket(t, zmq.Push)
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			sendFrames(t, push, "hello") // discarded by the monitor's PULL
			mon.awaitMatch(t, mon.stdout, `HANDSHAKE_SUCCEEDED `)
			push.Close()
			mon.succeed(t)

			time := `\d\d:\d\d:\d\d\.\d{6} `
			peer := ` peer=(?:tcp|ipc)://\S+`
			want := []string{
				time + `LISTENING ` + regexp.QuoteMeta(ep) + ` fd=\d+`,
				time + `ACCEPTED ` + regexp.QuoteMeta(ep) + peer + ` fd=\d+`,
				time + `HANDSHAKE_SUCCEEDED ` + regexp.QuoteMeta(ep) + peer,
				time + `DISCONNECTED ` + regexp.QuoteMeta(ep) + peer + ` fd=\d+ cause=".+"`,
			}
			lines := strings.Split(strings.TrimSuffix(mon.stdout.String(), "\n"), "\n")
			if len(lines) != len(want) {
				t.Fatalf("monitor -n 4 printed %d lines:\n%s", len(lines), mon.stdout)
			}
			for i, re := range want {
				if !regexp.MustCompile("^" + re + "$").MatchString(lines[i]) {
					t.Errorf("line %d is %q, want a match of %q", i+1, lines[i], re)
				}
			}
		})
	}
}

// -events selects what is printed; a connecting monitor reports its
// attempts on a port nobody listens on.
func TestMonitorEvents(t *testing.T) {
	ep := "tcp://" + closedAddr(t)
	mon := start(t, nil, "monitor", "-type", "dealer", "-n", "2", "-events", "closed,connect_retried", ep)
	mon.succeed(t)
	q := regexp.QuoteMeta(ep)
	re := regexp.MustCompile(`^\S+ CLOSED ` + q + ` errno=\d+ cause=".+"\n\S+ CONNECT_RETRIED ` + q + ` retry=\d+ms\n$`)
	if got := mon.stdout.String(); !re.MatchString(got) {
		t.Fatalf("monitor printed %q, want a refused attempt and a retry", got)
	}
}
