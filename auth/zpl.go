package auth

import (
	"strconv"
	"strings"
)

// A ZPL (ZeroMQ RFC 4) reader and writer, as far as certificates need it.
// The reader follows CZMQ's zconfig, the reader of CZMQ's certificates,
// where it is stricter than RFC 4 (a quote that is not closed is an error,
// not part of an unquoted value), and refuses control characters besides.
// It names the line at fault: indentation that is not a multiple of 4
// spaces or that skips a level, a line without a name, text after a quoted
// value, a quote that is not closed. Errors never repeat the text of the
// line: it may hold a key.

// zplNode is one property: a name, an optional value, and children.
type zplNode struct {
	name     string
	value    string
	line     int // 1-based; 0 for the root
	children []*zplNode
}

// zplError is a syntax error on one line.
type zplError struct {
	line int
	msg  string
}

// isNameChar reports whether c may appear in a ZPL name: RFC 4's
// name-char, ALPHA | DIGIT | "$" | "-" | "_" | "@" | "." | "&" | "+" | "/".
func isNameChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("$-_@.&+/", c) >= 0
}

// validName reports whether s can be written as a ZPL name that zconfig
// reads back: name characters only, and no '/' at either end.
func validName(s string) bool {
	if s == "" || s[0] == '/' || s[len(s)-1] == '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// parseZPL parses data into a tree under an unnamed root. Lines end in LF,
// CR LF or CR.
func parseZPL(data []byte) (*zplNode, *zplError) {
	root := &zplNode{}
	stack := []*zplNode{root} // stack[i] is the last node at depth i
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		end := 0
		for end < len(data) && data[end] != '\n' && data[end] != '\r' {
			end++
		}
		line := string(data[:end])
		switch {
		case end+1 < len(data) && data[end] == '\r' && data[end+1] == '\n':
			data = data[end+2:]
		case end < len(data):
			data = data[end+1:]
		default:
			data = nil
		}
		n, depth, err := parseZPLLine(line, lineNo)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		if depth >= len(stack) {
			return nil, &zplError{lineNo, "indented more than one level (4 spaces) below its parent"}
		}
		parent := stack[depth]
		parent.children = append(parent.children, n)
		stack = append(stack[:depth+1], n)
	}
	return root, nil
}

// parseZPLLine parses one line into a node and its depth (its indentation
// in levels of 4 spaces); a blank or comment line gives a nil node.
func parseZPLLine(line string, lineNo int) (n *zplNode, depth int, err *zplError) {
	for i := 0; i < len(line); i++ {
		if c := line[i]; (c < ' ' && c != '\t') || c == 0x7F {
			return nil, 0, &zplError{lineNo, "control character at column " + strconv.Itoa(i+1)}
		}
	}
	line = strings.TrimRight(line, " \t")
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	rest := line[indent:]
	switch {
	case rest == "" || rest[0] == '#':
		return nil, 0, nil
	case rest[0] == '\t':
		return nil, 0, &zplError{lineNo, "tab in the indentation; indent with 4 spaces a level"}
	case indent%4 != 0:
		return nil, 0, &zplError{lineNo, "indentation of " + strconv.Itoa(indent) + " spaces is not a multiple of 4"}
	}
	col := func(s string) string { return strconv.Itoa(len(line) - len(s) + 1) }
	i := 0
	for i < len(rest) && isNameChar(rest[i]) {
		i++
	}
	name := rest[:i]
	if name == "" {
		return nil, 0, &zplError{lineNo, "expected a name at column " + col(rest) + " (letters, digits and $-_@.&+/)"}
	}
	if name[0] == '/' || name[len(name)-1] == '/' {
		return nil, 0, &zplError{lineNo, "a name cannot start or end with '/'"}
	}
	n = &zplNode{name: name, line: lineNo}
	depth = indent / 4
	rest = strings.TrimLeft(rest[i:], " \t")
	switch {
	case rest == "" || rest[0] == '#':
		return n, depth, nil
	case rest[0] != '=':
		return nil, 0, &zplError{lineNo, "expected '=' or the end of the line at column " + col(rest)}
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		q := rest[0]
		end := strings.IndexByte(rest[1:], q)
		if end < 0 {
			return nil, 0, &zplError{lineNo, "the value's opening " + string(q) + " at column " + col(rest) + " is not closed"}
		}
		n.value = rest[1 : 1+end]
		after := strings.TrimLeft(rest[2+end:], " \t")
		if after != "" && after[0] != '#' {
			return nil, 0, &zplError{lineNo, "text after the quoted value at column " + col(after)}
		}
		return n, depth, nil
	}
	if c := strings.IndexByte(rest, '#'); c >= 0 {
		rest = rest[:c]
	}
	n.value = strings.TrimRight(rest, " \t")
	return n, depth, nil
}

// quoteZPL returns v quoted for a ZPL value: in double quotes, or single
// ones if v holds a double quote. ok is false if v holds both, or a control
// character other than tab, which ZPL cannot carry.
func quoteZPL(v string) (q string, ok bool) {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7F {
			return "", false
		}
	}
	switch {
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, true
	case !strings.Contains(v, `'`):
		return `'` + v + `'`, true
	}
	return "", false
}
