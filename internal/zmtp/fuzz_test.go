package zmtp

import (
	"bytes"
	"io"
	"reflect"
	"testing"
)

func FuzzFrameHeader(f *testing.F) {
	for _, size := range []uint64{0, 1, 255, 256, 1 << 32, 1 << 62, 1<<63 - 1} {
		for _, flags := range []byte{0, FlagMore, FlagCommand} {
			f.Add(AppendFrameHeader(nil, flags, size))
		}
	}
	f.Add([]byte{2, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{5, 0})
	f.Add(goldenReadySUB)
	f.Fuzz(func(t *testing.T, p []byte) {
		flags, size, n, err := ParseFrameHeader(p)
		if err != nil {
			if err == io.ErrUnexpectedEOF && len(p) >= 9 {
				t.Fatalf("ErrUnexpectedEOF with %d bytes", len(p))
			}
			return
		}
		if n != 2 && n != 9 || n > len(p) || flags&^flagsMask != 0 || size >= 1<<63 {
			t.Fatalf("ParseFrameHeader(% x) = %d, %d, %d", p, flags, size, n)
		}
		if flags&FlagCommand != 0 && flags&FlagMore != 0 {
			t.Fatalf("command with MORE accepted")
		}
		enc := AppendFrameHeader(nil, flags, size)
		canonical := p[0]&^flagsMask == 0 && (n == 9) == (size > MaxShortSize)
		if canonical != bytes.Equal(enc, p[:n]) {
			t.Fatalf("re-encoding % x gives % x (canonical %v)", p[:n], enc, canonical)
		}
		if len(enc) != FrameHeaderLen(size) {
			t.Fatalf("FrameHeaderLen(%d) = %d, encoding is %d", size, FrameHeaderLen(size), len(enc))
		}
	})
}

func FuzzGreeting(f *testing.F) {
	f.Add(goldenGreetingNULL)
	f.Add(AppendGreeting(nil, Greeting{3, 0, "CURVE", true}))
	f.Add(AppendGreeting(nil, Greeting{2, 0, "PLAIN", false}))
	f.Add(AppendGreeting(nil, Greeting{3, 1, "A.B+C-D_E", false})[:40])
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) >= SignatureSize {
			CheckSignature(p[:SignatureSize])
		}
		g, err := ParseGreeting(p)
		if err != nil {
			return
		}
		enc := AppendGreeting(nil, g)
		if g2, err := ParseGreeting(enc); err != nil || g2 != g {
			t.Fatalf("round trip of %+v: %+v, %v", g, g2, err)
		}
		canonical := bytes.Equal(p[:SignatureSize], AppendSignature(nil)) &&
			p[32] <= 1 && bytes.Equal(p[33:GreetingSize], make([]byte, 31))
		if canonical != bytes.Equal(enc, p[:GreetingSize]) {
			t.Fatalf("re-encoding % x gives % x (canonical %v)", p[:GreetingSize], enc, canonical)
		}
	})
}

func FuzzCommand(f *testing.F) {
	for _, frame := range [][]byte{
		goldenReadySUB,
		goldenReadyDEALER,
		AppendError(nil, "reason"),
		AppendSubscribe(nil, []byte("topic")),
		AppendCancel(nil, nil),
		AppendPing(nil, 100, []byte("ctx")),
		AppendPong(nil, []byte("ctx")),
	} {
		_, _, n, _ := ParseFrameHeader(frame)
		f.Add(frame[n:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		name, data, err := ParseCommand(body)
		if err != nil {
			return
		}
		frame := AppendCommand(nil, name, data)
		_, size, n, err := ParseFrameHeader(frame)
		if err != nil || size != uint64(len(body)) || !bytes.Equal(frame[n:], body) {
			t.Fatalf("re-encoding % x gives % x", body, frame)
		}
		var enc []byte
		switch name {
		case CmdReady:
			md, err := ParseMetadata(data)
			if err != nil {
				return
			}
			enc = AppendReady(nil, md)
		case CmdError:
			reason, err := ParseError(data)
			if err != nil {
				return
			}
			enc = AppendError(nil, reason)
			frame = AppendCommand(nil, name, data[:1+len(reason)]) // trailing bytes are dropped
		case CmdPing:
			ttl, ctx, err := ParsePing(data)
			if err != nil {
				return
			}
			if len(data) > 2+MaxPingContextSize {
				if len(ctx) != MaxPingContextSize {
					t.Fatalf("long PING context cut to %d bytes", len(ctx))
				}
				return
			}
			enc = AppendPing(nil, ttl, ctx)
		case CmdPong:
			enc = AppendPong(nil, data)
			if len(data) > MaxPingContextSize {
				return
			}
		case CmdSubscribe:
			enc = AppendSubscribe(nil, data)
		case CmdCancel:
			enc = AppendCancel(nil, data)
		default:
			return
		}
		if !bytes.Equal(enc, frame) {
			t.Fatalf("%s: re-encoding gives % x, want % x", name, enc, frame)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	f.Add(goldenReadySUB[8:])
	f.Add(goldenReadyDEALER[8:])
	f.Add(AppendMetadata(nil, Metadata{{"Resource", []byte("/x")}, {"a.b+c_d-e", bytes.Repeat([]byte{1}, 300)}}))
	f.Add([]byte{1, 'a', 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ParseMetadata(data)
		if err != nil {
			return
		}
		if enc := AppendMetadata(nil, md); !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding % x gives % x", data, enc)
		}
		md2, err := ParseMetadata(AppendMetadata(nil, md))
		if err != nil || !reflect.DeepEqual(md, md2) {
			t.Fatalf("round trip: %q, %v", md2, err)
		}
		for _, p := range md {
			if _, ok := md.Get(p.Name); !ok {
				t.Fatalf("Get(%q) failed", p.Name)
			}
		}
	})
}
