package zmtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
)

// keyPair derives a key pair from a seed byte, for reproducible tests.
func keyPair(seed byte) (public, secret [32]byte) {
	for i := range secret {
		secret[i] = seed + byte(i)
	}
	p, _ := curve25519.X25519(secret[:], curve25519.Basepoint)
	copy(public[:], p)
	return public, secret
}

// curveSession is a whole handshake's keys and commands, built by the
// codec's own client and server halves.
type curveSession struct {
	s, ss, c, cs, cn, cns, sn, sns, cookieKey [32]byte
	hello, welcome, initiate, ready           []byte // command frames
	shared                                    [32]byte
}

func newCurveSession(t testing.TB) *curveSession {
	x := &curveSession{}
	x.s, x.ss = keyPair(1)
	x.c, x.cs = keyPair(2)
	x.cn, x.cns = keyPair(3)
	x.sn, x.sns = keyPair(4)
	x.cookieKey = [32]byte{5, 5, 5}
	x.hello = AppendCurveHello(nil, &x.s, &x.cn, &x.cns, 1)
	x.welcome = AppendCurveWelcome(nil, &CurveWelcome{
		ClientShort: &x.cn, ServerShort: &x.sn, ServerShortSecret: &x.sns,
		Secret: &x.ss, CookieKey: &x.cookieKey, CookieNonce: [16]byte{6}, Nonce: [16]byte{7},
	})
	sn, cookie, err := OpenCurveWelcome(body(t, x.welcome, CmdWelcome), &x.s, &x.cns)
	if err != nil || sn != x.sn {
		t.Fatalf("OpenCurveWelcome: %v", err)
	}
	box.Precompute(&x.shared, &x.sn, &x.cns)
	x.initiate = AppendCurveInitiate(nil, &CurveInitiate{
		Cookie: &cookie, Nonce: 2, Shared: &x.shared, Client: &x.c, Secret: &x.cs,
		ClientShort: &x.cn, ServerShort: &x.sn, Server: &x.s, VouchNonce: [16]byte{8},
		Metadata: Metadata{{Name: PropSocketType, Value: []byte("DEALER")}},
	})
	x.ready = AppendCurveReady(nil, &x.shared, 1, Metadata{{Name: PropSocketType, Value: []byte("ROUTER")}})
	return x
}

func (x *curveSession) initiateKeys() *CurveInitiateKeys {
	return &CurveInitiateKeys{CookieKey: &x.cookieKey, ClientShort: &x.cn, ServerShortSecret: &x.sns, Server: &x.s}
}

// body returns a command frame's data after the name, checking the name.
func body(t testing.TB, frame []byte, name string) []byte {
	t.Helper()
	flags, size, n, err := ParseFrameHeader(frame)
	if err != nil || flags&FlagCommand == 0 || uint64(len(frame)-n) != size {
		t.Fatalf("bad command frame % x", frame[:min(len(frame), 12)])
	}
	got, data, err := ParseCommand(frame[n:])
	if err != nil || got != name {
		t.Fatalf("command %q, want %q (%v)", got, name, err)
	}
	return data
}

// The commands are laid out as libzmq lays them out: sizes, the version,
// the padding, the keys and nonces at their offsets.
func TestCurveLayout(t *testing.T) {
	x := newCurveSession(t)
	h := x.hello[2:]
	if len(h) != CurveHelloSize || string(h[:6]) != "\x05HELLO" || h[6] != 1 || h[7] != 0 ||
		!bytes.Equal(h[8:80], make([]byte, 72)) || !bytes.Equal(h[80:112], x.cn[:]) ||
		binary.BigEndian.Uint64(h[112:120]) != 1 {
		t.Fatalf("HELLO % x", h)
	}
	if x.hello[0] != FlagCommand|FlagLong && x.hello[0] != FlagCommand {
		t.Fatalf("HELLO flags %#x", x.hello[0])
	}
	w := x.welcome[2:]
	if len(w) != CurveWelcomeSize || string(w[:8]) != "\x07WELCOME" || w[8] != 7 {
		t.Fatalf("WELCOME % x", w[:24])
	}
	in := x.initiate[9:]
	md := 1 + len(PropSocketType) + 4 + len("DEALER")
	if len(in) != CurveInitiateMinSize+md || string(in[:9]) != "\x08INITIATE" || in[9] != 6 ||
		binary.BigEndian.Uint64(in[105:113]) != 2 {
		t.Fatalf("INITIATE of %d bytes % x", len(in), in[:24])
	}
	r := x.ready[2:]
	if len(r) != 6+8+16+1+len(PropSocketType)+4+len("ROUTER") || string(r[:6]) != "\x05READY" || binary.BigEndian.Uint64(r[6:14]) != 1 {
		t.Fatalf("READY % x", r)
	}
	m := AppendCurveMessage(nil, &x.shared, NonceMessageClient, 3, []byte{CurveFlagMore, 'h', 'i'})
	if m[0] != 0 || int(m[1]) != len(m)-2 || len(m)-2 != CurveMessageOverhead+2 || string(m[2:10]) != "\x07MESSAGE" {
		t.Fatalf("MESSAGE % x: a data frame without flags, holding the command", m)
	}
}

