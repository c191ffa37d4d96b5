"""pyzmq ROUTER echo peer for the heartbeat tests (health_test.go).

Usage: echo.py ENDPOINT

Binds a ROUTER without heartbeats to ENDPOINT, prints "endpoint EP", and
sends every message it receives back to its sender until its standard input
closes; then it prints "bye" and exits 0. The test freezes it with SIGSTOP.
"""
import sys

import zmq


def main():
    ctx = zmq.Context()
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.LINGER, 0)
    s.bind(sys.argv[1])
    print("endpoint " + s.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    poller.register(sys.stdin.fileno(), zmq.POLLIN)
    while True:
        for what, _ in poller.poll():
            if what is s:
                s.send_multipart(s.recv_multipart())
            elif not sys.stdin.readline():
                s.close()
                ctx.term()
                print("bye", flush=True)
                return


if __name__ == "__main__":
    main()
