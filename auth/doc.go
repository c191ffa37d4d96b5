// Package auth holds what ZeroMQ security needs outside a socket: a
// ready-made ZAP handler ([Authenticator]) that accepts clients by address,
// PLAIN password or CURVE key, and CURVE certificate files, in the format
// CZMQ's zcert and pyzmq's zmq.auth read and write, for a server's own key
// pair and for the public keys of the clients it allows.
//
// A certificate file is ZPL text (ZeroMQ RFC 4) with two sections:
//
//	#   ZeroMQ CURVE Public Certificate
//
//	metadata
//	    name = "alice"
//	curve
//	    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
//
// A secret certificate adds the secret key to the curve section and is
// readable by its owner only. The two files of a pair share a name, the
// secret one with "_secret" appended: CZMQ writes "alice" and
// "alice_secret", pyzmq "alice.key" and "alice.key_secret". [Certificate.Save]
// follows that rule whatever name it is given, [LoadCertificate] reads
// either kind of file, and [LoadCertificates] reads a directory of public
// certificates.
package auth