// A whole handshake and a message each way, through the codec's halves.
func TestCurveRoundTrip(t *testing.T) {
	x := newCurveSession(t)
	h, err := OpenCurveHello(body(t, x.hello, CmdHello), &x.ss)
	if err != nil || h.ClientShort != x.cn || h.Nonce != 1 {
		t.Fatalf("OpenCurveHello: %+v, %v", h, err)
	}
	in, err := OpenCurveInitiate(body(t, x.initiate, CmdInitiate), x.initiateKeys())
	if err != nil {
		t.Fatalf("OpenCurveInitiate: %v", err)
	}
	md, err := ParseMetadata(in.Metadata)
	if st, _ := md.Get(PropSocketType); err != nil || string(st) != "DEALER" || in.Client != x.c || in.Nonce != 2 || in.Shared != x.shared {
		t.Fatalf("INITIATE gave %q, %v", st, err)
	}
	n, rmd, err := OpenCurveReady(body(t, x.ready, CmdReady), &x.shared)
	if err != nil || n != 1 || !bytes.Contains(rmd, []byte("ROUTER")) {
		t.Fatalf("OpenCurveReady: %d, %v", n, err)
	}
	for _, size := range []int{0, 1, 31, 32, 33, 255, 300, 70000} {
		plain := append([]byte{CurveFlagMore | CurveFlagCommand}, bytes.Repeat([]byte{9}, size)...)
		m := AppendCurveMessage(nil, &x.shared, NonceMessageServer, 5, plain)
		_, _, hn, _ := ParseFrameHeader(m)
		got, n, err := OpenCurveMessage(nil, m[hn:], &x.shared, NonceMessageServer, 4)
		if err != nil || n != 5 || !bytes.Equal(got, plain) {
			t.Fatalf("MESSAGE of %d: %v", size, err)
		}
		if _, _, err := OpenCurveMessage(nil, m[hn:], &x.shared, NonceMessageServer, 5); !errors.Is(err, ErrCurveSequence) {
			t.Fatalf("replayed nonce: %v", err)
		}
		if _, _, err := OpenCurveMessage(nil, m[hn:], &x.shared, NonceMessageClient, 0); !errors.Is(err, ErrCurveBox) {
			t.Fatalf("the other direction's prefix: %v", err)
		}
	}
}

