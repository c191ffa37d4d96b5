package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A status shows progress on stderr. On a terminal, show rewrites one
// line in place; elsewhere (a log file, a pipe) it does nothing, and
// progress goes out as whole lines with println.
type status struct {
	w    io.Writer
	term bool
	last int // the length of the line shown in place, to blank it out
}

func newStatus(e *env) *status { return &status{w: e.stderr, term: e.stderrIsTerm} }

// show replaces the line shown in place, on a terminal.
func (s *status) show(line string) {
	if !s.term {
		return
	}
	n := utf8.RuneCountInString(line)
	pad := max(s.last-n, 0)
	fmt.Fprintf(s.w, "\r%s%s", line, strings.Repeat(" ", pad))
	if pad > 0 {
		fmt.Fprintf(s.w, "\r%s", line)
	}
	s.last = n
}

// clear blanks the line shown in place.
func (s *status) clear() {
	if s.term && s.last > 0 {
		fmt.Fprintf(s.w, "\r%s\r", strings.Repeat(" ", s.last))
		s.last = 0
	}
}

// println prints a line of its own, above the line shown in place.
func (s *status) println(line string) {
	s.clear()
	fmt.Fprintln(s.w, line)
}

// formatBytes writes n bytes with a decimal unit: 512 B, 1.5 kB, 12.3 MB.
func formatBytes(n uint64) string {
	const units = "kMGTPE"
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	i := -1
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, units[i])
}
