"""pyzmq peer for the security interop tests (security_test.go).

Usage: secure.py plain ROLE ENDPOINT bind|connect [USER PASSWORD]
       secure.py curve server ENDPOINT bind|connect SERVER_SECRET CLIENT_PUBLIC
       secure.py curve client ENDPOINT bind|connect SERVER_PUBLIC CLIENT_PUBLIC CLIENT_SECRET

ROLE "server" is a REP socket whose ZAP handler is pyzmq's own
ThreadAuthenticator: under PLAIN it accepts user "admin" with password
"s3cret"; under CURVE it accepts the client key CLIENT_PUBLIC, given it in a
certificate directory (configure_curve). ROLE "client" is a REQ socket
presenting USER and PASSWORD, or its CURVE key pair to the server
SERVER_PUBLIC. Keys are Z85 text. When it binds it
prints "endpoint EP" first. It then plays one round trip ("hello", then
"world") and prints "ok ROLE", or, when the handshake is refused, prints
"refused STATUS" with the status of HANDSHAKE_FAILED_AUTH from its monitor,
"protocol CODE" for HANDSHAKE_FAILED_PROTOCOL, "no detail" for
HANDSHAKE_FAILED_NO_DETAIL.
It exits non-zero on anything else or after 10 seconds.
"""
import os
import sys
import tempfile

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message


def say(line):
    print(line, flush=True)


def main():
    mech, role, ep, mode = sys.argv[1:5]
    if mech not in ("plain", "curve"):
        sys.exit("unknown mechanism " + mech)
    ctx = zmq.Context()
    auth = None
    certs = None
    if role == "server":
        auth = ThreadAuthenticator(ctx)
        auth.start()
        s = ctx.socket(zmq.REP)
        if mech == "plain":
            auth.configure_plain(domain="*", passwords={"admin": "s3cret"})
            s.plain_server = True
        else:
            server_secret, client_public = sys.argv[5:7]
            certs = tempfile.TemporaryDirectory()
            with open(os.path.join(certs.name, "client.key"), "w") as f:
                f.write('metadata\ncurve\n    public-key = "%s"\n' % client_public)
            auth.configure_curve(domain="*", location=certs.name)
            s.curve_secretkey = server_secret.encode()
            s.curve_server = True
    else:
        s = ctx.socket(zmq.REQ)
        if mech == "plain":
            user, password = (sys.argv[5:7] + ["admin", "s3cret"])[:2]
            s.plain_username = user.encode()
            s.plain_password = password.encode()
        else:
            server_public, client_public, client_secret = sys.argv[5:8]
            s.curve_serverkey = server_public.encode()
            s.curve_publickey = client_public.encode()
            s.curve_secretkey = client_secret.encode()
    s.setsockopt(zmq.LINGER, 0)
    mon = s.get_monitor_socket(
        zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
        | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL)
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
    elif ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL:
        say("protocol %#x" % ev["value"])
    elif ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        say("no detail")
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
    if certs:
        certs.cleanup()
    ctx.term()


if __name__ == "__main__":
    main()
