// Package pipe holds the queues between a socket and its peers: the
// compact queued frame, the reference-counted receive buffers frames point
// into, the inbound message queue that a connection reader (or an inproc
// peer) fills and a socket drains, and the outbound byte stream that a socket
// encodes into and a connection writer drains.
//
// Every hand-off is batched: a producer appends under a short lock and wakes
// the consumer only when the queue goes from empty to non-empty; a consumer
// swaps out everything queued at once and then works without the lock.
package pipe
