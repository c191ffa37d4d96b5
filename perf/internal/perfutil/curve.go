package perfutil

import (
	"fmt"
	"os"

	zmq "github.com/zmq-go/zmq"
)

// The fixed benchmark CURVE keys (Z85), the same as perf/c's (libzmq's
// tools), so that either side of a CURVE pair can be libzmq's.
// Benchmark keys only: they are public.
const (
	curveServerPublic = "Yk}C3*rv{o=l1GvL41!*lJrQ9oKLH#m(M*uKDd%o"
	curveServerSecret = "]?E97--&hyFh}y3XBL:9r}8dpULq:0m@3]5zq-7]"
	curveClientPublic = "A+j31pU4L}TW*uP)51AEf.nf:A=]*@4#Qu^WMBTl"
	curveClientSecret = "s90$*gS}I:H$i(QuC^AM.0@ofw85YHy<y]}0{<(F"
)

// ArgsCurve is Args for the tools that take libzmq's optional last
// argument enabling CURVE: "curve" (as perf/c spells it) or a
// non-zero number (as libzmq's perf tools read it with atoi).
func ArgsCurve(name, usage string, n int) (args []string, curve bool) {
	if len(os.Args) == n+2 {
		last := os.Args[n+1]
		if last != "curve" && Atoi(last) == 0 && last != "0" {
			fmt.Fprintf(os.Stderr, "usage: %s %s [curve]\n", name, usage)
			os.Exit(1)
		}
		return os.Args[1 : n+1], last == "curve" || Atoi(last) != 0
	}
	return Args(name, usage+" [curve]", n), false
}

// CurveOptions returns the options of the binding side (the CURVE server)
// or of the connecting side (its client), with the benchmark keys, or none
// when curve is false.
func CurveOptions(curve, server bool) []zmq.Option {
	if !curve {
		return nil
	}
	if server {
		secret, err := zmq.ParseCurveSecretKey([]byte(curveServerSecret))
		Check("curve secret key", err)
		return []zmq.Option{zmq.CurveServer(true), zmq.CurveSecret(secret)}
	}
	serverKey, err := zmq.ParseCurvePublicKey([]byte(curveServerPublic))
	Check("curve server key", err)
	public, err := zmq.ParseCurvePublicKey([]byte(curveClientPublic))
	Check("curve public key", err)
	secret, err := zmq.ParseCurveSecretKey([]byte(curveClientSecret))
	Check("curve secret key", err)
	return []zmq.Option{zmq.CurveServerKey(serverKey), zmq.CurvePublic(public), zmq.CurveSecret(secret)}
}
