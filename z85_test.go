package zmq_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	zmq "github.com/zmq-go/zmq"
)

func mustDecodeHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 32's test case.
func TestZ85RFCVector(t *testing.T) {
	raw := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	s, err := zmq.Z85Encode(raw)
	if err != nil || s != "HelloWorld" {
		t.Fatalf("Z85Encode(RFC vector) = %q, %v; want HelloWorld", s, err)
	}
	b, err := zmq.Z85Decode("HelloWorld")
	if err != nil || !bytes.Equal(b, raw) {
		t.Fatalf("Z85Decode(HelloWorld) = % x, %v; want % x", b, err, raw)
	}
}

func TestZ85Boundaries(t *testing.T) {
	for _, c := range []struct {
		raw []byte
		z85 string
	}{
		{nil, ""},
		{[]byte{0, 0, 0, 0}, "00000"},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF}, "%nSc0"},
		{[]byte{0, 0, 0, 84}, "0000#"},
		{[]byte{0, 0, 0, 85}, "00010"},
		// The CURVE test keys of libzmq's test_security_curve.
		{mustDecodeHex(t, "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652"),
			"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"},
	} {
		s, err := zmq.Z85Encode(c.raw)
		if err != nil || s != c.z85 {
			t.Errorf("Z85Encode(% x) = %q, %v; want %q", c.raw, s, err, c.z85)
		}
		b, err := zmq.Z85Decode(c.z85)
		if err != nil || !bytes.Equal(b, c.raw) || b == nil {
			t.Errorf("Z85Decode(%q) = % x (nil %v), %v; want % x", c.z85, b, b == nil, err, c.raw)
		}
	}
}

func TestZ85RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		raw := make([]byte, 4*r.IntN(40))
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		s, err := zmq.Z85Encode(raw)
		if err != nil || len(s) != len(raw)/4*5 {
			t.Fatalf("Z85Encode(% x) = %q, %v", raw, s, err)
		}
		b, err := zmq.Z85Decode(s)
		if err != nil || !bytes.Equal(b, raw) {
			t.Fatalf("Z85Decode(Z85Encode(% x)) = % x, %v", raw, b, err)
		}
	}
}

func TestZ85Errors(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 31, 33} {
		_, err := zmq.Z85Encode(make([]byte, n))
		var ze *zmq.Z85Error
		if !errors.As(err, &ze) || !errors.Is(err, zmq.ErrZ85Length) || ze.Op != "encode" || ze.Len != n || ze.Offset != -1 {
			t.Errorf("Z85Encode(%d bytes) error = %#v", n, err)
		}
		want := fmt.Sprintf("zmq: z85: cannot encode %d bytes: the length must be a multiple of 4", n)
		if err == nil || err.Error() != want {
			t.Errorf("Z85Encode(%d bytes) error = %v; want %q", n, err, want)
		}
	}
	for _, c := range []struct {
		in     string
		err    error
		offset int
		msg    string
	}{
		{"Hell", zmq.ErrZ85Length, -1, "zmq: z85: cannot decode 4 characters: the length must be a multiple of 5"},
		{"HelloWorl", zmq.ErrZ85Length, -1, "zmq: z85: cannot decode 9 characters: the length must be a multiple of 5"},
		{"Hello World", zmq.ErrZ85Length, -1, ""},
		{"Hel\"o", zmq.ErrZ85Char, 3, "zmq: z85: invalid character at offset 3"},
		{"HelloWor d", zmq.ErrZ85Char, 8, "zmq: z85: invalid character at offset 8"},
		{"HelloWor,d", zmq.ErrZ85Char, 8, ""},
		{"Hello\x00orld", zmq.ErrZ85Char, 5, ""},
		{"Hello\x7forld", zmq.ErrZ85Char, 5, ""},
		{"Hello\xc3\xa9rld", zmq.ErrZ85Char, 5, ""},
		{"Hello;orld", zmq.ErrZ85Char, 5, ""},
		{"Hello\\orld", zmq.ErrZ85Char, 5, ""},
		{"Hello_orld", zmq.ErrZ85Char, 5, ""},
		{"Hello`orld", zmq.ErrZ85Char, 5, ""},
		{"Hello|orld", zmq.ErrZ85Char, 5, ""},
		{"Hello~orld", zmq.ErrZ85Char, 5, ""},
		{"Hello'orld", zmq.ErrZ85Char, 5, ""},
		{"Hello,orld", zmq.ErrZ85Char, 5, ""},
		{"%nSc1", zmq.ErrZ85Overflow, 0, "zmq: z85: the group at offset 0 is above 32 bits"},
		{"00000%nSc1", zmq.ErrZ85Overflow, 5, ""},
		{"#####", zmq.ErrZ85Overflow, 0, ""},
		{"%nSd0", zmq.ErrZ85Overflow, 0, ""},
	} {
		b, err := zmq.Z85Decode(c.in)
		var ze *zmq.Z85Error
		if b != nil || !errors.As(err, &ze) || !errors.Is(err, c.err) || ze.Op != "decode" || ze.Offset != c.offset || ze.Len != len(c.in) {
			t.Errorf("Z85Decode(%q) = %v, %#v; want %v at %d", c.in, b, err, c.err, c.offset)
			continue
		}
		if c.msg != "" && err.Error() != c.msg {
			t.Errorf("Z85Decode(%q) error = %q; want %q", c.in, err, c.msg)
		}
	}
}

