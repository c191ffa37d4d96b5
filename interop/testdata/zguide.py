"""pyzmq peers playing the zguide's Python examples (examples_test.go).

Each role takes the place of one zguide program beside our Go examples,
on the zguide's endpoints and with its message formats:

  zguide.py hwclient N         REQ to tcp://localhost:5555: N requests
                               "Hello", each answered "World"
                               prints "ok hwclient N"
  zguide.py wuclient N ZIP     SUB to tcp://localhost:5556 filtering on ZIP:
                               N updates "%05d %d %d" (zipcode, temperature
                               -80..134, relative humidity 10..59)
                               prints "Average temperature for zipcode 'ZIP'
                               was TF", then "ok wuclient N"
  zguide.py taskwork SCALE     PULL from tcp://localhost:5557, PUSH to
                               tcp://localhost:5558: each task is a workload
                               of 1..100 msec, slept SCALE times, answered
                               with an empty result; until its standard input
                               ends; prints "ok taskwork TASKS MSEC", MSEC
                               the sum of the workloads
  zguide.py rrclient N         REQ to the broker at tcp://localhost:5559:
                               N requests "Hello", each answered "World"
                               prints "ok rrclient N"
  zguide.py rrworker           REP to the broker at tcp://localhost:5560:
                               answers "Hello" with "World" until its
                               standard input ends; prints "ok rrworker N"
  zguide.py mdclient N SERVICE MDP/Client over REQ to tcp://localhost:5555:
                               N requests "Hello world" to SERVICE, each
                               echoed; 2.5 s per attempt, 3 attempts
                               prints "N requests/replies processed"
  zguide.py mdworker SERVICE HEARTBEAT_MS
                               MDP/Worker over DEALER to tcp://localhost:5555:
                               READY for SERVICE, echoes requests, heartbeats
                               every HEARTBEAT_MS; prints "heartbeat" at the
                               broker's first heartbeat; at the end of its
                               standard input sends DISCONNECT and prints
                               "ok mdworker N"
  zguide.py mmiecho SERVICE    MDP/Client: asks the broker's mmi.service about
                               SERVICE; prints "Lookup SERVICE service: CODE"

A peer exits non-zero on anything unexpected, and when it waits more than
10 s for a message.
"""
import re
import sys
import time

import zmq

WAIT_MS = 10000

MDPC = b"MDPC01"
MDPW = b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = (bytes([c]) for c in range(1, 6))


def say(line):
    print(line, flush=True)


def fail(why):
    sys.exit("%s: %s" % (sys.argv[1], why))


def socket(ctx, kind, endpoint):
    s = ctx.socket(kind)
    s.linger = 1000
    s.rcvtimeo = WAIT_MS
    s.sndtimeo = WAIT_MS
    s.connect(endpoint)
    return s


def recv(s):
    try:
        return s.recv_multipart()
    except zmq.Again:
        fail("nothing received in %d ms" % WAIT_MS)


