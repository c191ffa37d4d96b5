package transport

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// A host name with several addresses is dialed address after address, as
// libzmq's tcp connecter does: the first refuses (nothing listens on
// 127.0.0.2), the second accepts. The name comes from a DNS server on the
// loopback that the test runs.
func TestDialTriesEveryAddress(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	useDNS(t, map[string][]netip.Addr{
		"multi.test.": {netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")},
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := DialTCP(ctx, "multi.test:"+strconv.Itoa(port), Config{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if got := c.RemoteAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.1" {
		t.Fatalf("connected to %s, want the second address, 127.0.0.1", got)
	}
	ac, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	ac.Close()

	// Neither address answers: the error is the last attempt's.
	ln.Close()
	if _, err := DialTCP(ctx, "multi.test:"+strconv.Itoa(port), Config{}); err == nil {
		t.Fatal("dial succeeded with nothing listening")
	}
}

// useDNS points the package's resolver, for the test, at a DNS server on
// 127.0.0.1 that answers A queries for the given names, and nothing else.
func useDNS(t *testing.T, names map[string][]netip.Addr) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply := answer(buf[:n], names); reply != nil {
				pc.WriteTo(reply, from)
			}
		}
	}()
	old := resolver
	resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp4", pc.LocalAddr().String())
	}}
	t.Cleanup(func() {
		resolver = old
		pc.Close()
		<-done
	})
}

// answer builds the reply to a DNS query (RFC 1035, section 4): the
// query's first question, and an A record for each address of its name
// when it asks for A records; nil if the query is not one.
func answer(q []byte, names map[string][]netip.Addr) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) < 1 {
		return nil
	}
	// The question: a name of labels, then its type and class.
	name, i := "", 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		name += string(q[i+1:i+1+l]) + "."
		i += 1 + l
	}
	i++ // the root label
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]

	var addrs []netip.Addr
	if qtype == 1 { // A
		addrs = names[name]
	}
	r := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q)) // the id
	r = append(r, 0x81, 0x80)                                           // a response, recursion available, no error
	r = binary.BigEndian.AppendUint16(r, 1)
	r = binary.BigEndian.AppendUint16(r, uint16(len(addrs)))
	r = append(r, 0, 0, 0, 0) // no authority, no additional records
	r = append(r, question...)
	for _, a := range addrs {
		r = append(r, 0xC0, 12)                      // the name: a pointer to the question's
		r = append(r, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4) // A, IN, TTL 60 s, 4 bytes
		r = append(r, a.AsSlice()...)
	}
	return r
}
