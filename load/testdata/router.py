"""libzmq ROUTER for the idle-connection comparison (idle_test.go).

Usage: /usr/bin/python3 router.py

Binds a pyzmq (libzmq) ROUTER to tcp://127.0.0.1:* with default options
and prints "endpoint EP rss BYTES". Then it reads commands on its standard
input, one a line, and answers each with "rss BYTES" (its VmRSS):

    handshakes N   wait until N connections have completed their handshake
                   (counted by HANDSHAKE_SUCCEEDED monitor events)
    recv N SIZE    receive N messages, each [routing id, SIZE bytes]
    rss            just answer
    exit           close and exit

It exits 1 with "error ..." on a wrong message or after 120 s without
progress.
"""
import os
import sys

import zmq
from zmq.utils.monitor import parse_monitor_message

LIMIT_MS = 120000


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def say(line):
    print(line, flush=True)


def fail(why):
    say("error " + why)
    sys.exit(1)


def main():
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.setsockopt(zmq.RCVTIMEO, LIMIT_MS)
    router.bind("tcp://127.0.0.1:*")
    mon = router.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    say("endpoint %s rss %d" % (router.getsockopt_string(zmq.LAST_ENDPOINT), rss()))

    stdin = sys.stdin.fileno()
    poller = zmq.Poller()
    poller.register(mon, zmq.POLLIN)
    poller.register(stdin, zmq.POLLIN)
    pending = b""
    handshakes = 0
    want = None  # the handshake count a "handshakes" command waits for
    while True:
        if want is not None and handshakes >= want:
            want = None
            say("rss %d" % rss())
        events = dict(poller.poll(LIMIT_MS))
        if not events:
            fail("no progress for %d ms (%d handshakes)" % (LIMIT_MS, handshakes))
        if mon in events:
            while True:
                try:
                    ev = parse_monitor_message(mon.recv_multipart(zmq.NOBLOCK))
                except zmq.Again:
                    break
                if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                    handshakes += 1
        if stdin not in events:
            continue
        data = os.read(stdin, 4096)
        if not data:
            break
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            cmd = line.decode().split()
            if cmd[0] == "handshakes":
                want = int(cmd[1])
            elif cmd[0] == "recv":
                n, size = int(cmd[1]), int(cmd[2])
                for _ in range(n):
                    frames = router.recv_multipart(copy=False)
                    if len(frames) != 2 or len(frames[1]) != size:
                        fail("unexpected message of %d frames" % len(frames))
                say("rss %d" % rss())
            elif cmd[0] == "rss":
                say("rss %d" % rss())
            elif cmd[0] == "exit":
                mon.close()
                router.close()
                ctx.term()
                return
            else:
                fail("unknown command %r" % line)


if __name__ == "__main__":
    main()
