"""Certificate files through pyzmq's zmq.auth, for security_test.go.

    certs.py create DIR NAME   write DIR/NAME.key and DIR/NAME.key_secret with
                               create_certificates, then print the keys read
                               back and libzmq's public key of the secret one
    certs.py load PATH...      print each file's public and secret key
                               (- for none), as load_certificate reads them
    certs.py loaddir DIR       print the public keys load_certificates finds
"""
import sys

import zmq
import zmq.auth

cmd = sys.argv[1]
if cmd == "create":
    _, secret_file = zmq.auth.create_certificates(
        sys.argv[2], sys.argv[3], metadata={"name": "py peer", "role": "client"})
    public, secret = zmq.auth.load_certificate(secret_file)
    print(public.decode(), secret.decode(), zmq.curve_public(secret).decode())
elif cmd == "load":
    for path in sys.argv[2:]:
        public, secret = zmq.auth.load_certificate(path)
        print(public.decode(), secret.decode() if secret else "-")
elif cmd == "loaddir":
    for key in sorted(zmq.auth.load_certificates(sys.argv[2])):
        print(key.decode())
else:
    sys.exit("unknown command " + cmd)
