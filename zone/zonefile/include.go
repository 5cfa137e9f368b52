package zonefile

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// includeFS is the file system miekg/dns opens $INCLUDE targets in (RFC 1035 section
// 5.1). It confines them to the Source's file system, refuses absolute paths, wraps
// every file in a lineReader so that its records get file and line, and keeps the stack
// of files being read so the reader knows which file the parser's last record came from.
type includeFS struct {
	src   Source
	stack []*lineReader
	files map[string]*lineReader // name inside src.FS -> its reader, for every file opened
}

// includeError is why an $INCLUDE was refused; Read reports it with rule "include".
type includeError struct{ msg string }

func (e *includeError) Error() string { return e.msg }

func newIncludeFS(src Source) *includeFS {
	return &includeFS{src: src, files: make(map[string]*lineReader)}
}

// push makes lr the file being read.
func (ifs *includeFS) push(lr *lineReader) {
	lr.pop = ifs.pop
	ifs.stack = append(ifs.stack, lr)
	ifs.files[lr.name] = lr
}

// pop removes lr (and anything opened after it) from the stack when it is closed.
func (ifs *includeFS) pop(lr *lineReader) {
	for i := len(ifs.stack) - 1; i >= 0; i-- {
		if ifs.stack[i] == lr {
			ifs.stack = ifs.stack[:i]
			return
		}
	}
}

// current returns the file being read.
func (ifs *includeFS) current() *lineReader {
	if len(ifs.stack) == 0 {
		return nil
	}
	return ifs.stack[len(ifs.stack)-1]
}

// Open opens an $INCLUDE target. miekg/dns has already joined a relative argument to
// the including file's folder and stripped the leading "/" of an absolute one, so the
// argument is read back from the including entry to refuse absolute paths: inside a
// confined file system "/etc/passwd" would otherwise quietly mean "etc/passwd".
func (ifs *includeFS) Open(name string) (fs.File, error) {
	if cur := ifs.current(); cur != nil {
		if arg := cur.includeArgument(); strings.HasPrefix(arg, "/") {
			return nil, &includeError{fmt.Sprintf("absolute path %q refused: $INCLUDE takes a path relative to the zone file's folder", arg)}
		}
	}
	if !fs.ValidPath(name) {
		return nil, &includeError{fmt.Sprintf("path %q leaves the zone file's folder: $INCLUDE is confined to it", name)}
	}
	f, err := ifs.src.FS.Open(name)
	if err != nil {
		return nil, &includeError{err.Error()}
	}
	lr := newLineReader(f, name, ifs.display(name))
	if cur := ifs.current(); cur != nil {
		lr.ttl, lr.ttlSet = cur.ttl, cur.ttlSet // the includer's $TTL holds until the file sets its own
	}
	ifs.push(lr)
	return lr, nil
}

// display returns the path shown for the included file name: its path relative to the
// folder of the zone file, joined to the folder of src.Path.
func (ifs *includeFS) display(name string) string {
	rel := name
	if dir := path.Dir(ifs.src.Name); dir != "." {
		if r, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(name)); err == nil {
			rel = r
		}
	}
	if ifs.src.Path == "" {
		return filepath.FromSlash(rel)
	}
	return filepath.Join(filepath.Dir(ifs.src.Path), filepath.FromSlash(rel))
}
