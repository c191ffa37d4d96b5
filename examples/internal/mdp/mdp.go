// Package mdp holds the client and worker sides of the Majordomo Protocol,
// MDP/0.1 (https://rfc.zeromq.org/spec/7/), for the zguide's chapter 4
// examples: a [Client] sends requests to a named service through a broker
// and retries when no reply comes, and a [Worker] offers one service to a
// broker, heartbeating it and reconnecting when it goes silent.
//
// The broker itself is examples/mdbroker; this package gives it the
// protocol's constants and the message dump of its verbose mode.
package mdp

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The protocol headers: the first frame of every MDP command after the
// envelope, naming the sub-protocol and its version (0.1).
const (
	ClientHeader = "MDPC01" // MDP/Client
	WorkerHeader = "MDPW01" // MDP/Worker
)

// Command is an MDP/Worker command, sent as a frame of one byte.
type Command byte

// The MDP/Worker commands.
const (
	Ready      Command = 1 // worker to broker: the service it offers
	Request    Command = 2 // broker to worker: a client's request
	Reply      Command = 3 // worker to broker: the reply to the request
	Heartbeat  Command = 4 // either way, when there is nothing else to send
	Disconnect Command = 5 // either way: the conversation ends
)

// The zguide's reliability settings, the defaults of Client and Worker.
const (
	DefaultHeartbeat = 2500 * time.Millisecond // between heartbeats
	DefaultLiveness  = 3                       // heartbeats missed before a peer is dead
	DefaultReconnect = 2500 * time.Millisecond // a worker's pause before it reconnects
	DefaultTimeout   = 2500 * time.Millisecond // a client's wait for each reply
	DefaultRetries   = 3                       // a client's attempts per request
)

var commandNames = [...]string{Ready: "READY", Request: "REQUEST", Reply: "REPLY", Heartbeat: "HEARTBEAT", Disconnect: "DISCONNECT"}

func (c Command) String() string {
	if int(c) < len(commandNames) && commandNames[c] != "" {
		return commandNames[c]
	}
	return fmt.Sprintf("Command(%d)", byte(c))
}

// Frame returns the command's frame.
func (c Command) Frame() []byte { return []byte{byte(c)} }

// ParseCommand reads a command frame.
func ParseCommand(frame []byte) (Command, bool) {
	if len(frame) != 1 || frame[0] < byte(Ready) || frame[0] > byte(Disconnect) {
		return 0, false
	}
	return Command(frame[0]), true
}

// ErrNoReply is returned by [Client.Send] when the broker has not answered
// any of its attempts.
var ErrNoReply = errors.New("mdp: no reply")

// ErrProtocol is wrapped by the errors that report a message breaking MDP.
var ErrProtocol = errors.New("mdp: protocol error")

// Dump formats a message as the zguide's verbose modes print it: a rule,
// then one line per frame with its size, as text when it is printable and
// in hexadecimal otherwise.
func Dump(frames [][]byte) string {
	var b strings.Builder
	b.WriteString("----------------------------------------\n")
	for _, f := range frames {
		fmt.Fprintf(&b, "[%03d] ", len(f))
		if printable(f) {
			b.Write(f)
		} else {
			fmt.Fprintf(&b, "%X", f)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func printable(f []byte) bool {
	if !utf8.Valid(f) {
		return false
	}
	for _, r := range string(f) {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
