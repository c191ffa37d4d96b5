package zmtp

import (
	"bytes"
	"reflect"
	"testing"
)

// Reference bytes from libzmq 4.3's test suite.
var (
	goldenGreetingNULL = func() []byte {
		b := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1, 'N', 'U', 'L', 'L'}
		b = append(b, make([]byte, 16)...) // mechanism padding
		b = append(b, 0)                   // as-server
		return append(b, make([]byte, 31)...)
	}()

	goldenReadySUB = []byte{
		4, 25, 5, 'R', 'E', 'A', 'D', 'Y',
		11, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 0, 3, 'S', 'U', 'B',
	}

	goldenReadyDEALER = []byte{
		4, 41, 5, 'R', 'E', 'A', 'D', 'Y',
		11, 'S', 'o', 'c', 'k', 'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 0, 6, 'D', 'E', 'A', 'L', 'E', 'R',
		8, 'I', 'd', 'e', 'n', 't', 'i', 't', 'y', 0, 0, 0, 0,
	}
)

func TestGoldenGreeting(t *testing.T) {
	if len(goldenGreetingNULL) != GreetingSize {
		t.Fatalf("golden greeting is %d bytes", len(goldenGreetingNULL))
	}
	g := Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}
	if got := AppendGreeting(nil, g); !bytes.Equal(got, goldenGreetingNULL) {
		t.Errorf("AppendGreeting = % x\nwant % x", got, goldenGreetingNULL)
	}
	if got := AppendSignature(nil); !bytes.Equal(got, goldenGreetingNULL[:SignatureSize]) {
		t.Errorf("AppendSignature = % x", got)
	}
	if got := AppendGreetingRest(nil, g); !bytes.Equal(got, goldenGreetingNULL[SignatureSize:]) {
		t.Errorf("AppendGreetingRest = % x", got)
	}
	got, err := ParseGreeting(goldenGreetingNULL)
	if err != nil || got != g {
		t.Errorf("ParseGreeting = %+v, %v; want %+v", got, err, g)
	}
}

func TestGoldenReady(t *testing.T) {
	for _, tt := range []struct {
		name   string
		md     Metadata
		golden []byte
	}{
		{"SUB", Metadata{{PropSocketType, []byte("SUB")}}, goldenReadySUB},
		{"DEALER", Metadata{{PropSocketType, []byte("DEALER")}, {PropIdentity, []byte{}}}, goldenReadyDEALER},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := AppendReady(nil, tt.md); !bytes.Equal(got, tt.golden) {
				t.Errorf("AppendReady = % x\nwant % x", got, tt.golden)
			}
			if got := AppendCommand(nil, CmdReady, AppendMetadata(nil, tt.md)); !bytes.Equal(got, tt.golden) {
				t.Errorf("AppendCommand = % x\nwant % x", got, tt.golden)
			}
			flags, size, n, err := ParseFrameHeader(tt.golden)
			if err != nil || flags != FlagCommand || size != uint64(len(tt.golden)-2) || n != 2 {
				t.Fatalf("ParseFrameHeader = %d, %d, %d, %v", flags, size, n, err)
			}
			name, data, err := ParseCommand(tt.golden[n:])
			if err != nil || name != CmdReady {
				t.Fatalf("ParseCommand = %q, %v", name, err)
			}
			md, err := ParseMetadata(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(md, tt.md) {
				t.Errorf("ParseMetadata = %q, want %q", md, tt.md)
			}
			if v, ok := md.Get("socket-TYPE"); !ok || string(v) != tt.name {
				t.Errorf("Get(socket-TYPE) = %q, %v", v, ok)
			}
		})
	}
}
