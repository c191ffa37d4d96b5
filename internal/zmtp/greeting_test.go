package zmtp

import (
	"errors"
	"io"
	"testing"
)

func TestGreetingRoundTrip(t *testing.T) {
	for _, g := range []Greeting{
		{3, 0, "NULL", false},
		{3, 1, "PLAIN", true},
		{3, 1, "CURVE", false},
		{4, 7, "X-GSSAPI_1.0+", true},
		{3, 1, "ABCDEFGHIJKLMNOPQRST", false}, // exactly 20 bytes, no padding
	} {
		p := AppendGreeting(nil, g)
		if len(p) != GreetingSize {
			t.Fatalf("%+v: %d bytes", g, len(p))
		}
		got, err := ParseGreeting(p)
		if err != nil || got != g {
			t.Errorf("ParseGreeting(AppendGreeting(%+v)) = %+v, %v", g, got, err)
		}
		for i := range p {
			if _, err := ParseGreeting(p[:i]); err != io.ErrUnexpectedEOF {
				t.Errorf("%+v: prefix %d: err = %v", g, i, err)
			}
		}
	}
}

func TestGreetingMechanismTruncated(t *testing.T) {
	p := AppendGreeting(nil, Greeting{3, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", false})
	g, err := ParseGreeting(p)
	if len(p) != GreetingSize || err != nil || g.Mechanism != "ABCDEFGHIJKLMNOPQRST" {
		t.Errorf("len %d, %+v, %v", len(p), g, err)
	}
}

func TestCheckSignature(t *testing.T) {
	good := AppendSignature(nil)
	if err := CheckSignature(good); err != nil {
		t.Errorf("libzmq signature: %v", err)
	}
	zeros := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F}
	if err := CheckSignature(zeros); err != nil {
		t.Errorf("zero padding: %v", err)
	}
	for _, n := range []int{0, 9, 11} {
		if err := CheckSignature(make([]byte, n)); err != ErrBadSignature {
			t.Errorf("len %d: err = %v", n, err)
		}
	}
	zmtp10 := [][]byte{
		{0x05, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F},
		{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E},
		{0x01, 0x00, 'h', 'e', 'l', 'l', 'o', 0, 0, 0},
	}
	for _, sig := range zmtp10 {
		var ve *VersionError
		if err := CheckSignature(sig); !errors.As(err, &ve) || *ve != (VersionError{1, 0}) {
			t.Errorf("% x: err = %v", sig, err)
		}
	}
}

func TestParseGreetingErrors(t *testing.T) {
	valid := func() []byte { return AppendGreeting(nil, Greeting{3, 1, "NULL", false}) }

	for _, v := range [][2]byte{{0, 0}, {1, 0}, {2, 9}} {
		p := valid()
		p[10], p[11] = v[0], v[1]
		_, err := ParseGreeting(p)
		var ve *VersionError
		if !errors.As(err, &ve) || ve.Major != v[0] || ve.Minor != v[1] {
			t.Errorf("version %v: err = %v", v, err)
		}
	}
	p := valid()
	p[0] = 0x10
	if _, err := ParseGreeting(p); !errors.As(err, new(*VersionError)) {
		t.Errorf("ZMTP 1.0 signature: err = %v", err)
	}

	for _, mech := range []string{
		"",          // empty
		"null",      // lower case
		"NU LL",     // space
		"NULL\x00X", // not NUL padded
		"\x00NULL",  // leading NUL
		"NU\xffLL",  // non-ASCII
	} {
		p := valid()
		copy(p[12:32], make([]byte, 20))
		copy(p[12:32], mech)
		if _, err := ParseGreeting(p); err != ErrBadMechanism {
			t.Errorf("mechanism %q: err = %v", mech, err)
		}
	}

	p = valid()
	p[1], p[32], p[63] = 0xAA, 7, 0xBB // padding, as-server and filler are lenient
	if g, err := ParseGreeting(p); err != nil || !g.AsServer {
		t.Errorf("lenient greeting: %+v, %v", g, err)
	}
	if g, err := ParseGreeting(append(valid(), 1, 2, 3)); err != nil || g.Mechanism != "NULL" {
		t.Errorf("longer input: %+v, %v", g, err)
	}
}

func TestVersion(t *testing.T) {
	for _, tt := range []struct {
		v    Version
		want bool
	}{
		{Version{3, 0}, false}, {Version{3, 1}, true}, {Version{3, 2}, true},
		{Version{4, 0}, true}, {Version{2, 9}, false},
	} {
		if got := tt.v.AtLeast31(); got != tt.want {
			t.Errorf("%v.AtLeast31() = %v", tt.v, got)
		}
	}
	if v := (Greeting{Major: 3, Minor: 1}).Version(); v != (Version{3, 1}) {
		t.Errorf("Version() = %v", v)
	}
	if s := (&VersionError{2, 0}).Error(); s != "zmtp: greeting version 2.0 is not ZMTP 3.x" {
		t.Errorf("Error() = %q", s)
	}
	if s := (&VersionError{0, 0}).Error(); s != "zmtp: ZMTP 1.0 peer (revision 0), which is not supported" {
		t.Errorf("Error() = %q", s)
	}
}