// Each tampering is refused with its reason.
func TestCurveRefusals(t *testing.T) {
	x := newCurveSession(t)
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 1
		return b
	}
	hello := body(t, x.hello, CmdHello)
	initiate := body(t, x.initiate, CmdInitiate)
	for _, tc := range []struct {
		name string
		err  error
		got  func() error
	}{
		{"short HELLO", ErrCurveMalformed, func() error { _, err := OpenCurveHello(hello[1:], &x.ss); return err }},
		{"HELLO version 2", ErrCurveVersion, func() error { _, err := OpenCurveHello(flip(hello, 0), &x.ss); return err }},
		{"HELLO box tampered", ErrCurveBox, func() error { _, err := OpenCurveHello(flip(hello, 150), &x.ss); return err }},
		{"HELLO nonce changed", ErrCurveBox, func() error { _, err := OpenCurveHello(flip(hello, 113), &x.ss); return err }},
		{"HELLO for another server", ErrCurveBox, func() error { _, err := OpenCurveHello(hello, &x.cs); return err }},
		{"HELLO from a zero key", ErrCurveLowOrder, func() error {
			h := bytes.Clone(hello)
			clear(h[74:106])
			_, err := OpenCurveHello(h, &x.ss)
			return err
		}},
		{"HELLO signing other bytes", ErrCurveSignature, func() error {
			h := bytes.Clone(hello)
			copy(h[114:], box.Seal(nil, bytes.Repeat([]byte{1}, 64), nonce(nonceHello, 1), &x.s, &x.cns))
			_, err := OpenCurveHello(h, &x.ss)
			return err
		}},
		{"WELCOME short", ErrCurveMalformed, func() error {
			_, _, err := OpenCurveWelcome(body(t, x.welcome, CmdWelcome)[1:], &x.s, &x.cns)
			return err
		}},
		{"WELCOME tampered", ErrCurveBox, func() error {
			_, _, err := OpenCurveWelcome(flip(body(t, x.welcome, CmdWelcome), 40), &x.s, &x.cns)
			return err
		}},
		{"INITIATE short", ErrCurveMalformed, func() error { _, err := OpenCurveInitiate(initiate[:247], x.initiateKeys()); return err }},
		{"INITIATE cookie tampered", ErrCurveBox, func() error { _, err := OpenCurveInitiate(flip(initiate, 20), x.initiateKeys()); return err }},
		{"INITIATE box tampered", ErrCurveBox, func() error { _, err := OpenCurveInitiate(flip(initiate, 200), x.initiateKeys()); return err }},
		{"INITIATE on another connection", ErrCurveBox, func() error {
			k := x.initiateKeys()
			k.CookieKey = &[32]byte{1}
			_, err := OpenCurveInitiate(initiate, k)
			return err
		}},
		{"INITIATE cookie of other keys", ErrCurveCookie, func() error {
			k := x.initiateKeys()
			other, _ := keyPair(9)
			k.ClientShort = &other
			_, err := OpenCurveInitiate(initiate, k)
			return err
		}},
		{"INITIATE vouching for another server", ErrCurveVouch, func() error {
			k := x.initiateKeys()
			other, _ := keyPair(9)
			k.Server = &other
			_, err := OpenCurveInitiate(initiate, k)
			return err
		}},
		{"READY short", ErrCurveMalformed, func() error {
			_, _, err := OpenCurveReady(body(t, x.ready, CmdReady)[:23], &x.shared)
			return err
		}},
		{"READY tampered", ErrCurveBox, func() error {
			_, _, err := OpenCurveReady(flip(body(t, x.ready, CmdReady), 20), &x.shared)
			return err
		}},
		{"MESSAGE not a command", ErrMalformedCommand, func() error {
			_, _, err := OpenCurveMessage(nil, []byte{9, 'M'}, &x.shared, NonceMessageClient, 0)
			return err
		}},
		{"PING instead of MESSAGE", ErrCurveNotMessage, func() error {
			_, _, err := OpenCurveMessage(nil, []byte("\x04PING\x00\x00"), &x.shared, NonceMessageClient, 0)
			return err
		}},
		{"MESSAGE short", ErrCurveMalformed, func() error {
			_, _, err := OpenCurveMessage(nil, []byte("\x07MESSAGE12345678"), &x.shared, NonceMessageClient, 0)
			return err
		}},
	} {
		if err := tc.got(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	if !LowOrder(&[32]byte{}) || LowOrder(&x.c) {
		t.Fatal("LowOrder is wrong")
	}
}

// The decoders never panic, whatever the bytes; seeded with valid
// commands.
func FuzzCurveHello(f *testing.F) {
	x := newCurveSession(f)
	f.Add(x.hello[2:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		OpenCurveHello(data, &x.ss)
	})
}

func FuzzCurveWelcome(f *testing.F) {
	x := newCurveSession(f)
	f.Add(x.welcome[2+8:])
	f.Fuzz(func(t *testing.T, data []byte) {
		OpenCurveWelcome(data, &x.s, &x.cns)
	})
}

func FuzzCurveInitiate(f *testing.F) {
	x := newCurveSession(f)
	f.Add(body(f, x.initiate, CmdInitiate))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := OpenCurveInitiate(data, x.initiateKeys())
		if err == nil {
			ParseMetadata(in.Metadata)
		}
	})
}

func FuzzCurveReady(f *testing.F) {
	x := newCurveSession(f)
	f.Add(x.ready[2+6:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, md, err := OpenCurveReady(data, &x.shared); err == nil {
			ParseMetadata(md)
		}
	})
}

func FuzzCurveMessage(f *testing.F) {
	x := newCurveSession(f)
	f.Add(AppendCurveMessage(nil, &x.shared, NonceMessageClient, 3, []byte{1, 'x'})[2:], uint64(2))
	f.Add([]byte("\x07MESSAGE"), uint64(0))
	f.Fuzz(func(t *testing.T, body []byte, last uint64) {
		dst := make([]byte, 0, max(0, len(body)-CurveMessageOverhead+1))
		plain, n, err := OpenCurveMessage(dst, body, &x.shared, NonceMessageClient, last)
		if err == nil && (n <= last || len(plain) != len(body)-CurveMessageOverhead+1) {
			t.Fatalf("opened %d bytes with nonce %d after %d", len(plain), n, last)
		}
	})
}
