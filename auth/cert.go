package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	zmq "github.com/zmq-go/zmq"
)

// Certificate is a CURVE key pair, or only its public key, with metadata:
// what a certificate file holds.
type Certificate struct {
	// Public is the public key.
	Public zmq.CurvePublicKey
	// Secret is the secret key, or nil in a public certificate.
	Secret *zmq.CurveSecretKey
	// Metadata holds the entries of the file's metadata section. Names are
	// ZPL names (letters, digits and $-_@.&+/); values are text without
	// control characters, and without both kinds of quote.
	Metadata map[string]string
}

// MaxCertificateSize is the size above which LoadCertificate refuses a file
// rather than read it.
const MaxCertificateSize = 1 << 20

// SecretSuffix is appended to a public certificate's file name to name its
// secret certificate, by CZMQ, pyzmq and [Certificate.Save].
const SecretSuffix = "_secret"

// ParseError reports a file that is not a certificate: malformed ZPL, or a
// key missing, malformed or repeated. It says what is wrong and on which
// line, never what the line holds.
type ParseError struct {
	File string // the file's path; empty when parsing bytes
	Line int    // 1-based; 0 when no one line is at fault
	Msg  string
}

// Error says which file and line are wrong, and why.
func (e *ParseError) Error() string {
	s := "auth: "
	if e.File != "" {
		s += "certificate " + e.File + ": "
	} else {
		s += "certificate: "
	}
	if e.Line > 0 {
		s += "line " + strconv.Itoa(e.Line) + ": "
	}
	return s + e.Msg
}

// NewCertificate returns a certificate with a new key pair from crypto/rand
// and empty metadata.
func NewCertificate() (*Certificate, error) {
	pub, sec, err := zmq.NewCurveKeyPair()
	if err != nil {
		return nil, err
	}
	return &Certificate{Public: pub, Secret: sec, Metadata: map[string]string{}}, nil
}

// LoadCertificate reads a certificate file, public or secret, as CZMQ and
// pyzmq write them. A secret key, if present, must belong to the public
// key; a public key of small order (such as the all-zero placeholder CZMQ
// writes when built without CURVE) is refused. Unknown sections and
// unknown names in the curve section are ignored.
func LoadCertificate(path string) (*Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxCertificateSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCertificateSize {
		return nil, &ParseError{File: path, Msg: "larger than " + strconv.Itoa(MaxCertificateSize) + " bytes"}
	}
	c, err := ParseCertificate(data)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.File = path
		}
		return nil, err
	}
	return c, nil
}

// ParseCertificate reads a certificate from the text of its file; see
// [LoadCertificate]. Errors are of type *ParseError.
func ParseCertificate(data []byte) (*Certificate, error) {
	root, zerr := parseZPL(data)
	if zerr != nil {
		return nil, &ParseError{Line: zerr.line, Msg: zerr.msg}
	}
	c := &Certificate{Metadata: map[string]string{}}
	var curve, meta *zplNode
	for _, n := range root.children {
		switch n.name {
		case "curve":
			if curve != nil {
				return nil, &ParseError{Line: n.line, Msg: "a second curve section (the first is on line " + strconv.Itoa(curve.line) + ")"}
			}
			curve = n
		case "metadata":
			if meta != nil {
				return nil, &ParseError{Line: n.line, Msg: "a second metadata section (the first is on line " + strconv.Itoa(meta.line) + ")"}
			}
			meta = n
		}
	}
	if curve == nil {
		return nil, &ParseError{Msg: "no curve section"}
	}
	var pub, sec *zplNode
	for _, n := range curve.children {
		var p **zplNode
		switch n.name {
		case "public-key":
			p = &pub
		case "secret-key":
			p = &sec
		default:
			continue
		}
		if *p != nil {
			return nil, &ParseError{Line: n.line, Msg: "a second " + n.name + " (the first is on line " + strconv.Itoa((*p).line) + ")"}
		}
		if len(n.children) > 0 {
			return nil, &ParseError{Line: n.children[0].line, Msg: "a property under " + n.name}
		}
		*p = n
	}
	if pub == nil {
		return nil, &ParseError{Line: curve.line, Msg: "no public-key in the curve section"}
	}
	if err := c.Public.UnmarshalText([]byte(pub.value)); err != nil {
		return nil, &ParseError{Line: pub.line, Msg: "public-key: " + strings.TrimPrefix(err.Error(), "zmq: ")}
	}
	if err := c.Public.Check(); err != nil {
		return nil, &ParseError{Line: pub.line, Msg: "public-key: " + strings.TrimPrefix(err.Error(), "zmq: ")}
	}
	if sec != nil {
		if len(sec.value) != zmq.CurveKeyZ85Size {
			return nil, &ParseError{Line: sec.line, Msg: "secret-key: " + strconv.Itoa(len(sec.value)) +
				" characters; want " + strconv.Itoa(zmq.CurveKeyZ85Size) + " of Z85 text"}
		}
		s, err := zmq.ParseCurveSecretKey([]byte(sec.value))
		if err != nil {
			return nil, &ParseError{Line: sec.line, Msg: "secret-key: " + strings.TrimPrefix(err.Error(), "zmq: ")}
		}
		if s.PublicKey() != c.Public {
			return nil, &ParseError{Line: sec.line, Msg: "secret-key does not belong to the public-key on line " + strconv.Itoa(pub.line)}
		}
		c.Secret = s
	}
	if meta != nil {
		seen := map[string]int{}
		for _, n := range meta.children {
			if first, ok := seen[n.name]; ok {
				return nil, &ParseError{Line: n.line, Msg: "metadata " + strconv.Quote(n.name) + " again (first on line " + strconv.Itoa(first) + ")"}
			}
			if len(n.children) > 0 {
				return nil, &ParseError{Line: n.children[0].line, Msg: "a property under metadata " + strconv.Quote(n.name)}
			}
			seen[n.name] = n.line
			c.Metadata[n.name] = n.value
		}
	}
	return c, nil
}

