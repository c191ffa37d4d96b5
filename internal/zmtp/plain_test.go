package zmtp

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainHello(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, c := range []struct{ user, password string }{
		{"admin", "secret"}, {"", ""}, {"u", ""}, {"", "p"}, {long[:255], long[:255]},
	} {
		b := AppendPlainHello(nil, []byte(c.user), []byte(c.password))
		_, size, n, err := ParseFrameHeader(b)
		if err != nil || int(size) != len(b)-n {
			t.Fatalf("frame header of %q: %d, %v", b, size, err)
		}
		name, data, err := ParseCommand(b[n:])
		if err != nil || name != CmdHello {
			t.Fatalf("command %q, %v", name, err)
		}
		user, password, err := ParsePlainHello(data)
		if err != nil || string(user) != c.user || string(password) != c.password {
			t.Fatalf("ParsePlainHello = %q, %q, %v; want %q, %q", user, password, err, c.user, c.password)
		}
	}
	// Longer credentials are cut at 255 bytes, never wrapped around.
	_, _, n, _ := ParseFrameHeader(AppendPlainHello(nil, []byte(long), nil))
	_, data, _ := ParseCommand(AppendPlainHello(nil, []byte(long), nil)[n:])
	if user, _, err := ParsePlainHello(data); err != nil || len(user) != 255 {
		t.Fatalf("long user: %d bytes, %v", len(user), err)
	}
	for _, bad := range [][]byte{nil, {0}, {1}, {1, 'u'}, {2, 'u', 0}, {0, 1}, {0, 0, 'x'}, {0, 2, 'p'}} {
		if _, _, err := ParsePlainHello(bad); err != ErrMalformedHello {
			t.Errorf("ParsePlainHello(%q): %v, want ErrMalformedHello", bad, err)
		}
	}
}

func TestInitiate(t *testing.T) {
	md := Metadata{{Name: PropSocketType, Value: []byte("DEALER")}, {Name: PropIdentity, Value: []byte("me")}}
	b := AppendInitiate(nil, md)
	_, _, n, _ := ParseFrameHeader(b)
	name, data, err := ParseCommand(b[n:])
	if err != nil || name != CmdInitiate {
		t.Fatalf("command %q, %v", name, err)
	}
	got, err := ParseMetadata(data)
	if err != nil || len(got) != 2 || !bytes.Equal(got[0].Value, []byte("DEALER")) || !bytes.Equal(got[1].Value, []byte("me")) {
		t.Fatalf("metadata %v, %v", got, err)
	}
}

// libzmq's PLAIN ERROR, byte for byte as libzmq 4.3.4 sends it, and read
// back; the RFC's form is read too.
func TestPlainError(t *testing.T) {
	got := AppendPlainError(nil, "400")
	if want := []byte("\x04\x09\x5eRROR\x03400"); !bytes.Equal(got, want) {
		t.Fatalf("AppendPlainError = % x, want % x", got, want)
	}
	for _, frame := range [][]byte{got, AppendError(nil, "400")} {
		_, _, n, _ := ParseFrameHeader(frame)
		name, data, err := ParsePlainCommand(frame[n:])
		if err != nil || name != CmdError {
			t.Fatalf("ParsePlainCommand(% x) = %q, %v", frame[n:], name, err)
		}
		if reason, err := ParseError(data); err != nil || reason != "400" {
			t.Fatalf("reason %q, %v", reason, err)
		}
	}
	if _, _, err := ParseCommand(got[2:]); err == nil {
		t.Fatal("ParseCommand reads libzmq's form: only PLAIN clients should")
	}
}

func FuzzPlainHello(f *testing.F) {
	f.Add(plainHelloData("admin", "secret"))
	f.Add([]byte{0, 0})
	f.Add([]byte{255, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		user, password, err := ParsePlainHello(data)
		if err != nil {
			return
		}
		if !bytes.Equal(plainHelloData(string(user), string(password)), data) {
			t.Fatalf("%q parsed as %q, %q", data, user, password)
		}
	})
}

func plainHelloData(user, password string) []byte {
	b := append([]byte{byte(len(user))}, user...)
	return append(append(b, byte(len(password))), password...)
}

// FuzzPlainCommand feeds the decoder of the commands a PLAIN peer receives
// (WELCOME, INITIATE, READY, ERROR in RFC 23's form and in libzmq's) and
// the parsers of their data: nothing panics, and whatever parses encodes
// back to the bytes it came from.
func FuzzPlainCommand(f *testing.F) {
	md := Metadata{{Name: PropSocketType, Value: []byte("REQ")}, {Name: "X-Tag", Value: []byte("v")}}
	for _, frame := range [][]byte{
		AppendCommand(nil, CmdWelcome),
		AppendInitiate(nil, md),
		AppendReady(nil, md),
		AppendError(nil, "bad"),
		AppendPlainError(nil, "400"),
	} {
		_, _, n, _ := ParseFrameHeader(frame)
		f.Add(frame[n:])
	}
	f.Add([]byte("\x5eRROR"))
	f.Add([]byte("\x5eRROR\x05ab"))
	f.Fuzz(func(t *testing.T, body []byte) {
		name, data, err := ParsePlainCommand(body)
		if err != nil {
			return
		}
		switch name {
		case CmdError:
			reason, err := ParseError(data)
			if err != nil {
				return
			}
			if int(data[0]) != len(reason) || reason != string(data[1:1+len(reason)]) {
				t.Fatalf("ERROR data % x read as %q", data, reason)
			}
		case CmdInitiate, CmdReady:
			md, err := ParseMetadata(data)
			if err != nil {
				return
			}
			if enc := AppendMetadata(nil, md); !bytes.Equal(enc, data) {
				t.Fatalf("metadata % x encodes back as % x", data, enc)
			}
		}
	})
}
