package zmq

import (
	"errors"
	"strconv"

	"github.com/zmq-go/zmq/internal/zmtp"
)

// plainClient is RFC 24's PLAIN client: HELLO with the credentials, then,
// once the server says WELCOME, INITIATE with our metadata, answered by
// READY with the server's.
type plainClient struct{ username, password string }

func (plainClient) name() string { return "PLAIN" }

func (m plainClient) handshake(c commandConn, local zmtp.Metadata) (zmtp.Metadata, error) {
	if err := c.write(zmtp.AppendPlainHello(nil, []byte(m.username), []byte(m.password))); err != nil {
		return nil, err
	}
	data, err := expectPlain(c, zmtp.CmdWelcome)
	if err != nil {
		return nil, err
	}
	if len(data) != 0 {
		return nil, protocolErr(ProtocolMalformedWelcome, errors.New("WELCOME with data"))
	}
	if err := c.write(zmtp.AppendInitiate(nil, local)); err != nil {
		return nil, err
	}
	if data, err = expectPlain(c, zmtp.CmdReady); err != nil {
		return nil, err
	}
	peer, err := zmtp.ParseMetadata(data)
	if err != nil {
		return nil, protocolErr(ProtocolInvalidMetadata, err)
	}
	return peer, nil
}

// expectPlain is expect for a PLAIN client, which also understands the
// ERROR of libzmq's PLAIN server (see zmtp.AppendPlainError).
func expectPlain(c commandConn, want string) ([]byte, error) {
	body, err := c.readBody()
	if err != nil {
		return nil, err
	}
	name, data, err := zmtp.ParsePlainCommand(body)
	if err != nil {
		return nil, protocolErr(ProtocolMalformedCommand, err)
	}
	return accept(name, data, want)
}

// plainServer is RFC 24's PLAIN server: it takes the client's HELLO, asks
// the ZAP handler about the credentials, and says WELCOME or refuses; then
// it takes INITIATE and answers READY.
type plainServer struct{ e *engine }

func (plainServer) name() string { return "PLAIN" }

func (m plainServer) handshake(c commandConn, local zmtp.Metadata) (zmtp.Metadata, error) {
	data, err := expect(c, zmtp.CmdHello)
	if err != nil {
		return nil, err
	}
	user, password, err := zmtp.ParsePlainHello(data)
	if err != nil {
		return nil, protocolErr(ProtocolMalformedHello, err)
	}
	if err := m.e.authenticate("PLAIN", user, password); err != nil {
		// libzmq's PLAIN clients understand only libzmq's own form of
		// ERROR.
		return nil, refuse(c, err, zmtp.AppendPlainError)
	}
	if err := c.write(zmtp.AppendCommand(nil, zmtp.CmdWelcome)); err != nil {
		return nil, err
	}
	if data, err = expect(c, zmtp.CmdInitiate); err != nil {
		return nil, err
	}
	peer, err := zmtp.ParseMetadata(data)
	if err != nil {
		return nil, protocolErr(ProtocolInvalidMetadata, err)
	}
	if err := c.write(zmtp.AppendReady(nil, local)); err != nil {
		return nil, err
	}
	return peer, nil
}

// expect reads the next handshake command, which must be want or an ERROR
// (returned as the peer's refusal), and returns its data.
func expect(c commandConn, want string) ([]byte, error) {
	name, data, err := c.read()
	if err != nil {
		return nil, err
	}
	return accept(name, data, want)
}

// accept returns the data of a command named want, the refusal an ERROR
// carries, or a protocol error for any other command.
func accept(name string, data []byte, want string) ([]byte, error) {
	switch {
	case name == want:
		return data, nil
	case name == zmtp.CmdError:
		return nil, peerError(data)
	}
	return nil, protocolErr(ProtocolUnexpectedCommand, errors.New("unexpected command "+strconv.Quote(name)+" in the handshake, want "+want))
}