// TestZ85ErrorsHideInput checks that an error about a key does not repeat
// the key.
func TestZ85ErrorsHideInput(t *testing.T) {
	in := "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
	bad := in[:39] + " "
	_, err := zmq.Z85Decode(bad)
	if err == nil {
		t.Fatal("no error")
	}
	for i := 0; i+5 <= len(in); i++ {
		if strings.Contains(err.Error(), in[i:i+5]) {
			t.Fatalf("error %q repeats the input", err)
		}
	}
}

// Every character outside the alphabet is refused, wherever it stands.
func TestZ85Alphabet(t *testing.T) {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
	for c := 0; c < 256; c++ {
		s := "0000" + string([]byte{byte(c)})
		_, err := zmq.Z85Decode(s)
		in := strings.IndexByte(alphabet, byte(c)) >= 0
		if in && err != nil {
			t.Errorf("Z85Decode(%q): %v", s, err)
		}
		if !in && !errors.Is(err, zmq.ErrZ85Char) {
			t.Errorf("Z85Decode(%q) error = %v; want ErrZ85Char", s, err)
		}
	}
	for v := 0; v < 85; v++ {
		s, _ := zmq.Z85Encode([]byte{0, 0, 0, byte(v)})
		if s[4] != alphabet[v] {
			t.Errorf("value %d encodes as %q; want %q", v, s[4], alphabet[v])
		}
	}
}

// FuzzZ85 checks that decoding never panics, that what decodes re-encodes
// to the same string, and that every multiple of 4 bytes round-trips.
func FuzzZ85(f *testing.F) {
	f.Add("HelloWorld")
	f.Add("%nSc0")
	f.Add("%nSc1")
	f.Add("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
	f.Add("Hello World")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := zmq.Z85Decode(s)
		if err == nil {
			back, err := zmq.Z85Encode(b)
			if err != nil || back != s {
				t.Fatalf("Z85Encode(Z85Decode(%q)) = %q, %v", s, back, err)
			}
		} else if b != nil {
			t.Fatalf("Z85Decode(%q) returned data with error %v", s, err)
		}
		raw := []byte(s)
		raw = raw[:len(raw)/4*4]
		enc, err := zmq.Z85Encode(raw)
		if err != nil {
			t.Fatalf("Z85Encode(%d bytes): %v", len(raw), err)
		}
		dec, err := zmq.Z85Decode(enc)
		if err != nil || !bytes.Equal(dec, raw) {
			t.Fatalf("Z85Decode(Z85Encode(%q)) = %q, %v", raw, dec, err)
		}
	})
}

func ExampleZ85Encode() {
	s, _ := zmq.Z85Encode([]byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B})
	fmt.Println(s)
	// Output: HelloWorld
}

func ExampleZ85Decode() {
	b, _ := zmq.Z85Decode("HelloWorld")
	fmt.Printf("% X\n", b)
	_, err := zmq.Z85Decode("Hello World")
	fmt.Println(err)
	_, err = zmq.Z85Decode("Hello Worl")
	fmt.Println(err)
	// Output:
	// 86 4F D2 6F B5 59 F7 5B
	// zmq: z85: cannot decode 11 characters: the length must be a multiple of 5
	// zmq: z85: invalid character at offset 5
}
