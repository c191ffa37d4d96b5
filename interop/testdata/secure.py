"""pyzmq peer for the security interop tests (security_test.go).

Usage: secure.py MECH ROLE ENDPOINT bind|connect [USER PASSWORD]

MECH is "plain". ROLE "server" is a REP socket whose ZAP handler is pyzmq's
own ThreadAuthenticator, accepting user "admin" with password "s3cret";
ROLE "client" is a REQ socket presenting USER and PASSWORD. When it binds it
prints "endpoint EP" first. It then plays one round trip ("hello", then
"world") and prints "ok ROLE", or, when the handshake is refused, prints
"refused STATUS" with the status of HANDSHAKE_FAILED_AUTH from its monitor.
It exits non-zero on anything else or after 10 seconds.
"""
import sys

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message


def say(line):
    print(line, flush=True)


def main():
    mech, role, ep, mode = sys.argv[1:5]
    user, password = (sys.argv[5:7] + ["admin", "s3cret"])[:2]
    if mech != "plain":
        sys.exit("unknown mechanism " + mech)
    ctx = zmq.Context()
    auth = None
    if role == "server":
        auth = ThreadAuthenticator(ctx)
        auth.start()
        auth.configure_plain(domain="*", passwords={"admin": "s3cret"})
        s = ctx.socket(zmq.REP)
        s.plain_server = True
    else:
        s = ctx.socket(zmq.REQ)
        s.plain_username = user.encode()
        s.plain_password = password.encode()
    s.setsockopt(zmq.LINGER, 0)
    mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    if mode == "bind":
        s.bind(ep)
        say("endpoint " + s.getsockopt_string(zmq.LAST_ENDPOINT))
    else:
        s.connect(ep)
    if mon.poll(10000) == 0:
        sys.exit("no handshake event in 10 s")
    ev = recv_monitor_message(mon)
    if ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        say("refused %d" % ev["value"])
    else:
        s.setsockopt(zmq.RCVTIMEO, 10000)
        if role == "client":
            s.send(b"hello")
            got = s.recv()
            if got != b"world":
                sys.exit("received %r" % got)
        else:
            got = s.recv()
            if got != b"hello":
                sys.exit("received %r" % got)
            s.send(b"world")
        say("ok " + role)
    s.disable_monitor()
    mon.close()
    s.close()
    if auth:
        auth.stop()
    ctx.term()


if __name__ == "__main__":
    main()
