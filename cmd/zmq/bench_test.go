package main

import (
	"regexp"
	"strings"
	"testing"
)

// A very short bench prints a row per transport and size, and its
// progress on stderr.
func TestBench(t *testing.T) {
	stdout, stderr, code := run(t, "", "bench", "-time", "400ms", "-sizes", "64,1k")
	if code != 0 {
		t.Fatalf("bench: exit code %d; stderr:\n%s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^transport +size +msg/s +MB/s +latency µs$`).MatchString(stdout) {
		t.Fatalf("bench printed no table header:\n%s", stdout)
	}
	for _, tr := range []string{"inproc", "ipc", "tcp"} {
		for _, size := range []string{"64 B", "1 KiB"} {
			row := `(?m)^` + tr + ` +` + size + ` +[1-9][\d,]* +[\d,]+\.\d +\d+\.\d\d$`
			if !regexp.MustCompile(row).MatchString(stdout) {
				t.Errorf("no row for %s %s (want a match of %q) in:\n%s", tr, size, row, stdout)
			}
		}
	}
	for _, want := range []string{"msg/s, MB/s: one PUSH socket", "latency: one REQ and one REP socket", "Done in "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench's output lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^zmq bench: \[12/12\] tcp 1 KiB latency: \d+\.\d\d µs$`).MatchString(stderr) {
		t.Errorf("bench's progress on stderr lacks its last step:\n%s", stderr)
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("0, 64,1k,2KiB,1M,3MiB,5B")
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 64, 1024, 2048, 1 << 20, 3 << 20, 5}
	if len(got) != len(want) {
		t.Fatalf("parseSizes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("parseSizes = %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1G", "65M", "1kk", "64,"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) succeeded", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{formatSize(64), "64 B"},
		{formatSize(65536), "64 KiB"},
		{formatSize(1 << 20), "1 MiB"},
		{formatSize(1500), "1500 B"},
		{formatCount(1234567.6), "1,234,568"},
		{formatCount(999), "999"},
		{groupDigits("1234.5"), "1,234.5"},
		{groupDigits("123456"), "123,456"},
		{formatBytes(999), "999 B"},
		{formatBytes(1500), "1.5 kB"},
		{formatBytes(12_300_000), "12.3 MB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
