package main

import (
	"errors"
	"fmt"
	"strings"

	zmq "github.com/zmq-go/zmq"
)

// An endpoint is one endpoint argument: the address, and whether the
// socket binds it or connects to it.
type endpoint struct {
	addr string
	bind bool
}

func (ep endpoint) String() string {
	if ep.bind {
		return "@" + ep.addr
	}
	return ">" + ep.addr
}

// parseEndpoints parses endpoint arguments. A leading @ binds and a
// leading > connects (CZMQ's convention); without either, the endpoint
// binds when bindByDefault is set and connects otherwise. An argument may
// hold several endpoints separated by commas, each with its own prefix.
func parseEndpoints(args []string, bindByDefault bool) ([]endpoint, error) {
	var eps []endpoint
	for _, arg := range args {
		for _, one := range strings.Split(arg, ",") {
			ep, err := parseEndpoint(one, bindByDefault)
			if err != nil {
				return nil, err
			}
			eps = append(eps, ep)
		}
	}
	return eps, nil
}

// parseEndpoint parses one endpoint argument; see parseEndpoints. Only
// tcp and ipc are accepted: an inproc endpoint could only reach sockets
// of this one process.
func parseEndpoint(arg string, bindByDefault bool) (endpoint, error) {
	ep := endpoint{addr: arg, bind: bindByDefault}
	switch {
	case strings.HasPrefix(arg, "@"):
		ep.addr, ep.bind = arg[1:], true
	case strings.HasPrefix(arg, ">"):
		ep.addr, ep.bind = arg[1:], false
	}
	scheme, addr, ok := strings.Cut(ep.addr, "://")
	switch {
	case ep.addr == "":
		return ep, usagef("empty endpoint %q", arg)
	case !ok:
		return ep, usagef("endpoint %q has no transport: want tcp://host:port or ipc://path", arg)
	case scheme == "inproc":
		return ep, usagef("endpoint %q: inproc reaches only sockets of the same process; use tcp or ipc", arg)
	case scheme != "tcp" && scheme != "ipc":
		return ep, usagef("endpoint %q: unknown transport %q (want tcp or ipc)", arg, scheme)
	case addr == "":
		return ep, usagef("endpoint %q has no address", arg)
	}
	return ep, nil
}

// attach binds and connects s to eps, in order, and returns the endpoints
// bound, wildcards resolved (tcp://127.0.0.1:* becomes the port the
// system chose). An endpoint the library finds malformed is a usage
// error; anything else (an address in use, say) is a runtime failure.
func attach(s *zmq.Socket, eps []endpoint) (bound []string, err error) {
	for _, ep := range eps {
		if ep.bind {
			err = s.Bind(ep.addr)
		} else {
			err = s.Connect(ep.addr)
		}
		if err != nil {
			return bound, endpointError(ep, err)
		}
		if ep.bind {
			bound = append(bound, s.LastEndpoint())
		}
	}
	return bound, nil
}

// endpointError turns a failed Bind or Connect into a usage error when the
// endpoint itself is wrong, with a hint for a wildcard given to connect.
func endpointError(ep endpoint, err error) error {
	if !errors.Is(err, zmq.ErrInvalid) && !errors.Is(err, zmq.ErrProtocolNotSupported) &&
		!errors.Is(err, zmq.ErrIncompatibleProtocol) {
		return err
	}
	msg := trimZMQ(err.Error())
	if !ep.bind && strings.Contains(ep.addr, "*") {
		msg += fmt.Sprintf(" (to bind, write @%s)", ep.addr)
	}
	return &usageError{msg}
}

// socketTypes lists every socket type, for parseType and the usage.
var socketTypes = []zmq.Type{
	zmq.Pair, zmq.Pub, zmq.Sub, zmq.Req, zmq.Rep, zmq.Dealer,
	zmq.Router, zmq.Pull, zmq.Push, zmq.XPub, zmq.XSub, zmq.Stream,
}

// typeNames returns the names of types, lower case, separated by "|".
func typeNames(types []zmq.Type) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = strings.ToLower(t.String())
	}
	return strings.Join(names, "|")
}

// parseType returns the socket type named name, in any case.
func parseType(name string) (zmq.Type, error) {
	for _, t := range socketTypes {
		if strings.EqualFold(name, t.String()) {
			return t, nil
		}
	}
	return 0, usagef("unknown socket type %q (want %s)", name, typeNames(socketTypes))
}
