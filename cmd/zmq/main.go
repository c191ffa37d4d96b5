package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0 // success
	exitFailure = 1 // runtime failure: a port in use, a peer timeout, ...
	exitUsage   = 2 // usage error: unknown subcommand, bad flag or value, bad endpoint
)

// A command is one subcommand: its name, a one-line summary for the main
// usage, and the function that runs it.
type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

// commands lists the subcommands in the order the usage shows them. It is
// filled in by init to break the cycle through help.
var commands []command

func init() {
	commands = []command{
		{"send", "send stdin to a socket, one message per line", runSend},
		{"recv", "print what a socket receives, one message per line", runRecv},
		{"queue", "run a QUEUE device (ROUTER frontend, DEALER backend)", runQueue},
		{"forwarder", "run a FORWARDER device (XSUB frontend, XPUB backend)", runForwarder},
		{"streamer", "run a STREAMER device (PULL frontend, PUSH backend)", runStreamer},
		{"monitor", "print a socket's connection events as they happen", runMonitor},
		{"bench", "measure throughput and latency of inproc, ipc and tcp", runBench},
		{"help", "print the usage of the command or of a subcommand", runHelp},
	}
}

// env is what a subcommand talks to: the standard streams, and whether
// stderr is a terminal (progress lines are then refreshed in place).
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stderrIsTerm   bool
	name           string // "zmq send", for messages
}

func main() {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stderrIsTerm: isTerminal(os.Stderr)}
	os.Exit(e.main(os.Args[1:]))
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// main runs the subcommand args[0] with the rest of args and returns the
// exit code.
func (e *env) main(args []string) int {
	e.name = "zmq"
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage())
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(e.stdout, mainUsage())
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(e.stderr, "zmq: unknown subcommand %q\nRun 'zmq help' for usage.\n", name)
		return exitUsage
	}
	e.name = "zmq " + c.name
	err := c.run(e, args[1:])
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(e.stderr, "%s: %s\n", e.name, trimZMQ(err.Error()))
	var u *usageError
	if errors.As(err, &u) {
		if c.name != "help" {
			fmt.Fprintf(e.stderr, "Run 'zmq %s -h' for usage.\n", c.name)
		}
		return exitUsage
	}
	return exitFailure
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// trimZMQ drops the "zmq: " the library's errors begin with: the command
// prints its own "zmq <sub>: " before them.
func trimZMQ(s string) string { return strings.TrimPrefix(s, "zmq: ") }

// A usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func mainUsage() string {
	var b strings.Builder
	b.WriteString(`zmq is ZeroMQ at the shell: send and receive messages, run devices, watch a
socket's connections and measure the transports, in pure Go.

Usage:

	zmq <subcommand> [flags] [arguments]

Subcommands:

`)
	for _, c := range commands {
		fmt.Fprintf(&b, "\t%-10s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Endpoints are libzmq's (tcp://host:port, ipc:///path), with CZMQ's prefixes:
@ binds and > connects ('>' must be quoted in a shell). Without a prefix,
send, recv and monitor connect, and the devices bind.

Examples:

	zmq recv -type pull @tcp://*:5555          # print what arrives
	seq 3 | zmq send -type push tcp://localhost:5555
	zmq bench                                  # how fast is it here?

Exit codes: 0 success, 1 runtime failure, 2 usage error.
Run 'zmq help <subcommand>' or 'zmq <subcommand> -h' for its flags.
`)
	return b.String()
}

// runHelp is the help subcommand: the main usage, or a subcommand's.
func runHelp(e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(e.stdout, mainUsage())
		return nil
	}
	if len(args) > 1 {
		return usagef("help takes one subcommand, not %d arguments", len(args))
	}
	c, ok := lookup(args[0])
	if !ok {
		return usagef("unknown subcommand %q", args[0])
	}
	if c.name == "help" {
		fmt.Fprint(e.stdout, mainUsage())
		return nil
	}
	sub := *e
	sub.name = "zmq " + c.name
	return c.run(&sub, []string{"-h"})
}

// newFlagSet returns a FlagSet that reports its errors to no one: parse
// prints them in the command's own form.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, allowing flags after positional arguments
// (zmq recv @tcp://*:5555 -n 3), and returns the positional arguments.
// -h prints usage (the header, then the flags) on stdout and returns
// flag.ErrHelp.
func (e *env) parse(fs *flag.FlagSet, usage string, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, usage)
				fmt.Fprintln(e.stdout, "\nFlags:")
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, flag.ErrHelp
			}
			return nil, &usageError{err.Error()}
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if i := len(args) - len(left); i > 0 && args[i-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// signalContext returns a context that ends on SIGINT or SIGTERM, and a
// function that restores their default handling (a second Ctrl-C then
// kills the process).
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
