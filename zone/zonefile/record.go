package zonefile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/miekg/dns"
)

// Record is one resource record read from a master file, with where it came from so
// that a semantic check can name the file and line that broke a rule.
type Record struct {
	RR   dns.RR
	File string // the path as shown to the operator
	Line int    // 1-based line in File
}

// Errorf returns the *Error of a problem with r, at r's file and line: rule names the
// rule broken and the message is formatted from format and args, as by fmt.Sprintf.
// A record read from no file (one received by zone transfer) is named in the
// error by its owner and type instead.
func (r Record) Errorf(rule, format string, args ...any) *Error {
	e := &Error{Rule: rule, Msg: fmt.Sprintf(format, args...)}
	r.Locate(e)
	return e
}

// Locate sets where e happened to r: its file and line, or when r was read from no
// file (a zone received by zone transfer) its owner and type.
func (r Record) Locate(e *Error) {
	e.File, e.Line = r.File, r.Line
	if r.File == "" && r.RR != nil {
		h := r.RR.Header()
		e.Record = h.Name + " " + dns.Type(h.Rrtype).String()
	}
}

// Source names a master file inside a file system. $INCLUDE is resolved inside FS,
// which confines it to the zone file's own folder when FS is os.DirFS of that folder.
type Source struct {
	FS   fs.FS  // where Name and any $INCLUDE targets are opened
	Name string // the file's name inside FS
	Path string // the path shown in errors (file:line)
}

// FileSource returns the Source for a master file on disk; $INCLUDE may reach only
// files in the same folder (or below it), and symbolic links may not lead out of it.
func FileSource(path string) Source {
	return Source{FS: confinedDir(filepath.Dir(path)), Name: filepath.Base(path), Path: path}
}

// confinedDir is a file system rooted at a folder that, unlike os.DirFS, also refuses
// symbolic links that lead outside the folder (os.OpenInRoot).
type confinedDir string

// Open opens name inside the folder.
func (d confinedDir) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return os.OpenInRoot(string(d), name)
}

// Error is a problem found in a zone file: a syntax error from the parser or a
// semantic rule broken. It prints as "file:line: message (rule)".
type Error struct {
	File string
	Line int
	// Record names the record, as "owner TYPE", when it came from no file: a zone
	// received by zone transfer. The error then prints as "owner TYPE: message (rule)",
	// or "message (rule)" for a problem of the whole zone.
	Record string
	Rule   string // short name of the rule broken, e.g. "cname-and-other-data"; "syntax" for parse errors
	Msg    string
}

func (e *Error) Error() string {
	if e.File == "" {
		if e.Record != "" {
			return fmt.Sprintf("%s: %s (%s)", e.Record, e.Msg, e.Rule)
		}
		return fmt.Sprintf("%s (%s)", e.Msg, e.Rule)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s (%s)", e.File, e.Line, e.Msg, e.Rule)
	}
	return fmt.Sprintf("%s: %s (%s)", e.File, e.Msg, e.Rule)
}
