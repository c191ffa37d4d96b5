package interop

import (
	"bytes"
	"errors"
	"maps"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	zmq4 "github.com/pebbe/zmq4"
	zmq "github.com/zmq-go/zmq"
	"github.com/zmq-go/zmq/auth"
	"github.com/zmq-go/zmq/interop/internal/libz85"
)

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// TestZ85MatchesLibzmq compares our Z85 codec with libzmq's on random
// input: the same text for every multiple of 4 bytes, the same refusals of
// other lengths, and, for random strings mixing the alphabet, characters
// outside it and groups near 2^32, the same bytes or the same refusal. The
// one difference is the empty string, which libzmq refuses to decode.
func TestZ85MatchesLibzmq(t *testing.T) {
	r := rand.New(rand.NewPCG(32, 85))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for n := 0; n < 3000; n++ {
		raw := randBytes(4 * r.IntN(20))
		ours, err := zmq.Z85Encode(raw)
		theirs, ok := libz85.Encode(raw)
		if err != nil || !ok || ours != theirs {
			t.Fatalf("encode % x: ours %q, %v; libzmq %q, %v", raw, ours, err, theirs, ok)
		}
		if len(raw) > 0 { // pebbe's wrappers cannot take empty input
			if p := zmq4.Z85encode(string(raw)); p != ours {
				t.Fatalf("encode % x: ours %q; pebbe %q", raw, ours, p)
			}
			if p := zmq4.Z85decode(ours); p != string(raw) {
				t.Fatalf("pebbe decode %q = % x; want % x", ours, p, raw)
			}
		}
		back, err := zmq.Z85Decode(theirs)
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("decode libzmq's %q: % x, %v; want % x", theirs, back, err, raw)
		}
	}
	for _, n := range []int{1, 2, 3, 5, 6, 7, 31, 33} {
		raw := randBytes(n)
		_, err := zmq.Z85Encode(raw)
		_, ok := libz85.Encode(raw)
		if !errors.Is(err, zmq.ErrZ85Length) || ok {
			t.Errorf("encode %d bytes: ours %v; libzmq accepted %v", n, err, ok)
		}
	}

	// Characters outside the alphabet, one of which makes a string invalid:
	// ASCII punctuation Z85 leaves out, space, DEL, control characters
	// (not NUL, which ends a C string) and bytes above 127.
	var outside []byte
	for c := 1; c < 256; c++ {
		if !strings.ContainsRune(z85Alphabet, rune(c)) {
			outside = append(outside, byte(c))
		}
	}
	group := func() string {
		var g []byte
		switch r.IntN(4) {
		case 0: // near the top: "%nSc0" is 0xFFFFFFFF
			g = append(g, "%nSc"[:1+r.IntN(4)]...)
		case 1: // a high first character, which may overflow
			g = append(g, "#$%@}"[r.IntN(5)])
		}
		for len(g) < 5 {
			g = append(g, z85Alphabet[r.IntN(85)])
		}
		if r.IntN(8) == 0 {
			g[r.IntN(5)] = outside[r.IntN(len(outside))]
		}
		return string(g)
	}
	var accepted, refused [3]int // by error: none/length, char, overflow
	for n := 0; n < 20000; n++ {
		var sb strings.Builder
		for range r.IntN(6) {
			sb.WriteString(group())
		}
		s := sb.String()
		if r.IntN(10) == 0 && len(s) > 0 {
			s = s[:r.IntN(len(s))] // a length that is (mostly) not a multiple of 5
		}
		ours, err := zmq.Z85Decode(s)
		theirs, ok := libz85.Decode(s)
		if s == "" {
			if err != nil || len(ours) != 0 || ok {
				t.Fatalf("decode \"\": ours %v, %v; libzmq accepted %v (it refuses the empty string)", ours, err, ok)
			}
			continue
		}
		if (err == nil) != ok || (ok && !bytes.Equal(ours, theirs)) {
			t.Fatalf("decode %q: ours % x, %v; libzmq % x, %v", s, ours, err, theirs, ok)
		}
		k := 0
		switch {
		case errors.Is(err, zmq.ErrZ85Char):
			k = 1
		case errors.Is(err, zmq.ErrZ85Overflow):
			k = 2
		}
		if err == nil {
			accepted[k]++
		} else {
			refused[k]++
		}
	}
	t.Logf("%d decoded alike; refused alike: %d for the length, %d for a character, %d for overflow",
		accepted[0], refused[0], refused[1], refused[2])
	// The input must have exercised every kind of refusal.
	if accepted[0] < 1000 || refused[0] < 100 || refused[1] < 1000 || refused[2] < 100 {
		t.Errorf("too few cases: %d accepted; refused %d for length, %d for a character, %d for overflow",
			accepted[0], refused[0], refused[1], refused[2])
	}
}

