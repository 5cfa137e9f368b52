package zonefile

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
)

// A large master file is parsed in parts, side by side: the file is read into memory,
// cut at the start of an entry near each 1/ways of its length, and each part is parsed
// by a ZoneParser of its own; the records are then joined in file order and their
// duplicates dropped as if one parser had read the whole file (read.go, mergeParts).
//
// A part must look to its parser exactly as it would to a parser that had read the
// file from its start. That parser's state between two entries is: the lexer's (none
// between entries outside parentheses), the origin, the default TTL, and the owner of
// the previous record, which an entry that starts with a blank inherits (RFC 1035
// section 5.1). So a part begins at a line that starts an entry with an owner name in
// column 0, outside parentheses, quoted strings and comments, and its parser first
// reads every $ORIGIN and $TTL entry of the file before the cut, as written and in
// order. Without a $TTL, a record that states no TTL takes the last TTL stated by a
// record (RFC 1035 section 5.1; miekg/dns does the same), so the first record of the
// part must then state its TTL. The walk that finds the cut uses lineReader's own
// lexical state machine (scan), the one that numbers the lines of the records.
//
// A $INCLUDE or $GENERATE (or any other "$" entry) before a cut ends the search for
// cuts: the part it is in is parsed from there on by its own parser, which handles it.
// When a parse error stops a part, the parts after it are dropped, as a parser reading
// the whole file would have stopped there.

// minSplitSize is the smallest master file Read parses in parts: below it, reading
// the whole file into memory and starting parsers costs more than it saves.
const minSplitSize = 256 << 10

// minPartSize is the smallest part Read cuts a file into when it has many processors.
const minPartSize = 64 << 10

var newline = []byte{'\n'}

// split is where one part of a master file begins.
type split struct {
	start  int    // offset of the part's first byte in the file
	line   int    // the line of that byte
	header []byte // the $ORIGIN and $TTL entries before start, as written and in order
}

// parseSplit parses data, the whole master file of src, in at most ways parts at once.
//
// The first part is parsed from the start while another goroutine walks the file to
// find the cuts, starting a parser for each part as its cut is found. A part's parser
// reads freely up to the target of the next cut, which the cut cannot precede, and
// waits for the cut only there, which in practice is long after the walk ended.
//
// When fast is set, each part is first given to the fast parser (read_fast.go), which
// reads the same text from the same pieces of data and waits for the part's end at the
// same place; if it declines the part, the ZoneParser reads it from its start.
func parseSplit(src Source, origin string, data []byte, ways int, h *hasher, fast bool) []parsed {
	parts := make([]parsed, ways)
	ends := make([]cutFuture, ways) // ends[k] is where part k ends
	for k := range ends {
		ends[k].done = make(chan struct{})
	}
	target := func(k int) int { return int(int64(len(data)) * int64(k) / int64(ways)) }
	// pieces returns the pieces of part k: its header, its body up to the next
	// target, and the rest of its body once its end is known.
	pieces := func(k int, s split) func() []byte {
		safe := max(s.start, target(k+1))
		step := 0
		return func() []byte {
			step++
			switch step {
			case 1:
				if s.header == nil {
					return data[:0] // empty, not the end
				}
				return s.header
			case 2:
				return data[s.start:safe]
			case 3:
				return data[safe:max(safe, ends[k].wait())]
			}
			return nil
		}
	}
	// parse parses part k, which begins at s, into room for about hint records.
	parse := func(k int, s split, hint int, h *hasher) parsed {
		out := newParsed(hint)
		if fast {
			safe := max(s.start, target(k+1))
			end := func() int { return max(safe, ends[k].wait()) - s.start }
			fp := newFastParser(src.Path, origin, out, h)
			if fp.part(s.header, data[s.start:], s.line, safe-s.start, end) {
				return fp.out
			}
			out = fp.out.reset()
		}
		lr := newMemLineReader(pieces(k, s), src.Name, src.Path, s.line-bytes.Count(s.header, newline))
		return parsePart(src, origin, lr, out, h)
	}
	found := 1 // parts, set before the walk's goroutine ends
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		walkCuts(data, ways, func(s split) {
			k := found
			found++
			ends[k-1].set(s.start)
			wg.Add(1)
			go func() {
				defer wg.Done()
				hint := bytes.Count(data[s.start:max(s.start, target(k+1))], newline) + 1
				parts[k] = parse(k, s, hint, newHasher(h.seed))
			}()
		})
		ends[found-1].set(len(data))
	}()
	// The first part's record list is sized for the whole file, one record per line
	// (recordHint would double that for the root zone): mergeParts appends the
	// records of the others to it.
	parts[0] = parse(0, split{line: 1}, bytes.Count(data, newline)+1, h)
	wg.Wait()
	return parts[:found]
}

// cutFuture is an offset known later: where a part ends.
type cutFuture struct {
	done chan struct{}
	off  int
}

