package zonefile

import (
	"io"
	"io/fs"
	"strings"
)

// lineReader is the buffered io.ByteReader that miekg/dns's zone lexer reads a master
// file through. miekg/dns keeps line numbers to itself except in parse errors, so
// lineReader follows the same lexical rules (RFC 1035 section 5.1: ";" comments,
// quoted strings, "\" escapes, and parentheses that let an entry span lines) just far
// enough to know on which line the current entry began.
//
// The lexer reads an entry up to and including its terminating newline before the
// parser hands out the record, and reads nothing of the next entry, so when
// ZoneParser.Next returns a record, entryLine is the first line of that record's text.
//
// ReadByte serves bytes from its own buffer: the lexer's one interface call per byte
// replaces the one it would make to a bufio.Reader. Inside a token or between tokens
// of an entry, a byte with no lexical meaning costs one table lookup; only newlines,
// the special characters and the bytes of comments, quoted strings and entry starts go
// through scan.
//
// A lineReader reads a file (r: an $INCLUDE'd one), or pieces of one already in
// memory (more): a top-level zone file, read whole, or the parts of a large one that
// are parsed side by side (see read_split.go).
type lineReader struct {
	r    io.Reader     // nil when the file is in memory (more)
	more func() []byte // the next in-memory piece of the file, nil after the last
	buf  []byte        // the bytes read and not yet served start at pos
	pos  int
	err  error
	name string // the file's name inside the include file system
	file string // the file's display path
	pop  func(*lineReader)
	tail bool // the closing empty line has been served

	line      int  // line of the next byte, 1-based
	lineBase  int  // file line = miekg/dns's line + lineBase (see read_split.go)
	entryLine int  // first line of the current (or last completed) entry
	atStart   bool // no token seen yet since the last entry ended
	depth     int  // open parentheses
	quote     bool // inside a quoted string
	comment   bool // inside a ";" comment
	escape    bool // the previous byte was an unquoted or quoted "\"
	slow      bool // any of atStart, quote, comment, escape, capturing: every byte needs scan

	// directive holds the beginning of the current entry when it starts with "$",
	// so that the include file system can see the $INCLUDE argument as written.
	directive []byte
	capturing bool

	ttl    uint32 // the $TTL in force, when ttlSet (see read_generate.go)
	ttlSet bool
}

// maxDirective bounds how much of a "$" entry is kept for inspection.
const maxDirective = 1024

func newLineReader(r io.Reader, name, file string) *lineReader {
	return &lineReader{
		r:       r,
		buf:     make([]byte, 0, 32<<10),
		name:    name,
		file:    file,
		line:    1,
		atStart: true,
		slow:    true,
	}
}

// newMemLineReader returns a lineReader serving the pieces that more returns, in
// order until it returns nil, as one file whose first byte is on the given line. The
// pieces are read, never written.
func newMemLineReader(more func() []byte, name, file string, line int) *lineReader {
	return &lineReader{
		more:     more,
		name:     name,
		file:     file,
		line:     line,
		lineBase: line - 1,
		atStart:  true,
		slow:     true,
	}
}

// ReadByte returns the next byte of the file, tracking lines and entries.
func (lr *lineReader) ReadByte() (byte, error) {
	if lr.pos >= len(lr.buf) {
		if !lr.fill() {
			return 0, lr.err
		}
	}
	c := lr.buf[lr.pos]
	lr.pos++
	if lr.slow || special[c] {
		lr.scan(c)
		lr.slow = lr.atStart || lr.quote || lr.comment || lr.escape || lr.capturing
	}
	return c, nil
}

// special marks the bytes that change lineReader's state outside comments, quoted
// strings and escapes.
var special = [256]bool{'\n': true, ';': true, '(': true, ')': true, '"': true, '\\': true}

