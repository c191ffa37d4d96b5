package zmq

import "sync/atomic"

// A receive that finds its socket empty waits for a message. Where the
// platform allows (pollwait_linux.go), and the socket's connections are
// few and read raw, it waits in poll(2) on their sockets and on a wake-up
// descriptor of the socket's own, instead of on the readable channel: the
// kernel then wakes the receiving goroutine itself when bytes arrive, and
// it reads them (frameReader.Pull), so that no goroutine hands a message
// to another on its way in. Every hand-off between goroutines makes Go's
// scheduler wake an idle processor's thread, and on hosts where waking an
// idle CPU is slow that cost dominated one-way latency (BENCHMARKS.md, run
// G). Everything that would end a wait on the channel also writes the
// wake-up descriptor (see pokeReceivers).
//
// Each receive waiting in poll holds an OS thread, so at most maxPollers
// of them wait that way in the process at once; the others wait on the
// channel, as they do on other platforms.
const maxPollers = 4

// pollers counts the receives waiting in poll(2), process-wide, and
// pollWaits the waits there have been (for tests).
var (
	pollers   atomic.Int32
	pollWaits atomic.Int64
)

// maxPolled bounds the connections a receive polls: beyond it, the
// connections' own goroutines serve it better.
const maxPolled = maxInline
