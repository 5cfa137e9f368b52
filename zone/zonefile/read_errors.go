package zonefile

import (
	"errors"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// parseError turns an error of miekg/dns's ZoneParser into an *Error with the display
// path of the file it happened in and its line.
//
// *dns.ParseError keeps its file, line and message unexported; its text is
// "FILE: dns: MESSAGE: "TOKEN" at line: LINE:COLUMN", where FILE is the name the file
// was opened by in the include file system. Those names are known (ifs.files), so the
// text is taken apart from both ends.
//
// An error in a record of a $GENERATE comes from a parser reading the generated text,
// whose line numbers count the generated records; it gets the line of the $GENERATE.
func (ifs *includeFS) parseError(err error) *Error {
	msg := err.Error()
	e := &Error{File: ifs.src.Path, Rule: "syntax"}

	var ie *includeError
	var pe *dns.ParseError
	switch {
	case errors.As(err, &ie):
		e.Rule = "include"
	case !errors.As(err, &pe):
		e.Rule = "read" // an I/O error of the file, not of its text
	}

	// the file: the longest known name that prefixes the message
	var in *lineReader
	for name, lr := range ifs.files {
		if (in == nil || len(name) > len(in.name)) && strings.HasPrefix(msg, name+": ") {
			in = lr
		}
	}
	if in != nil {
		msg = msg[len(in.name)+2:]
	} else {
		in = ifs.current() // an I/O error of the lexer carries no file
	}
	if in != nil {
		e.File = in.file
	}
	msg = strings.TrimPrefix(msg, "dns: ")

	// the line, from " at line: LINE:COLUMN"; the column is that of the token's last
	// byte, which would mislead, so it is left out.
	if i := strings.LastIndex(msg, " at line: "); i >= 0 {
		pos := msg[i+len(" at line: "):]
		if j := strings.IndexByte(pos, ':'); j >= 0 {
			if n, err := strconv.Atoi(pos[:j]); err == nil {
				e.Line = n
				msg = msg[:i]
			}
		}
	}
	if in != nil {
		if _, gen := in.generateRest(); gen {
			e.Line = in.entryLine
		}
	}
	if ie != nil {
		msg = "$INCLUDE: " + ie.msg
	}
	e.Msg = msg
	return e
}
