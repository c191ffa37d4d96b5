"""pyzmq peer for the interop tests (peers_test.go).

Usage: peer.py ROLE ENDPOINT bind|connect COUNT

ROLE is the peer's socket type: req, rep, push, pull, pub, sub, router or
dealer. The peer plays a fixed script against the Go side, checks what it
receives byte for byte, prints "ok ROLE COUNT" and exits 0; on a mismatch or
a timeout it exits non-zero. When it binds it prints "endpoint EP" first.
The sub peer prints "synced" on its first message; the pub peer publishes
sync messages until a line arrives on its standard input.
"""
import select
import sys
import time

import zmq

TYPES = {"req": zmq.REQ, "rep": zmq.REP, "push": zmq.PUSH, "pull": zmq.PULL,
         "pub": zmq.PUB, "sub": zmq.SUB, "router": zmq.ROUTER,
         "dealer": zmq.DEALER}
DEALER_ID = b"the-dealer"
SYNC = [b"A", b"sync"]


def big(i):
    return bytes((i * 7 + j) % 256 for j in range(300))


def msg(tag, i):
    return [("%s-%d" % (tag, i)).encode(), b"", big(i)]


PUBLISHED = [[b"B", b"not for you"], [b"A", b"one", b"", big(1)],
             [b"", b"empty topic"], [b"AB", b"two"], [b"xA", b"not for you"],
             [b"A", b"end"]]
SUBSCRIBED = [PUBLISHED[1], PUBLISHED[3], PUBLISHED[5]]


def say(line):
    print(line, flush=True)


def expect(s, want):
    got = s.recv_multipart()
    if got != want:
        sys.exit("received %r, want %r" % (got, want))


def main():
    role, ep, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ctx = zmq.Context()
    s = ctx.socket(TYPES[role])
    s.setsockopt(zmq.LINGER, 1000)
    s.setsockopt(zmq.RCVTIMEO, 5000)
    s.setsockopt(zmq.SNDTIMEO, 5000)
    if role == "dealer":
        s.setsockopt(zmq.ROUTING_ID, DEALER_ID)
    if role == "sub":
        s.setsockopt(zmq.SUBSCRIBE, b"A")
    if mode == "bind":
        s.bind(ep)
        say("endpoint " + s.getsockopt_string(zmq.LAST_ENDPOINT))
    else:
        s.connect(ep)
    for i in range(n if role not in ("pub", "sub") else 0):
        if role == "req":
            s.send_multipart(msg("req", i))
            expect(s, msg("rep", i))
        elif role == "rep":
            expect(s, msg("req", i))
            s.send_multipart(msg("rep", i))
        elif role == "push":
            s.send_multipart(msg("push", i))
        elif role == "pull":
            expect(s, msg("push", i))
        elif role == "dealer":
            s.send_multipart(msg("dealer", i))
            expect(s, msg("router", i))
        elif role == "router":
            expect(s, [DEALER_ID] + msg("dealer", i))
            s.send_multipart([DEALER_ID] + msg("router", i))
    if role == "pub":
        deadline = time.monotonic() + 10
        while not select.select([sys.stdin], [], [], 0.02)[0]:
            if time.monotonic() > deadline:
                sys.exit("no subscriber confirmed within 10 s")
            s.send_multipart(SYNC)
        for m in PUBLISHED:
            s.send_multipart(m)
    if role == "sub":
        expect(s, SYNC)
        say("synced")
        for want in SUBSCRIBED:
            got = s.recv_multipart()
            while got == SYNC:
                got = s.recv_multipart()
            if got != want:
                sys.exit("received %r, want %r" % (got, want))
    s.close()
    ctx.term()
    say("ok %s %d" % (role, n))


if __name__ == "__main__":
    main()
