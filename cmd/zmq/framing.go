package main

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"unicode/utf8"

	zmq "github.com/zmq-go/zmq"
)

// framing says how messages are cut out of stdin and written to stdout.
//
// By default each line is one single-frame message (its "\n" or "\r\n"
// removed), and the frames of a multipart message received are printed
// joined by a tab, then a newline. With sep, a line is split into frames
// at sep and received frames are joined with it. With raw, stdin as a
// whole is one message (split at sep, if given) and received messages are
// written as their bytes alone, frames joined by sep, with no newline.
type framing struct {
	raw bool
	sep []byte // nil: no splitting
}

// parseSep reads the -sep value, in which Go's escapes (\t, \n, \x01,
// \\) stand for the characters they name.
func parseSep(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var b []byte
	for rest := s; rest != ""; {
		r, multibyte, tail, err := strconv.UnquoteChar(rest, 0)
		if err != nil {
			return nil, usagef("-sep %q: bad escape (write a backslash as \\\\)", s)
		}
		if multibyte {
			b = utf8.AppendRune(b, r)
		} else {
			b = append(b, byte(r))
		}
		rest = tail
	}
	return b, nil
}

// split cuts one line, or the whole input with raw, into frames.
func (f framing) split(b []byte) [][]byte {
	if f.sep == nil {
		return [][]byte{b}
	}
	return bytes.Split(b, f.sep)
}

// input is one message read from stdin, or the error that ended reading.
type input struct {
	frames [][]byte
	err    error
}

// A feed is stdin read on a goroutine of its own, so that a subcommand
// can wait for the next message and for a signal at once. c delivers the
// messages, and a read error as a last input; it is closed at the end of
// stdin, and done is closed after it.
type feed struct {
	c    <-chan input
	done <-chan struct{}
}

// feed starts reading messages from r.
func (f framing) feed(r io.Reader) feed {
	c := make(chan input)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(c)
		if f.raw {
			b, err := io.ReadAll(r)
			if err != nil {
				c <- input{err: err}
				return
			}
			c <- input{frames: f.split(b)}
			return
		}
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				line = bytes.TrimSuffix(line, []byte("\n"))
				line = bytes.TrimSuffix(line, []byte("\r"))
				c <- input{frames: f.split(line)}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				c <- input{err: err}
				return
			}
		}
	}()
	return feed{c: c, done: done}
}

// write writes m to w as the framing says and flushes it, so that each
// message reaches a pipe as it arrives.
func (f framing) write(w *bufio.Writer, m zmq.Msg) error {
	sep := f.sep
	if sep == nil && !f.raw {
		sep = []byte("\t")
	}
	for i, fr := range m.Frames {
		if i > 0 {
			w.Write(sep)
		}
		w.Write(fr)
	}
	if !f.raw {
		w.WriteByte('\n')
	}
	return w.Flush()
}
