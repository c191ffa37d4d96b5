package zmtp

import (
	"bytes"
	"io"
	"testing"
)

func TestFrameHeader(t *testing.T) {
	for _, tt := range []struct {
		flags byte
		size  uint64
		want  []byte
	}{
		{0, 0, []byte{0, 0}},
		{FlagMore, 1, []byte{1, 1}},
		{FlagCommand, 255, []byte{4, 255}},
		{FlagLong, 255, []byte{0, 255}}, // FlagLong cleared
		{0, 256, []byte{2, 0, 0, 0, 0, 0, 0, 1, 0}},
		{FlagMore, 1 << 32, []byte{3, 0, 0, 0, 1, 0, 0, 0, 0}},
		{FlagCommand, 1 << 62, []byte{6, 0x40, 0, 0, 0, 0, 0, 0, 0}},
		{0, 1<<63 - 1, []byte{2, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
	} {
		got := AppendFrameHeader([]byte{0xEE}, tt.flags, tt.size)
		if !bytes.Equal(got[1:], tt.want) || got[0] != 0xEE {
			t.Errorf("AppendFrameHeader(%d, %d) = % x, want % x", tt.flags, tt.size, got[1:], tt.want)
		}
		if n := FrameHeaderLen(tt.size); n != len(tt.want) {
			t.Errorf("FrameHeaderLen(%d) = %d", tt.size, n)
		}
		flags, size, n, err := ParseFrameHeader(append(tt.want, 0xAB))
		if err != nil || flags != tt.want[0] || size != tt.size || n != len(tt.want) {
			t.Errorf("ParseFrameHeader(% x) = %d, %d, %d, %v", tt.want, flags, size, n, err)
		}
		for i := range tt.want {
			if _, _, _, err := ParseFrameHeader(tt.want[:i]); err != io.ErrUnexpectedEOF {
				t.Errorf("prefix %d of % x: err = %v", i, tt.want, err)
			}
		}
	}
}

func TestParseFrameHeaderErrors(t *testing.T) {
	for _, tt := range []struct {
		p   []byte
		err error
	}{
		{[]byte{5, 0}, ErrCommandMore},
		{[]byte{7}, ErrCommandMore},
		{[]byte{2, 0x80, 0, 0, 0, 0, 0, 0, 0}, ErrFrameTooLarge},
		{[]byte{2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, ErrFrameTooLarge},
	} {
		if _, _, _, err := ParseFrameHeader(tt.p); err != tt.err {
			t.Errorf("ParseFrameHeader(% x) err = %v, want %v", tt.p, err, tt.err)
		}
	}
}

func TestParseFrameHeaderLenient(t *testing.T) {
	// Reserved bits are ignored; a long header with a small size is accepted.
	flags, size, n, err := ParseFrameHeader([]byte{0xF9, 7})
	if err != nil || flags != FlagMore || size != 7 || n != 2 {
		t.Errorf("reserved bits: %d, %d, %d, %v", flags, size, n, err)
	}
	flags, size, n, err = ParseFrameHeader([]byte{2, 0, 0, 0, 0, 0, 0, 0, 5})
	if err != nil || flags != FlagLong || size != 5 || n != 9 {
		t.Errorf("long small: %d, %d, %d, %v", flags, size, n, err)
	}
}

var sink []byte

func BenchmarkAppendFrameHeader(b *testing.B) {
	buf := make([]byte, 0, 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendFrameHeader(buf[:0], FlagMore, uint64(i&1023))
	}
	sink = buf
}

func BenchmarkParseFrameHeader(b *testing.B) {
	short := AppendFrameHeader(nil, FlagMore, 100)
	long := AppendFrameHeader(nil, 0, 1<<20)
	b.ReportAllocs()
	var total uint64
	for i := 0; b.Loop(); i++ {
		p := short
		if i&1 == 1 {
			p = long
		}
		_, size, _, err := ParseFrameHeader(p)
		if err != nil {
			b.Fatal(err)
		}
		total += size
	}
	if total == 1 {
		b.Log(total)
	}
}
