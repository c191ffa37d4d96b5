package zmtp

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestMetadataRoundTrip(t *testing.T) {
	for _, md := range []Metadata{
		nil,
		{{"Socket-Type", []byte("ROUTER")}},
		{{"Identity", []byte{}}, {"Resource", []byte("/a")}, {"X-Key_1.2+3", bytes.Repeat([]byte{0}, 300)}},
		{{strings.Repeat("n", 255), []byte("v")}},
	} {
		p := AppendMetadata(nil, md)
		if uint64(len(p)) != metadataLen(md) {
			t.Errorf("metadataLen = %d, encoding is %d", metadataLen(md), len(p))
		}
		got, err := ParseMetadata(p)
		if err != nil || !reflect.DeepEqual(got, md) {
			t.Errorf("ParseMetadata(AppendMetadata(%q)) = %q, %v", md, got, err)
		}
		// A prefix ending between properties holds the properties before it;
		// any other prefix is malformed.
		ends := map[int]int{0: 0}
		for k := range md {
			ends[len(AppendMetadata(nil, md[:k+1]))] = k + 1
		}
		for i := range p {
			got, err := ParseMetadata(p[:i])
			if k, ok := ends[i]; ok {
				if err != nil || len(got) != k {
					t.Errorf("prefix %d of % x: %d properties, %v", i, p, len(got), err)
				}
			} else if err != ErrMalformedMetadata || got != nil {
				t.Errorf("prefix %d of % x: err = %v", i, p, err)
			}
		}
	}
}

func TestParseMetadataErrors(t *testing.T) {
	for _, p := range [][]byte{
		{0, 0, 0, 0, 0},                  // empty name
		{1, 'a', 0, 0, 0, 2, 'x'},        // value past end
		{1, 'a', 0xFF, 0xFF, 0xFF, 0xFF}, // huge value length
		{1, ' ', 0, 0, 0, 0},             // bad name character
		{1, 0xC3, 0, 0, 0, 0},            // non-ASCII name
		{2, 'a', ':', 0, 0, 0, 0},        // bad name character
		{1, 'a', 0, 0, 0, 0, 5},          // trailing byte
	} {
		if md, err := ParseMetadata(p); err != ErrMalformedMetadata || md != nil {
			t.Errorf("ParseMetadata(% x) = %q, %v", p, md, err)
		}
	}
}

func TestMetadataAliasing(t *testing.T) {
	p := AppendMetadata(nil, Metadata{{"A", []byte("xy")}, {"B", []byte("z")}})
	md, err := ParseMetadata(p)
	if err != nil {
		t.Fatal(err)
	}
	if cap(md[0].Value) != 2 {
		t.Errorf("value capacity %d, want 2", cap(md[0].Value))
	}
	_ = append(md[0].Value, '!') // must not clobber the next property
	if v, _ := md.Get("b"); string(v) != "z" || p[len(p)-1] != 'z' {
		t.Errorf("append to a value clobbered data")
	}
}

func TestMetadataGet(t *testing.T) {
	md := Metadata{{"Socket-Type", []byte("REQ")}, {"X", []byte("1")}, {"x", []byte("2")}}
	for _, tt := range []struct {
		name string
		want string
		ok   bool
	}{
		{"Socket-Type", "REQ", true},
		{"SOCKET-TYPE", "REQ", true},
		{"socket-type", "REQ", true},
		{"x", "1", true},
		{"Socket-Typ", "", false},
		{"Identity", "", false},
		{"\u212Aey", "", false},
	} {
		v, ok := md.Get(tt.name)
		if ok != tt.ok || string(v) != tt.want {
			t.Errorf("Get(%q) = %q, %v", tt.name, v, ok)
		}
	}
}
