package zmq

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// ZAPEndpoint is where a context's ZAP handler binds (RFC 27, the ZeroMQ
// Authentication Protocol). A socket bound there answers the requests of
// every server socket in the same context, as libzmq's zmq_ctx does: a
// request is seven frames or more (an empty delimiter, the version "1.0",
// a request id, the server's ZAPDomain, the client's address, the server's
// RoutingID, the mechanism name, then the mechanism's credentials: none
// for NULL, the user name and password for PLAIN, the client's 32-byte
// long-term public key for CURVE), and the reply seven (the
// delimiter, "1.0", the request id, a status code "200", "300", "400" or
// "500", a status text, a user id and ZMTP metadata). A REP socket receives
// them without the delimiter and puts it back, as libzmq's handlers
// expect.
const ZAPEndpoint = "inproc://zeromq.zap.01"

// zapAddr is ZAPEndpoint's name in the context's inproc table.
const zapAddr = "zeromq.zap.01"

// zapRequestID is the id of every request: each connection makes at most
// one, on a socket of its own.
const zapRequestID = "1"

// errNoZAPHandler is why a server that needs a ZAP handler refuses a peer
// when none is bound.
var errNoZAPHandler = errors.New("zmq: no ZAP handler bound at " + ZAPEndpoint)

// zapBound reports whether a ZAP handler is bound in c.
func (c *Context) zapBound() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inproc[zapAddr] != nil
}

// zapResult is what the ZAP handler said of a peer it accepted.
type zapResult struct {
	userID   []byte
	metadata zmtp.Metadata
}

// askZAP asks the context's ZAP handler about this connection's peer, which
// presents credentials under mechanism, and waits for the answer until the
// handshake's deadline or until the connection is killed. It returns
// errNoZAPHandler when no handler is bound, an *AuthError when the handler
// refuses the peer, and a *ProtocolError when its reply breaks RFC 27.
func (e *engine) askZAP(mechanism string, credentials ...[]byte) (zapResult, error) {
	c := e.s.ctx
	if !c.zapBound() {
		return zapResult{}, errNoZAPHandler
	}
	req := make([][]byte, 0, 7+len(credentials))
	req = append(req, nil, []byte("1.0"), []byte(zapRequestID), []byte(e.opts.zapDomain),
		[]byte(peerAddress(e.conn)), e.opts.routingID, []byte(mechanism))
	req = append(req, credentials...)

	ctx := context.Background()
	if ivl := e.opts.handshakeIvl; ivl > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ivl)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()

	d, err := c.NewSocket(Dealer, Linger(0))
	if err != nil {
		return zapResult{}, err
	}
	defer d.Close()
	if err := d.Connect(ZAPEndpoint); err != nil {
		return zapResult{}, err
	}
	if err := d.Send(ctx, Msg{Frames: req}); err != nil {
		return zapResult{}, zapWaitErr(err, e.opts.handshakeIvl)
	}
	reply, err := d.Recv(ctx)
	if err != nil {
		return zapResult{}, zapWaitErr(err, e.opts.handshakeIvl)
	}
	return parseZAPReply(reply.Frames)
}

// zapWaitErr turns a ZAP handler that did not answer within the handshake
// interval into a handshake timeout.
func zapWaitErr(err error, ivl time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &TimeoutError{Op: "handshake", After: ivl}
	}
	return err
}

// parseZAPReply checks a ZAP reply as libzmq does and returns what it says.
func parseZAPReply(f [][]byte) (zapResult, error) {
	zapErr := func(code ProtocolCode, what string) (zapResult, error) {
		return zapResult{}, protocolErr(code, errors.New("ZAP handler's reply: "+what))
	}
	if len(f) != 7 {
		return zapErr(ProtocolZAPMalformedReply, strconv.Itoa(len(f))+" frames, want 7")
	}
	if len(f[0]) != 0 {
		return zapErr(ProtocolZAPUnspecified, "no empty delimiter")
	}
	if string(f[1]) != "1.0" {
		return zapErr(ProtocolZAPBadVersion, "version "+strconv.Quote(string(f[1])))
	}
	if string(f[2]) != zapRequestID {
		return zapErr(ProtocolZAPBadRequestID, "request id "+strconv.Quote(string(f[2])))
	}
	status := string(f[3])
	if len(status) != 3 || status[0] < '2' || status[0] > '5' || status[1:] != "00" {
		return zapErr(ProtocolZAPInvalidStatusCode, "status code "+strconv.Quote(status))
	}
	md, err := zmtp.ParseMetadata(f[6])
	if err != nil {
		return zapErr(ProtocolZAPInvalidMetadata, err.Error())
	}
	if status != "200" {
		code, _ := strconv.Atoi(status)
		return zapResult{}, &AuthError{Status: code, Reason: string(f[4]), Local: true}
	}
	return zapResult{userID: bytes.Clone(f[5]), metadata: md}, nil
}

// refuse ends a handshake that the ZAP handler refused: as libzmq does, the
// peer hears of a 400 or 500 in an ERROR command (encoded by appendError)
// carrying the status code, and of a 300 (a temporary failure) only by the
// connection closing.
func refuse(c commandConn, err error, appendError func(b []byte, reason string) []byte) error {
	var ae *AuthError
	if errors.As(err, &ae) && ae.Status != 300 {
		c.write(appendError(nil, strconv.Itoa(ae.Status)))
	}
	return err
}
