// Package load holds the load and soak tests of the issue "Reliability"
// (checklist items E3, E4 and E5, and the bounded soak of §6.5). It has no
// code of its own: the tests are built only with the build tag "load" and
// are not part of "make test". Run them with
//
//	make load
//
// which is go test -tags load -count=1 -timeout 20m -v ./load/ and takes
// about 3 minutes. They need 11,000 file descriptors (they raise
// RLIMIT_NOFILE to the hard limit themselves and fail if that is too low),
// about 1 GiB of memory at peak, /usr/bin/python3 with pyzmq (Debian's
// python3-zmq, libzmq 4.3.4) for the libzmq comparison, and send traffic
// only over 127.0.0.1 and ipc paths in temporary directories.
// LOAD_SOAK=10m lengthens the soak (default 2m).
//
// Every measurement is printed with t.Logf in a form that can be pasted
// into RELIABILITY.md.
package load
