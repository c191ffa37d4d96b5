// Package transport parses ZeroMQ endpoints and opens the listeners and
// connections of the tcp and ipc transports. Everything above it sees only
// [net.Conn] and [net.Listener]; inproc, which needs no operating-system
// connection, lives with the sockets.
package transport