// TestCurveKeysMatchLibzmq checks our key derivation against libzmq's
// (libsodium's): the public key libzmq's zmq_curve_public computes from our
// secret keys is ours, and the public key we compute from the secret key of
// a pair zmq_curve_keypair made is libzmq's.
func TestCurveKeysMatchLibzmq(t *testing.T) {
	for range 200 {
		pk, sk, err := zmq.NewCurveKeyPair()
		must(t, "NewCurveKeyPair", err)
		theirs, err := zmq4.AuthCurvePublic(sk.Z85())
		must(t, "zmq_curve_public", err)
		if theirs != pk.String() {
			t.Fatalf("libzmq's public key of our secret key is %s; ours %s", theirs, pk)
		}

		lpub, lsec, err := zmq4.NewCurveKeypair()
		must(t, "zmq_curve_keypair", err)
		sk2, err := zmq.ParseCurveSecretKey([]byte(lsec))
		must(t, "parse libzmq's secret key", err)
		if got := sk2.PublicKey().String(); got != lpub {
			t.Fatalf("our public key of libzmq's secret key is %s; libzmq's %s", got, lpub)
		}
		pk2, err := zmq.ParseCurvePublicKey([]byte(lpub))
		must(t, "parse libzmq's public key", err)
		if pk2.String() != lpub || sk2.Z85() != lsec {
			t.Fatalf("libzmq's keys do not read back as themselves")
		}
		if err := pk2.Check(); err != nil {
			t.Fatalf("libzmq's public key %s: %v", lpub, err)
		}
	}
}

