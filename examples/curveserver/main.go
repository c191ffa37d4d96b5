// Command curveserver runs a CURVE-secured REP server whose clients are
// checked by the ready-made authenticator against a directory of public
// certificates, and one client that talks to it, in one process.
//
//	go run ./examples/curveserver [-certs DIR] [-endpoint tcp://127.0.0.1:5555]
//
// With -certs it uses the certificates in DIR, making any that are missing:
// DIR/server and DIR/server_secret for the server, DIR/client and
// DIR/client_secret for the client, and DIR/allowed, a directory of the
// public certificates of the clients the server accepts (copy a client's
// public certificate there to let it in). Without -certs it makes them in
// a temporary directory, removed on exit. Secret certificates are written
// readable by their owner only.
//
// The certificate files are those of CZMQ's zcert and pyzmq's zmq.auth, so
// a pyzmq or libzmq client given DIR/client_secret and DIR/server can
// connect to this server too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/auth"
)

func main() {
	dir := flag.String("certs", "", "certificate directory (default: a temporary one)")
	endpoint := flag.String("endpoint", "tcp://127.0.0.1:*", "where the server binds")
	flag.Parse()
	log.SetFlags(0)
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "curveserver")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	if err := run(*dir, *endpoint); err != nil {
		log.Fatal(err)
	}
}

func run(dir, endpoint string) error {
	server, err := certificate(filepath.Join(dir, "server"))
	if err != nil {
		return err
	}
	client, err := certificate(filepath.Join(dir, "client"))
	if err != nil {
		return err
	}
	allowed := filepath.Join(dir, "allowed")
	if err := os.MkdirAll(allowed, 0o755); err != nil {
		return err
	}
	if err := allow(allowed, "client", client); err != nil {
		return err
	}

	ctx := zmq.NewContext()
	defer ctx.Term()

	// The authenticator answers the CURVE server's questions: only the
	// keys of the certificates in allowed/ get in.
	keys, err := auth.LoadCertificates(allowed)
	if err != nil {
		return err
	}
	a := auth.NewAuthenticator(ctx)
	a.SetCurveKeys("*", slices.Collect(maps.Keys(keys))...)
	if err := a.Start(); err != nil {
		return err
	}
	defer a.Stop()

	rep, err := ctx.NewSocket(zmq.Rep, zmq.CurveServer(true), zmq.CurveSecret(server.Secret))
	if err != nil {
		return err
	}
	if err := rep.Bind(endpoint); err != nil {
		return err
	}
	fmt.Println("server listening on", rep.LastEndpoint(), "with public key", server.Public)
	go serve(rep)

	req, err := ctx.NewSocket(zmq.Req,
		zmq.CurveServerKey(server.Public), // whom we expect to reach
		zmq.CurveSecret(client.Secret),    // who we are
	)
	if err != nil {
		return err
	}
	if err := req.Connect(rep.LastEndpoint()); err != nil {
		return err
	}
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := req.Send(c, zmq.NewMsgString("hello")); err != nil {
		return err
	}
	reply, err := req.Recv(c)
	if err != nil {
		return fmt.Errorf("no reply (is the client's certificate in %s?): %w", allowed, err)
	}
	fmt.Printf("client got %q\n", reply.Frames[0])
	return nil
}

// serve answers each request until the socket closes.
func serve(rep *zmq.Socket) {
	for {
		m, err := rep.Recv(context.Background())
		if err != nil {
			return
		}
		if err := rep.Send(context.Background(), zmq.NewMsgString("world, "+string(m.Frames[0]))); err != nil {
			return
		}
	}
}

// certificate loads the secret certificate at path, or makes and saves a
// new pair there.
func certificate(path string) (*auth.Certificate, error) {
	cert, err := auth.LoadCertificate(path + auth.SecretSuffix)
	if err == nil {
		if cert.Secret == nil {
			return nil, fmt.Errorf("%s holds no secret key", path+auth.SecretSuffix)
		}
		return cert, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if cert, err = auth.NewCertificate(); err != nil {
		return nil, err
	}
	cert.Metadata = map[string]string{"name": filepath.Base(path)}
	return cert, cert.Save(path)
}

// allow puts cert's public certificate in the allowed directory, unless it
// is there.
func allow(dir, name string, cert *auth.Certificate) error {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return cert.SavePublic(path)
}
