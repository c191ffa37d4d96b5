package zmq_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

// The CURVE test keys of libzmq's tests (tests/testutil_security.cpp), the
// pairs libzmq computed with libsodium.
var curveTestKeys = []struct{ public, secret string }{
	{"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"},
	{"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"},
}

func TestCurveKnownKeys(t *testing.T) {
	for _, k := range curveTestKeys {
		sk, err := zmq.ParseCurveSecretKey([]byte(k.secret))
		if err != nil {
			t.Fatalf("ParseCurveSecretKey: %v", err)
		}
		if got := sk.PublicKey().String(); got != k.public {
			t.Errorf("public key of %s = %s; want %s", k.secret, got, k.public)
		}
		if got := sk.Z85(); got != k.secret {
			t.Errorf("Z85() = %s; want %s", got, k.secret)
		}
		pk, err := zmq.ParseCurvePublicKey([]byte(k.public))
		if err != nil || pk != sk.PublicKey() {
			t.Errorf("ParseCurvePublicKey(%s) = %v, %v", k.public, pk, err)
		}
	}
}

func TestCurveKeyPair(t *testing.T) {
	seen := map[zmq.CurvePublicKey]bool{}
	for range 100 {
		pk, sk, err := zmq.NewCurveKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		if seen[pk] {
			t.Fatalf("key %v generated twice", pk)
		}
		seen[pk] = true
		if sk.PublicKey() != pk {
			t.Fatalf("PublicKey() of a new pair differs from its public key")
		}
		if err := pk.Check(); err != nil {
			t.Fatalf("new public key %v: %v", pk, err)
		}
		// Both forms parse back to the same keys.
		for _, form := range [][]byte{sk.Bytes(), []byte(sk.Z85()), append([]byte(sk.Z85()), 0)} {
			sk2, err := zmq.ParseCurveSecretKey(form)
			if err != nil || !sk2.Equal(sk) || sk2.PublicKey() != pk {
				t.Fatalf("ParseCurveSecretKey of a %d-byte form: %v", len(form), err)
			}
		}
		for _, form := range [][]byte{pk[:], []byte(pk.String()), append([]byte(pk.String()), 0)} {
			pk2, err := zmq.ParseCurvePublicKey(form)
			if err != nil || pk2 != pk {
				t.Fatalf("ParseCurvePublicKey of a %d-byte form = %v, %v; want %v", len(form), pk2, err, pk)
			}
		}
		var pk3 zmq.CurvePublicKey
		text, _ := pk.MarshalText()
		if err := pk3.UnmarshalText(text); err != nil || pk3 != pk {
			t.Fatalf("UnmarshalText(MarshalText()) = %v, %v", pk3, err)
		}
	}
}

func TestCurveKeyParseErrors(t *testing.T) {
	good := curveTestKeys[0].secret
	for _, c := range []struct {
		in      []byte
		z85     error
		message string
	}{
		{nil, nil, "zmq: curve secret key: 0 bytes; want 32 bytes or 40 characters of Z85 text"},
		{make([]byte, 31), nil, "zmq: curve secret key: 31 bytes; want 32 bytes or 40 characters of Z85 text"},
		{make([]byte, 33), nil, ""},
		{[]byte(good[:39]), nil, ""},
		{[]byte(good + "0"), nil, ""},  // 41, not NUL-terminated
		{[]byte(good + "00"), nil, ""}, // 42
		{[]byte(good[:20] + " " + good[21:]), zmq.ErrZ85Char, "zmq: curve secret key: not Z85 text: z85: invalid character at offset 20"},
		{[]byte(good[:35] + "%nSc1"), zmq.ErrZ85Overflow, ""},
		{[]byte(good[:35] + "%nSc1\x00"), zmq.ErrZ85Overflow, ""},
	} {
		_, errS := zmq.ParseCurveSecretKey(c.in)
		_, errP := zmq.ParseCurvePublicKey(c.in)
		for _, err := range []error{errS, errP} {
			if !errors.Is(err, zmq.ErrInvalid) {
				t.Errorf("parse %q: error %v does not match ErrInvalid", c.in, err)
			}
			if c.z85 != nil && !errors.Is(err, c.z85) {
				t.Errorf("parse %q: error %v does not match %v", c.in, err, c.z85)
			}
			if err != nil && strings.Contains(err.Error(), good[:10]) {
				t.Errorf("error %q contains the key", err)
			}
		}
		if c.message != "" && (errS == nil || errS.Error() != c.message) {
			t.Errorf("ParseCurveSecretKey(%q) error = %v; want %q", c.in, errS, c.message)
		}
	}
	var pk zmq.CurvePublicKey
	if err := pk.UnmarshalText(make([]byte, 32)); !errors.Is(err, zmq.ErrInvalid) ||
		err.Error() != "zmq: curve public key: 32 characters; want 40 of Z85 text" {
		t.Errorf("UnmarshalText(32 bytes) = %v", err)
	}
}