func (f *cutFuture) set(off int) {
	f.off = off
	close(f.done)
}

func (f *cutFuture) wait() int {
	<-f.done
	return f.off
}

// splitPoints returns where the parts of data begin when it is cut into at most ways
// parts: at its start, then at each cut walkCuts finds.
func splitPoints(data []byte, ways int) []split {
	out := []split{{start: 0, line: 1}}
	walkCuts(data, ways, func(s split) { out = append(out, s) })
	return out
}

// walkCuts calls cut, in file order, for each k = 1 … ways-1 with the first line at
// or after k/ways of data where a part may begin, until no line qualifies.
func walkCuts(data []byte, ways int, cut func(split)) {
	w := lineReader{line: 1, atStart: true, slow: true} // only its lexical state is used
	var header []byte
	ttlSet := false // a $TTL precedes pos
	entry := -1     // offset of the first byte of the current entry
	pos, last := 0, 0
	for k := 1; k < ways; k++ {
		target := int(int64(len(data)) * int64(k) / int64(ways))
		for pos < len(data) {
			if pos >= target && pos > last && data[pos-1] == '\n' &&
				w.atStart && w.depth == 0 && !w.quote && !w.comment && !w.escape &&
				mayBeginPart(data[pos:], ttlSet) {
				break
			}
			c := data[pos]
			pos++
			if !w.slow && !special[c] {
				// inside an entry, up to the next byte that may change the state
				for pos < len(data) && !special[data[pos]] {
					pos++
				}
				continue
			}
			was := w.atStart
			w.scan(c)
			w.slow = w.atStart || w.quote || w.comment || w.escape || w.capturing
			switch {
			case was && !w.atStart:
				entry = pos - 1
			case !was && w.atStart && entry >= 0 && data[entry] == '$':
				// a "$" entry ended with this newline
				if entry > 0 && data[entry-1] != '\n' {
					return // not in column 0: leave it to a single parser
				}
				text := data[entry:pos]
				switch directiveName(text) {
				case "$ORIGIN":
				case "$TTL":
					ttlSet = true
				default: // $INCLUDE, $GENERATE, or what the parser will reject
					return
				}
				header = append(header, text...)
			}
		}
		if pos >= len(data) {
			return
		}
		last = pos
		cut(split{start: pos, line: w.line, header: slices.Clip(header)})
	}
}

// directiveName returns the first word of a "$" entry, in upper case.
func directiveName(text []byte) string {
	end := bytes.IndexAny(text, " \t\r\n;(")
	if end < 0 {
		end = len(text)
	}
	return strings.ToUpper(string(text[:end]))
}

// mayBeginPart reports whether a part may begin with line, the rest of the file from
// the start of a line outside any entry: the line must start an entry with an owner
// name in column 0, and state a TTL unless a $TTL is in force (ttlSet). A line that
// only might qualify (escapes, quotes or parentheses among its first tokens) does not.
func mayBeginPart(line []byte, ttlSet bool) bool {
	switch line[0] {
	case ' ', '\t', '\r', '\n', ';', '$', '(', ')', '"', '\\':
		return false
	}
	if ttlSet {
		return true
	}
	var f [3]string // owner, then TTL and class in either order, or class, or type
	i := 0
	for n := range f {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for ; j < len(line); j++ {
			c := line[j]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			if c == ';' || c == '(' || c == ')' || c == '"' || c == '\\' {
				return false
			}
		}
		if j == i {
			return false
		}
		f[n] = string(line[i:j])
		i = j
	}
	return startsWithDigit(f[1]) || isClass(f[1]) && startsWithDigit(f[2])
}

// readAll reads the rest of r, a file of about size bytes.
func readAll(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, 0, size+1) // one more: EOF is seen without growing
	for empty := 0; ; {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		switch {
		case err == io.EOF:
			return data, nil
		case err != nil:
			return nil, err
		case n == 0:
			if empty++; empty == 100 {
				return nil, io.ErrNoProgress
			}
		}
	}
}

// parseErrorAt is parseError for the parser of a part that top reads: miekg/dns
// numbers the lines of a part from the first of its header, so a line it names in the
// part's file itself is moved by top.lineBase. Lines in an $INCLUDE'd file, and the
// line of a $GENERATE, are already right.
func (ifs *includeFS) parseErrorAt(err error, top *lineReader) *Error {
	e := ifs.parseError(err)
	if top.lineBase == 0 || e.Line == 0 {
		return e
	}
	// the file the error is in, as parseError finds it
	msg := err.Error()
	var in *lineReader
	for name, lr := range ifs.files {
		if (in == nil || len(name) > len(in.name)) && strings.HasPrefix(msg, name+": ") {
			in = lr
		}
	}
	if in != top {
		return e
	}
	if _, gen := top.generateRest(); !gen {
		e.Line += top.lineBase
	}
	return e
}