// fill reads more of the file into the buffer; it reports whether bytes are available.
//
// After the last byte of the file it serves "\n\n" once. miekg/dns parses an entry
// whose RR type is the last token of its input as an RFC 2136 update record with no
// RDATA; a master file entry always has RDATA (RFC 1035 section 5.1), and the closing
// empty line makes the parser say "unexpected newline" for such an entry instead.
func (lr *lineReader) fill() bool {
	for lr.more != nil && lr.err == nil {
		b := lr.more()
		if b == nil {
			lr.err = io.EOF
			break
		}
		if len(b) > 0 {
			lr.buf, lr.pos = b, 0
			return true
		}
	}
	for empty := 0; lr.err == nil; empty++ {
		if empty == 100 {
			lr.err = io.ErrNoProgress
			break
		}
		n, err := lr.r.Read(lr.buf[:cap(lr.buf)])
		lr.buf, lr.pos, lr.err = lr.buf[:n], 0, err
		if n > 0 {
			return true
		}
	}
	if lr.err == io.EOF && !lr.tail {
		lr.tail = true
		// a buffer of its own: an in-memory buf is the caller's file
		lr.buf, lr.pos = []byte("\n\n"), 0
		return true
	}
	return false
}

// scan advances the lexical state by one byte c.
func (lr *lineReader) scan(c byte) {
	if lr.capturing {
		lr.captureByte(c)
	}
	switch {
	case lr.comment:
		if c == '\n' {
			lr.comment = false
			lr.newline()
		}
		return
	case lr.escape:
		lr.escape = false
		if c != '\n' {
			return
		}
		// miekg/dns ends the escape at a newline and treats the newline as usual.
	case lr.quote:
		switch c {
		case '\\':
			lr.escape = true
		case '"':
			lr.quote = false
		case '\n':
			lr.line++ // a quoted string may span lines; the entry goes on
		}
		return
	}
	switch c {
	case '\n':
		lr.newline()
	case ' ', '\t', '\r':
	case ';':
		lr.comment = true
	case '(':
		lr.token(c)
		lr.depth++
	case ')':
		if lr.depth > 0 {
			lr.depth--
		}
	case '"':
		lr.token(c)
		lr.quote = true
	case '\\':
		lr.token(c)
		lr.escape = true
	default:
		lr.token(c)
	}
}

// newline ends a line; outside parentheses it also ends the entry.
func (lr *lineReader) newline() {
	lr.line++
	if lr.depth == 0 {
		lr.atStart = true
		if lr.capturing {
			lr.capturing = false
			lr.endDirective()
		}
	}
}

// token notes a byte that belongs to a token; the first of an entry marks its line.
func (lr *lineReader) token(c byte) {
	if !lr.atStart {
		return
	}
	lr.atStart = false
	lr.entryLine = lr.line
	lr.directive = lr.directive[:0]
	lr.capturing = c == '$'
	if lr.capturing {
		lr.directive = append(lr.directive, c)
	}
}

func (lr *lineReader) captureByte(c byte) {
	if len(lr.directive) >= maxDirective {
		lr.capturing = false
		return
	}
	if len(lr.directive) > 0 { // the "$" itself was stored by token
		lr.directive = append(lr.directive, c)
	}
}

// includeArgument returns the file argument of the $INCLUDE entry being read, as
// written, or "" when the current entry is not an $INCLUDE.
func (lr *lineReader) includeArgument() string {
	f := strings.Fields(string(lr.directive))
	if len(f) < 2 || !strings.EqualFold(f[0], "$INCLUDE") {
		return ""
	}
	return f[1]
}

// Read implements io.Reader (and so fs.File) from the same buffer.
func (lr *lineReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := lr.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = c
		n++
	}
	return n, nil
}

// Stat implements fs.File for a file opened through the include file system.
func (lr *lineReader) Stat() (fs.FileInfo, error) {
	if f, ok := lr.r.(fs.File); ok {
		return f.Stat()
	}
	return nil, &fs.PathError{Op: "stat", Path: lr.name, Err: fs.ErrInvalid}
}

// Close closes the underlying file and takes the reader off the include stack.
func (lr *lineReader) Close() error {
	if lr.pop != nil {
		lr.pop(lr)
		lr.pop = nil
	}
	if c, ok := lr.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
