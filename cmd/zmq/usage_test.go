package main

import (
	"net"
	"strings"
	"testing"
)

// -h, --help and help print usage on stdout and exit 0, for the command
// and each subcommand.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"help", "help"}, {"help", "-h"}} {
		stdout, stderr, code := run(t, "", args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "zmq is ZeroMQ at the shell") {
			t.Fatalf("zmq %v: exit code %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
		}
		for _, c := range commands {
			if !strings.Contains(stdout, "\t"+c.name+" ") {
				t.Errorf("zmq %v does not list %s:\n%s", args, c.name, stdout)
			}
		}
	}
	for _, c := range commands {
		if c.name == "help" {
			continue
		}
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}, {c.name, "-help", "tcp://x:1"}} {
			stdout, stderr, code := run(t, "", args...)
			if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "Usage: zmq "+c.name+" ") || !strings.Contains(stdout, "\nFlags:\n") {
				t.Fatalf("zmq %v: exit code %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
			}
		}
	}
}

// Mistakes exit 2 (usage) or 1 (failure) with a message naming the
// subcommand and the cause.
func TestBadInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	inUse := "tcp://" + ln.Addr().String()
	free := "tcp://" + closedAddr(t)

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"nosuch"}, exitUsage, `zmq: unknown subcommand "nosuch"`},
		{[]string{"help", "nosuch"}, exitUsage, `zmq help: unknown subcommand "nosuch"`},
		{[]string{"recv", "foo://x"}, exitUsage, `zmq recv: endpoint "foo://x": unknown transport "foo"`},
		{[]string{"send", "@foo://x"}, exitUsage, `zmq send: endpoint "@foo://x": unknown transport "foo"`},
		{[]string{"recv", "localhost:5555"}, exitUsage, `zmq recv: endpoint "localhost:5555" has no transport`},
		{[]string{"recv", "inproc://x"}, exitUsage, `inproc reaches only sockets of the same process`},
		{[]string{"recv", "tcp://localhost"}, exitUsage, `zmq recv: connect tcp://localhost: `},
		{[]string{"recv", "tcp://*:5555"}, exitUsage, `(to bind, write @tcp://*:5555)`},
		{[]string{"recv"}, exitUsage, "zmq recv: no endpoint given"},
		{[]string{"recv", "-type", "nosuch", free}, exitUsage, `zmq recv: unknown socket type "nosuch"`},
		{[]string{"recv", "-n", "-3", free}, exitUsage, "zmq recv: -n -3: the count cannot be negative"},
		{[]string{"recv", "-n", "many", free}, exitUsage, `zmq recv: invalid value "many" for flag -n`},
		{[]string{"recv", "-bogus", free}, exitUsage, "zmq recv: flag provided but not defined: -bogus"},
		{[]string{"recv", "-type", "push", free}, exitUsage, "zmq recv: a PUSH socket cannot receive"},
		{[]string{"send", "-type", "sub", free}, exitUsage, "zmq send: a SUB socket cannot send"},
		{[]string{"recv", "-subscribe", "x", free}, exitUsage, "zmq recv: -subscribe applies to SUB and XSUB sockets, not PULL"},
		{[]string{"recv", "-sep", `\q`, free}, exitUsage, `zmq recv: -sep "\\q": bad escape`},
		{[]string{"recv", "-identity", strings.Repeat("x", 256), free}, exitUsage, "zmq recv: invalid argument"},
		{[]string{"monitor", free}, exitUsage, "zmq monitor: -type is required"},
		{[]string{"monitor", "-type", "pull", "-events", "nosuch", free}, exitUsage, `zmq monitor: -events: unknown event "NOSUCH"`},
		{[]string{"queue", "tcp://127.0.0.1:*"}, exitUsage, "zmq queue: want two endpoints"},
		{[]string{"streamer", "-interval", "0s", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"}, exitUsage, "zmq streamer: -interval 0s must be positive"},
		{[]string{"bench", "-sizes", "12q"}, exitUsage, `zmq bench: -sizes: bad size "12q"`},
		{[]string{"bench", "-transports", "udp"}, exitUsage, `zmq bench: -transports: unknown transport "udp"`},
		{[]string{"bench", "extra"}, exitUsage, `zmq bench: unexpected argument "extra"`},

		{[]string{"recv", "@" + inUse}, exitFailure, "zmq recv: bind " + inUse + ": listen tcp4 " + ln.Addr().String() + ": bind: address already in use"},
		{[]string{"monitor", "-type", "pub", "@" + inUse}, exitFailure, "address already in use"},
		{[]string{"queue", "tcp://127.0.0.1:*", inUse}, exitFailure, "zmq queue: backend: bind " + inUse},
		{[]string{"recv", "-timeout", "200ms", free}, exitFailure, "zmq recv: timed out after 200ms waiting for a message"},
		{[]string{"send", "-timeout", "200ms", "@tcp://127.0.0.1:*"}, exitFailure, "zmq send: timed out after 200ms waiting to send"},
		{[]string{"send", "-linger", "100ms", free}, exitFailure, "zmq send: no peer connected within -linger 100ms: the message sent was dropped"},
	} {
		_, stderr, code := run(t, "x\n", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("zmq %q: exit code %d, stderr:\n%s\nwant exit code %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if c.code == exitUsage && len(c.args) > 0 && c.args[0] != "help" && !strings.Contains(stderr, "Run 'zmq ") {
			t.Errorf("zmq %q: stderr lacks a pointer to the usage:\n%s", c.args, stderr)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, c := range []struct {
		arg, addr   string
		bindDefault bool
		bind        bool
	}{
		{"@tcp://*:5555", "tcp://*:5555", false, true},
		{">tcp://host:5555", "tcp://host:5555", true, false},
		{"tcp://host:5555", "tcp://host:5555", false, false},
		{"tcp://*:5555", "tcp://*:5555", true, true},
		{"ipc://@abstract", "ipc://@abstract", false, false},
		{"@ipc://feed.ipc", "ipc://feed.ipc", false, true},
	} {
		ep, err := parseEndpoint(c.arg, c.bindDefault)
		if err != nil || ep.addr != c.addr || ep.bind != c.bind {
			t.Errorf("parseEndpoint(%q, %v) = %+v, %v; want %s bind=%v", c.arg, c.bindDefault, ep, err, c.addr, c.bind)
		}
	}
	eps, err := parseEndpoints([]string{"@tcp://*:1,>tcp://h:2", "tcp://h:3"}, false)
	if err != nil || len(eps) != 3 || !eps[0].bind || eps[1].bind || eps[2].bind {
		t.Errorf("parseEndpoints = %v, %v", eps, err)
	}
	for _, bad := range []string{"", "@", ">", "tcp://", "host:1", "udp://h:1", "inproc://x", "@tcp:/x"} {
		if _, err := parseEndpoint(bad, false); err == nil {
			t.Errorf("parseEndpoint(%q) succeeded", bad)
		}
	}
}

func TestParseType(t *testing.T) {
	for _, name := range []string{"pull", "PULL", "Pull", "xsub", "stream"} {
		if typ, err := parseType(name); err != nil || !strings.EqualFold(typ.String(), name) {
			t.Errorf("parseType(%q) = %v, %v", name, typ, err)
		}
	}
	if _, err := parseType("server"); err == nil {
		t.Error("parseType(server) succeeded")
	}
}

func TestParseSep(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"|", "|"}, {`\t`, "\t"}, {`\x01`, "\x01"}, {`a\\b`, `a\b`}, {"→", "→"}, {`\u2192`, "→"}, {`"`, `"`},
	} {
		got, err := parseSep(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("parseSep(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`\`, `\q`, `\x1`} {
		if _, err := parseSep(bad); err == nil {
			t.Errorf("parseSep(%q) succeeded", bad)
		}
	}
}

// Flags may follow the endpoints; "--" ends them.
func TestParseInterleaved(t *testing.T) {
	e := &env{}
	fs := newFlagSet("t")
	n := fs.Int("n", 0, "")
	v := fs.Bool("v", false, "")
	rest, err := e.parse(fs, "", []string{"a", "-n", "3", "b", "-v", "--", "-c"})
	if err != nil || *n != 3 || !*v || strings.Join(rest, " ") != "a b -c" {
		t.Fatalf("parse = %q, %v; n=%d v=%v", rest, err, *n, *v)
	}
}