// TestCurveSecretKeyDoesNotPrint prints a secret key every way a program
// might by accident and checks that neither form of the key comes out.
func TestCurveSecretKeyDoesNotPrint(t *testing.T) {
	_, sk, err := zmq.NewCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	type config struct {
		Name   string
		Secret zmq.CurveSecretKey
		Ptr    *zmq.CurveSecretKey
		hidden zmq.CurveSecretKey
		arr    [2]zmq.CurveSecretKey
	}
	c := config{Name: "server", Secret: *sk, Ptr: sk, hidden: *sk, arr: [2]zmq.CurveSecretKey{*sk, *sk}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%T %p"} {
		outs = append(outs, fmt.Sprintf(verb, sk), fmt.Sprintf(verb, *sk), fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	outs = append(outs, fmt.Sprint(sk, *sk, c), fmt.Sprintln(sk, c))
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var logged bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logged, nil), slog.NewJSONHandler(&logged, nil)} {
		l := slog.New(h)
		l.Info("key", "sk", sk, "value", *sk, "config", c, "any", slog.AnyValue(c))
	}
	outs = append(outs, logged.String())
	z, raw := sk.Z85(), sk.Bytes()
	forms := []string{z[:8], hex.EncodeToString(raw)[:16], fmt.Sprint(raw[:4])[1:12], string(raw[:6])}
	for _, out := range outs {
		for _, f := range forms {
			if strings.Contains(out, f) || strings.Contains(strings.ToLower(out), strings.ToLower(f)) {
				t.Errorf("output %q contains the key (%q)", out, f)
			}
		}
	}
	if got := fmt.Sprint(sk); got != "CurveSecretKey(redacted)" {
		t.Errorf("Sprint(secret key) = %q", got)
	}
}

func TestCurveSecretKeyEqual(t *testing.T) {
	_, a, _ := zmq.NewCurveKeyPair()
	_, b, _ := zmq.NewCurveKeyPair()
	a2, _ := zmq.ParseCurveSecretKey(a.Bytes())
	if !a.Equal(a2) || a.Equal(b) || a.Equal(nil) {
		t.Fatal("Equal is wrong")
	}
	// Bytes returns a copy.
	raw := a.Bytes()
	raw[0] ^= 1
	if !a.Equal(a2) {
		t.Fatal("changing the result of Bytes changed the key")
	}
	// The zero value is the all-zero key.
	var zero zmq.CurveSecretKey
	if zero.Z85() != strings.Repeat("0", 40) {
		t.Fatalf("zero key Z85 = %q", zero.Z85())
	}
}

// The points of small order on Curve25519 and its twist, as libsodium
// lists them (0, 1, the two points of order 8, p-1, p and p+1).
var lowOrderPoints = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func TestCurvePublicKeyCheck(t *testing.T) {
	for _, h := range lowOrderPoints {
		pk, err := zmq.ParseCurvePublicKey(mustDecodeHex(t, h))
		if err != nil {
			t.Fatal(err)
		}
		if err := pk.Check(); !errors.Is(err, zmq.ErrCurveKeyLowOrder) {
			t.Errorf("Check(%s) = %v; want ErrCurveKeyLowOrder", h, err)
		}
		// X25519 ignores the top bit (RFC 7748), as libsodium does.
		pk[31] |= 0x80
		if err := pk.Check(); !errors.Is(err, zmq.ErrCurveKeyLowOrder) {
			t.Errorf("Check(%s with the top bit set) = %v; want ErrCurveKeyLowOrder", h, err)
		}
	}
	var zero zmq.CurvePublicKey
	if err := zero.Check(); !errors.Is(err, zmq.ErrCurveKeyLowOrder) {
		t.Errorf("Check(zero key) = %v", err)
	}
	for _, k := range curveTestKeys {
		pk, _ := zmq.ParseCurvePublicKey([]byte(k.public))
		if err := pk.Check(); err != nil {
			t.Errorf("Check(%s) = %v", k.public, err)
		}
	}
	// The base point itself (9) is of large order.
	nine := zmq.CurvePublicKey{9}
	if err := nine.Check(); err != nil {
		t.Errorf("Check(base point) = %v", err)
	}
}

// A key pair made for a socket: the public key is shared, the secret one
// kept. Printing the secret key by mistake shows nothing.
func ExampleNewCurveKeyPair() {
	public, secret, err := zmq.NewCurveKeyPair()
	if err != nil {
		panic(err)
	}
	fmt.Println(len(public.String()), len(secret.Z85()))
	fmt.Println(secret.PublicKey() == public)
	fmt.Printf("%v %x\n", secret, secret)
	// Output:
	// 40 40
	// true
	// CurveSecretKey(redacted) CurveSecretKey(redacted)
}

// Keys are given as 40 characters of Z85 (or 32 raw bytes), as libzmq's
// CURVE options take them.
func ExampleParseCurveSecretKey() {
	secret, err := zmq.ParseCurveSecretKey([]byte("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"))
	if err != nil {
		panic(err)
	}
	fmt.Println(secret.PublicKey())

	_, err = zmq.ParseCurveSecretKey([]byte("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh"))
	fmt.Println(err)
	// Output:
	// rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
	// zmq: curve secret key: 39 bytes; want 32 bytes or 40 characters of Z85 text
}

func ExampleCurvePublicKey_Check() {
	var zero zmq.CurvePublicKey
	fmt.Println(zero.Check())
	server, _ := zmq.ParseCurvePublicKey([]byte("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"))
	fmt.Println(server.Check())
	// Output:
	// zmq: curve public key is a point of small order
	// <nil>
}