// LoadCertificates reads the public certificates in dir, for a server's
// list of allowed client keys, and returns them by public key. It reads
// every regular file in dir itself (not in subdirectories) except those
// whose names begin with '.' or end in [SecretSuffix]: so both CZMQ's
// "alice" and pyzmq's "alice.key" are read, as each of them reads a
// directory (CZMQ reads every file, pyzmq those ending in ".key"). Every
// file read must be a certificate: one that is not fails the whole call,
// naming the file, rather than leave a key out silently. Secret keys found
// in files read are dropped (Secret is nil). Where two files hold the same
// public key, the first by name wins.
func LoadCertificates(dir string) (map[zmq.CurvePublicKey]*Certificate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	certs := map[zmq.CurvePublicKey]*Certificate{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, SecretSuffix) {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path) // follows symbolic links
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		c, err := LoadCertificate(path)
		if err != nil {
			return nil, err
		}
		c.Secret = nil
		if _, ok := certs[c.Public]; !ok {
			certs[c.Public] = c
		}
	}
	return certs, nil
}

// MarshalPublic returns the text of c's public certificate file: a comment
// header, the metadata section and the curve section with the public key.
func (c *Certificate) MarshalPublic() ([]byte, error) {
	return c.marshal(false)
}

// MarshalSecret returns the text of c's secret certificate file, which
// adds the secret key to the public one's.
func (c *Certificate) MarshalSecret() ([]byte, error) {
	if c.Secret == nil {
		return nil, errors.New("auth: the certificate has no secret key")
	}
	return c.marshal(true)
}

const (
	publicHeader = `#   ****  Generated by github.com/zmq-go/zmq/auth  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

`
	secretHeader = `#   ****  Generated by github.com/zmq-go/zmq/auth  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

`
)

func (c *Certificate) marshal(secret bool) ([]byte, error) {
	if secret && c.Secret.PublicKey() != c.Public {
		return nil, errors.New("auth: the certificate's secret key does not belong to its public key")
	}
	var b bytes.Buffer
	if secret {
		b.WriteString(secretHeader)
	} else {
		b.WriteString(publicHeader)
	}
	b.WriteString("metadata\n")
	names := make([]string, 0, len(c.Metadata))
	for name := range c.Metadata {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !validName(name) {
			return nil, fmt.Errorf("auth: metadata name %q is not a ZPL name (letters, digits and $-_@.&+/, no '/' at either end)", name)
		}
		// pyzmq's load_certificate takes any line starting with
		// "public-key" or "secret-key" for a key.
		if strings.HasPrefix(name, "public-key") || strings.HasPrefix(name, "secret-key") {
			return nil, fmt.Errorf("auth: metadata name %q would be read as a key by pyzmq", name)
		}
		q, ok := quoteZPL(c.Metadata[name])
		if !ok {
			return nil, fmt.Errorf("auth: metadata %q: the value holds a control character, or both kinds of quote, which ZPL cannot carry", name)
		}
		b.WriteString("    " + name + " = " + q + "\n")
	}
	b.WriteString("curve\n")
	b.WriteString(`    public-key = "` + c.Public.String() + "\"\n")
	if secret {
		b.WriteString(`    secret-key = "` + c.Secret.Z85() + "\"\n")
	}
	return b.Bytes(), nil
}

// Save writes c's public certificate to path, readable by all (mode
// 0644), and, if c has a secret key, its secret certificate to path with
// [SecretSuffix] appended, readable by its owner only (mode 0600). Name
// the public file "name" as CZMQ does or "name.key" as pyzmq does. Each
// file is written to a temporary file in the same directory and renamed
// into place, so a reader never sees half a file and an existing secret
// file keeps no looser mode.
func (c *Certificate) Save(path string) error {
	if err := c.SavePublic(path); err != nil {
		return err
	}
	if c.Secret == nil {
		return nil
	}
	return c.SaveSecret(path + SecretSuffix)
}

// SavePublic writes c's public certificate to path, with mode 0644.
func (c *Certificate) SavePublic(path string) error {
	data, err := c.MarshalPublic()
	if err != nil {
		return err
	}
	return writeFile(path, data, 0o644)
}

// SaveSecret writes c's secret certificate to path, with mode 0600.
func (c *Certificate) SaveSecret(path string) error {
	data, err := c.MarshalSecret()
	if err != nil {
		return err
	}
	return writeFile(path, data, 0o600)
}

// writeFile writes data to path through a temporary file, which
// os.CreateTemp makes with mode 0600, renamed into place.
func writeFile(path string, data []byte, mode os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
