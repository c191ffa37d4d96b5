"""pyzmq peers for the device tests (devices_test.go).

Usage:
  devices.py client ENDPOINT NAME COUNT  REQ: COUNT requests [NAME-i, "", body],
                                         each reply must be the request plus
                                         a worker's name; prints
                                         "ok client NAME WORKERS..."
  devices.py worker ENDPOINT NAME        REP: answers each request with the
                                         request plus NAME until its standard
                                         input ends; prints "ok worker NAME N"
  devices.py pub ENDPOINT COUNT          PUB, bound: prints "endpoint EP",
                                         publishes [topic, "sync"] for topics
                                         A and B until a line arrives on its
                                         standard input, then COUNT rounds of
                                         [A, a-i], [B, b-i], [C, c-i], then
                                         [A, end] and [B, end]; prints "ok pub"

Every peer connects unless it says otherwise, and fails (exit non-zero) on
anything unexpected or after 20 s.
"""
import select
import sys

import zmq


def say(line):
    print(line, flush=True)


def body(i):
    return bytes((i * 13 + j) % 256 for j in range(200))


def client(ctx, ep, name, n):
    s = ctx.socket(zmq.REQ)
    s.rcvtimeo = 20000
    s.connect(ep)
    workers = set()
    for i in range(n):
        req = [("%s-%d" % (name, i)).encode(), b"", body(i)]
        s.send_multipart(req)
        rep = s.recv_multipart()
        if rep[:3] != req or len(rep) != 4:
            sys.exit("client %s: reply %r to %r" % (name, rep, req))
        workers.add(rep[3].decode())
    say("ok client %s %s" % (name, " ".join(sorted(workers))))


def worker(ctx, ep, name):
    s = ctx.socket(zmq.REP)
    s.connect(ep)
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    n = 0
    while True:
        ready = dict(poller.poll(20000))
        if not ready:
            sys.exit("worker %s: nothing for 20 s" % name)
        if s in ready:
            req = s.recv_multipart()
            s.send_multipart(req + [name.encode()])
            n += 1
        if sys.stdin.fileno() in ready and not sys.stdin.readline():
            break
    say("ok worker %s %d" % (name, n))


def pub(ctx, ep, n):
    s = ctx.socket(zmq.PUB)
    s.bind(ep)
    say("endpoint " + s.getsockopt(zmq.LAST_ENDPOINT).decode())
    while not select.select([sys.stdin], [], [], 0.01)[0]:
        s.send_multipart([b"A", b"sync"])
        s.send_multipart([b"B", b"sync"])
    sys.stdin.readline()
    for i in range(n):
        for topic in (b"A", b"B", b"C"):
            s.send_multipart([topic, topic.lower() + b"-%d" % i])
    s.send_multipart([b"A", b"end"])
    s.send_multipart([b"B", b"end"])
    say("ok pub")


def main():
    ctx = zmq.Context()
    role = sys.argv[1]
    if role == "client":
        client(ctx, sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif role == "worker":
        worker(ctx, sys.argv[2], sys.argv[3])
    elif role == "pub":
        pub(ctx, sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown role " + role)
    ctx.destroy(linger=5000)


if __name__ == "__main__":
    main()