def poll_until_stdin_ends(sockets, on_message, timeout_ms=WAIT_MS):
    """Calls on_message(socket) for each message until stdin ends."""
    poller = zmq.Poller()
    for s in sockets:
        poller.register(s, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    while True:
        ready = dict(poller.poll(timeout_ms))
        if not ready:
            fail("neither messages nor the end of input in %d ms" % timeout_ms)
        for s in sockets:
            if s in ready:
                on_message(s)
        if sys.stdin.fileno() in ready and not sys.stdin.readline():
            return


def requests(ctx, endpoint, n):
    s = socket(ctx, zmq.REQ, endpoint)
    for i in range(n):
        s.send(b"Hello")
        reply = recv(s)
        if reply != [b"World"]:
            fail("reply %d: %r, want [b'World']" % (i, reply))


def hwclient(ctx, n):
    requests(ctx, "tcp://localhost:5555", n)
    say("ok hwclient %d" % n)


def rrclient(ctx, n):
    requests(ctx, "tcp://localhost:5559", n)
    say("ok rrclient %d" % n)


def rrworker(ctx):
    s = socket(ctx, zmq.REP, "tcp://localhost:5560")
    served = 0

    def serve(s):
        nonlocal served
        request = s.recv_multipart()
        if request != [b"Hello"]:
            fail("request %r, want [b'Hello']" % request)
        s.send(b"World")
        served += 1

    poll_until_stdin_ends([s], serve)
    say("ok rrworker %d" % served)


UPDATE = re.compile(rb"^(\d{5}) (-?\d+) (\d+)$")


def wuclient(ctx, n, zipcode):
    s = socket(ctx, zmq.SUB, "tcp://localhost:5556")
    s.setsockopt_string(zmq.SUBSCRIBE, zipcode)
    total = 0
    for _ in range(n):
        update = recv(s)
        m = len(update) == 1 and UPDATE.match(update[0])
        if not m or not update[0].startswith(zipcode.encode()):
            fail("update %r for zipcode %r" % (update, zipcode))
        temperature, humidity = int(m.group(2)), int(m.group(3))
        if not (-80 <= temperature < 135 and 10 <= humidity < 60):
            fail("update %r out of range" % update)
        total += temperature
    say("Average temperature for zipcode '%s' was %dF" % (zipcode, total // n))
    say("ok wuclient %d" % n)


def taskwork(ctx, scale):
    receiver = socket(ctx, zmq.PULL, "tcp://localhost:5557")
    sender = socket(ctx, zmq.PUSH, "tcp://localhost:5558")
    tasks, msec = 0, 0

    def work(s):
        nonlocal tasks, msec
        task = s.recv_multipart()
        if len(task) != 1 or not re.fullmatch(rb"\d+", task[0]) or not 1 <= int(task[0]) <= 100:
            fail("task %r, want a workload of 1 to 100 msec" % task)
        time.sleep(int(task[0]) * scale / 1000)
        sender.send(b"")
        tasks += 1
        msec += int(task[0])

    poll_until_stdin_ends([receiver], work)
    say("ok taskwork %d %d" % (tasks, msec))


class MDClient:
    """The zguide's mdcliapi: REQ, 2.5 s per attempt, 3 attempts."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.sock = None

    def send(self, service, body):
        request = [MDPC, service] + body
        for _ in range(3):
            if self.sock is None:
                self.sock = socket(self.ctx, zmq.REQ, "tcp://localhost:5555")
                self.sock.linger = 0
            self.sock.send_multipart(request)
            if self.sock.poll(2500):
                reply = self.sock.recv_multipart()
                if len(reply) < 3 or reply[0] != MDPC or reply[1] != service:
                    fail("reply %r to %r" % (reply, request))
                return reply[2:]
            self.sock.close()
            self.sock = None
        return None


def mdclient(ctx, n, service):
    client = MDClient(ctx)
    count = 0
    while count < n:
        reply = client.send(service.encode(), [b"Hello world"])
        if reply is None:
            break
        if reply != [b"Hello world"]:
            fail("reply %r, want the request echoed" % reply)
        count += 1
    say("%d requests/replies processed" % count)
    if count != n:
        sys.exit(1)


def mmiecho(ctx, service):
    reply = MDClient(ctx).send(b"mmi.service", [service.encode()])
    if reply is None:
        fail("no response from the broker")
    say("Lookup %s service: %s" % (service, reply[0].decode()))


def mdworker(ctx, service, heartbeat_ms):
    s = socket(ctx, zmq.DEALER, "tcp://localhost:5555")

    def send(command, *frames):
        s.send_multipart([b"", MDPW, command] + list(frames))

    send(READY, service.encode())
    heartbeat_at = time.monotonic() + heartbeat_ms / 1000
    heard_at = time.monotonic()
    served, beats = 0, 0

    def handle(s):
        nonlocal served, beats, heard_at
        msg = s.recv_multipart()
        heard_at = time.monotonic()
        if len(msg) < 3 or msg[0] != b"" or msg[1] != MDPW:
            fail("message %r from the broker" % msg)
        command = msg[2]
        if command == REQUEST and len(msg) >= 6 and msg[4] == b"":
            client, body = msg[3], msg[5:]
            send(REPLY, client, b"", *body)
            served += 1
        elif command == HEARTBEAT and len(msg) == 3:
            beats += 1
            if beats == 1:
                say("heartbeat")
        else:
            fail("command %r from the broker" % msg)

    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    while True:
        ready = dict(poller.poll(heartbeat_ms))
        if s in ready:
            handle(s)
        if sys.stdin.fileno() in ready and not sys.stdin.readline():
            break
        now = time.monotonic()
        if now - heard_at > WAIT_MS / 1000:
            fail("the broker has been silent for %d ms" % WAIT_MS)
        if now >= heartbeat_at:
            send(HEARTBEAT)
            heartbeat_at = now + heartbeat_ms / 1000
    send(DISCONNECT)
    say("ok mdworker %d" % served)


def main():
    ctx = zmq.Context()
    role, args = sys.argv[1], sys.argv[2:]
    if role == "hwclient":
        hwclient(ctx, int(args[0]))
    elif role == "wuclient":
        wuclient(ctx, int(args[0]), args[1])
    elif role == "taskwork":
        taskwork(ctx, float(args[0]))
    elif role == "rrclient":
        rrclient(ctx, int(args[0]))
    elif role == "rrworker":
        rrworker(ctx)
    elif role == "mdclient":
        mdclient(ctx, int(args[0]), args[1])
    elif role == "mdworker":
        mdworker(ctx, args[0], int(args[1]))
    elif role == "mmiecho":
        mmiecho(ctx, args[0])
    else:
        fail("unknown role")
    ctx.destroy(linger=1000)


if __name__ == "__main__":
    main()
