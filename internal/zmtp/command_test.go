package zmtp

import (
	"bytes"
	"strings"
	"testing"
)

// splitCommand parses a whole command frame, failing the test on error.
func splitCommand(t *testing.T, frame []byte) (string, []byte) {
	t.Helper()
	flags, size, n, err := ParseFrameHeader(frame)
	if err != nil || flags&FlagCommand == 0 || uint64(len(frame)-n) != size {
		t.Fatalf("bad command frame % x: flags %d size %d n %d err %v", frame, flags, size, n, err)
	}
	name, data, err := ParseCommand(frame[n:])
	if err != nil {
		t.Fatalf("ParseCommand(% x): %v", frame[n:], err)
	}
	return name, data
}

// checkPrefixes checks that every strict prefix of a command frame fails to
// parse as a frame header plus a whole body.
func checkPrefixes(t *testing.T, frame []byte) {
	t.Helper()
	for i := range frame {
		_, size, n, err := ParseFrameHeader(frame[:i])
		if err == nil && uint64(i-n) >= size {
			t.Errorf("prefix %d of % x parses as a whole frame", i, frame)
		}
	}
}

func TestCommandGolden(t *testing.T) {
	long := bytes.Repeat([]byte{'t'}, 300)
	for _, tt := range []struct {
		name  string
		frame []byte
		want  []byte
	}{
		{"ERROR", AppendError(nil, "bad"), []byte{4, 10, 5, 'E', 'R', 'R', 'O', 'R', 3, 'b', 'a', 'd'}},
		{"ERROR empty", AppendError(nil, ""), []byte{4, 7, 5, 'E', 'R', 'R', 'O', 'R', 0}},
		{"SUBSCRIBE", AppendSubscribe(nil, []byte("ab")), []byte{4, 12, 9, 'S', 'U', 'B', 'S', 'C', 'R', 'I', 'B', 'E', 'a', 'b'}},
		{"SUBSCRIBE all", AppendSubscribe(nil, nil), []byte{4, 10, 9, 'S', 'U', 'B', 'S', 'C', 'R', 'I', 'B', 'E'}},
		{"CANCEL", AppendCancel(nil, []byte("x")), []byte{4, 8, 6, 'C', 'A', 'N', 'C', 'E', 'L', 'x'}},
		{"PING", AppendPing(nil, 300, []byte("ctx")), []byte{4, 10, 4, 'P', 'I', 'N', 'G', 1, 44, 'c', 't', 'x'}},
		{"PING bare", AppendPing(nil, 0, nil), []byte{4, 7, 4, 'P', 'I', 'N', 'G', 0, 0}},
		{"PONG", AppendPong(nil, []byte("ctx")), []byte{4, 8, 4, 'P', 'O', 'N', 'G', 'c', 't', 'x'}},
		{"READY empty", AppendReady(nil, nil), []byte{4, 6, 5, 'R', 'E', 'A', 'D', 'Y'}},
		{"long SUBSCRIBE", AppendSubscribe(nil, long),
			append([]byte{6, 0, 0, 0, 0, 0, 0, 1, 54, 9, 'S', 'U', 'B', 'S', 'C', 'R', 'I', 'B', 'E'}, long...)},
	} {
		if !bytes.Equal(tt.frame, tt.want) {
			t.Errorf("%s: % x\nwant % x", tt.name, tt.frame, tt.want)
		}
		checkPrefixes(t, tt.frame)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	name, data := splitCommand(t, AppendError(nil, "no"))
	if reason, err := ParseError(data); name != CmdError || err != nil || reason != "no" {
		t.Errorf("ERROR: %q %q %v", name, reason, err)
	}
	name, data = splitCommand(t, AppendError(nil, strings.Repeat("r", 300)))
	if reason, err := ParseError(data); name != CmdError || err != nil || reason != strings.Repeat("r", 255) {
		t.Errorf("long ERROR: %q %d %v", name, len(reason), err)
	}

	name, data = splitCommand(t, AppendPing(nil, 65535, []byte("0123456789abcdefXYZ")))
	ttl, ctx, err := ParsePing(data)
	if name != CmdPing || err != nil || ttl != 65535 || string(ctx) != "0123456789abcdef" {
		t.Errorf("PING: %q %d %q %v", name, ttl, ctx, err)
	}
	name, data = splitCommand(t, AppendPong(nil, []byte("0123456789abcdefXYZ")))
	if name != CmdPong || string(data) != "0123456789abcdef" {
		t.Errorf("PONG: %q %q", name, data)
	}

	for _, cmd := range []string{CmdSubscribe, CmdCancel, "X", strings.Repeat("N", 255)} {
		frame := AppendCommand(nil, cmd, []byte("a"), nil, []byte("bc"))
		name, data = splitCommand(t, frame)
		if name != cmd || string(data) != "abc" {
			t.Errorf("AppendCommand(%q): %q %q", cmd, name, data)
		}
		checkPrefixes(t, frame)
	}
	name, _ = splitCommand(t, AppendCommand(nil, strings.Repeat("N", 300)))
	if name != strings.Repeat("N", 255) {
		t.Errorf("long name not truncated: %d", len(name))
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, body := range [][]byte{
		nil,
		{0},
		{0, 'A'},
		{5, 'R', 'E', 'A', 'D'},
		{1},
	} {
		if _, _, err := ParseCommand(body); err != ErrMalformedCommand {
			t.Errorf("ParseCommand(% x) err = %v", body, err)
		}
	}
	// Every strict prefix of a valid body with a non-empty name is malformed.
	body := []byte{4, 'P', 'I', 'N', 'G'}
	for i := range body {
		if _, _, err := ParseCommand(body[:i]); err != ErrMalformedCommand {
			t.Errorf("prefix %d: err = %v", i, err)
		}
	}
	if name, data, err := ParseCommand(body); err != nil || name != "PING" || len(data) != 0 {
		t.Errorf("ParseCommand(% x) = %q, %q, %v", body, name, data, err)
	}
}

func TestParseErrorErrors(t *testing.T) {
	for _, data := range [][]byte{nil, {1}, {3, 'a', 'b'}, {255}} {
		if _, err := ParseError(data); err != ErrMalformedCommand {
			t.Errorf("ParseError(% x) err = %v", data, err)
		}
	}
	if r, err := ParseError([]byte{1, 'a', 'z'}); err != nil || r != "a" {
		t.Errorf("trailing bytes: %q, %v", r, err)
	}
}

func TestParsePingErrors(t *testing.T) {
	for _, data := range [][]byte{nil, {1}} {
		if _, _, err := ParsePing(data); err != ErrMalformedCommand {
			t.Errorf("ParsePing(% x) err = %v", data, err)
		}
	}
	if _, ctx, err := ParsePing(make([]byte, 2+16)); err != nil || len(ctx) != 16 {
		t.Errorf("16-byte context: %d, %v", len(ctx), err)
	}
	// libzmq's test_heartbeats: a longer context is cut to 16 bytes.
	long := append([]byte{0, 0}, []byte("LOL"+strings.Repeat("z", 55))...)
	if _, ctx, err := ParsePing(long); err != nil || string(ctx) != "LOL"+strings.Repeat("z", 13) {
		t.Errorf("58-byte context: %q, %v", ctx, err)
	}
}

func TestParseCommandNoAllocs(t *testing.T) {
	frame := AppendPing(nil, 10, []byte("c"))
	allocs := testing.AllocsPerRun(100, func() {
		_, _, n, _ := ParseFrameHeader(frame)
		name, data, _ := ParseCommand(frame[n:])
		if name != CmdPing {
			t.Fatal(name)
		}
		ParsePing(data)
	})
	if allocs != 0 {
		t.Errorf("%v allocs", allocs)
	}
}