// pyzmqCerts runs testdata/certs.py and returns its output's lines, each
// split into fields.
func pyzmqCerts(t *testing.T, args ...string) [][]string {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import zmq.auth").CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing (install python3-zmq, see scripts/deps.sh): %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "certs.py"))
	must(t, "certs.py", err)
	cmd := exec.Command(py, append([]string{script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("certs.py %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var lines [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, strings.Fields(l))
		}
	}
	return lines
}

// TestPyZMQCertificates exchanges certificate files with pyzmq's zmq.auth
// both ways: we read the pair create_certificates writes (with the keys
// pyzmq and libzmq say it holds, and its metadata), and pyzmq's
// load_certificate and load_certificates read the files we write, in both
// pyzmq's naming and CZMQ's.
func TestPyZMQCertificates(t *testing.T) {
	dir := t.TempDir()

	// pyzmq writes, we read.
	out := pyzmqCerts(t, "create", dir, "pyclient")
	if len(out) != 1 || len(out[0]) != 3 {
		t.Fatalf("certs.py create printed %q", out)
	}
	pyPub, pySec, pyDerived := out[0][0], out[0][1], out[0][2]
	if pyDerived != pyPub {
		t.Fatalf("pyzmq's pair: libzmq derives %s from the secret key, the file says %s", pyDerived, pyPub)
	}
	pub, err := auth.LoadCertificate(filepath.Join(dir, "pyclient.key"))
	must(t, "load pyzmq's public certificate", err)
	if pub.Public.String() != pyPub || pub.Secret != nil || len(pub.Metadata) != 0 {
		t.Errorf("pyzmq's public certificate: key %v (want %s), secret %v, metadata %q", pub.Public, pyPub, pub.Secret != nil, pub.Metadata)
	}
	sec, err := auth.LoadCertificate(filepath.Join(dir, "pyclient.key_secret"))
	must(t, "load pyzmq's secret certificate", err)
	if sec.Public.String() != pyPub || sec.Secret == nil || sec.Secret.Z85() != pySec {
		t.Errorf("pyzmq's secret certificate: key %v (want %s), or the wrong secret key", sec.Public, pyPub)
	}
	if want := map[string]string{"name": "py peer", "role": "client"}; !maps.Equal(sec.Metadata, want) {
		t.Errorf("pyzmq's secret certificate: metadata %q; want %q", sec.Metadata, want)
	}

	// We write, pyzmq reads.
	ours, err := auth.NewCertificate()
	must(t, "NewCertificate", err)
	ours.Metadata["name"] = `Go "server"`
	ours.Metadata["comment"] = "# not a comment = really"
	must(t, "save", ours.Save(filepath.Join(dir, "goserver.key")))
	czmqStyle, err := auth.NewCertificate()
	must(t, "NewCertificate", err)
	must(t, "save", czmqStyle.Save(filepath.Join(dir, "gocz")))

	files := []string{"goserver.key", "goserver.key_secret", "gocz", "gocz_secret"}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	got := pyzmqCerts(t, append([]string{"load"}, paths...)...)
	want := [][]string{
		{ours.Public.String(), "-"},
		{ours.Public.String(), ours.Secret.Z85()},
		{czmqStyle.Public.String(), "-"},
		{czmqStyle.Public.String(), czmqStyle.Secret.Z85()},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("pyzmq's load_certificate of %q read %q; want %q", files, got, want)
	}

	// pyzmq's directory reader takes the .key files: its own and ours.
	keys := pyzmqCerts(t, "loaddir", dir)
	wantKeys := []string{pyPub, ours.Public.String()}
	slices.Sort(wantKeys)
	var gotKeys []string
	for _, l := range keys {
		gotKeys = append(gotKeys, l[0])
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("pyzmq's load_certificates found %q; want %q", gotKeys, wantKeys)
	}
	// Ours takes every public file, in either naming.
	all, err := auth.LoadCertificates(dir)
	must(t, "LoadCertificates", err)
	for _, k := range []zmq.CurvePublicKey{pub.Public, ours.Public, czmqStyle.Public} {
		if c, ok := all[k]; !ok || c.Secret != nil {
			t.Errorf("LoadCertificates: key %v found %v", k, ok)
		}
	}
	if len(all) != 3 {
		t.Errorf("LoadCertificates found %d certificates; want 3", len(all))
	}
}

// TestJeroMQSecured: Debian's JeroMQ (0.3.6) speaks ZMTP 2.0, which has no
// security mechanisms, so it can talk to our sockets over NULL only (see
// TestJeroMQPeers). Our PLAIN and CURVE servers, and a NULL server with a
// ZAP domain, refuse its connections with HANDSHAKE_FAILED_PROTOCOL and
// deliver nothing from it; our PLAIN and CURVE clients refuse a JeroMQ
// server the same way, before any credential leaves.
func TestJeroMQSecured(t *testing.T) {
	checkLeaks(t)
	launch := jeromq(t)
	serverPub, serverSecret, err := zmq.NewCurveKeyPair()
	must(t, "key pair", err)
	clientPub, clientSecret, err := zmq.NewCurveKeyPair()
	must(t, "key pair", err)
	servers := map[string][]zmq.Option{
		"PLAIN server":     {zmq.PlainServer(true)},
		"CURVE server":     {zmq.CurveServer(true), zmq.CurveSecret(serverSecret)},
		"NULL, ZAP domain": {zmq.ZAPDomain("global"), zmq.ZAPEnforceDomain(true)},
	}
	clients := map[string][]zmq.Option{
		"PLAIN client": {zmq.PlainUsername("admin"), zmq.PlainPassword("s3cret")},
		"CURVE client": {zmq.CurveServerKey(serverPub), zmq.CurvePublic(clientPub), zmq.CurveSecret(clientSecret)},
	}
	refused := func(t *testing.T, m ourMonitor) {
		t.Helper()
		ev, ok := m.nextWithin(t, peerTimeout)
		if !ok || ev.Type != zmq.EventHandshakeFailedProtocol {
			t.Fatalf("event %v (%v), want HANDSHAKE_FAILED_PROTOCOL", ev, ok)
		}
		t.Logf("%v", ev)
	}
	for name, opts := range servers {
		t.Run("ours binds/"+name, func(t *testing.T) {
			checkLeaks(t)
			s := newOurs(t, zmq.Pull, opts...)
			m := monitorOurs(t, s, zmq.EventHandshakeFailedProtocol|zmq.EventHandshakeSucceeded)
			defer m.m.Close()
			launch(t, "push", bindOurs(t, s, "tcp"), "connect", "3")
			refused(t, m)
			if got, err := s.TryRecv(); !errors.Is(err, zmq.ErrWouldBlock) {
				t.Fatalf("received %q (%v) from JeroMQ", got.Frames, err)
			}
		})
	}
	for name, opts := range clients {
		t.Run("peer binds/"+name, func(t *testing.T) {
			checkLeaks(t)
			p := launch(t, "pull", "tcp://127.0.0.1:*", "bind", "3")
			ep := strings.TrimPrefix(p.line(t, "endpoint "), "endpoint ")
			s := newOurs(t, zmq.Push, opts...)
			m := monitorOurs(t, s, zmq.EventHandshakeFailedProtocol|zmq.EventHandshakeSucceeded)
			defer m.m.Close()
			must(t, "connect", s.Connect(ep))
			refused(t, m)
		})
	}
}
