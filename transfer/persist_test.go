package transfer

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "z")
	write := func(s string, fail bool) error {
		return writeAtomic(path, func(w io.Writer) error {
			io.WriteString(w, s)
			if fail {
				return errors.New("midway")
			}
			return nil
		})
	}
	if err := write("old\n", false); err != nil {
		t.Fatal(err)
	}
	if err := write("new and half", true); err == nil {
		t.Error("a failed write reported no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("after a failed write the file holds %q, want the old content", b)
	}
	if err := write("new\n", false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("the file holds %q, want the new content", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files %v, want only z", ents)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
}

func TestCopyPath(t *testing.T) {
	for _, c := range []struct{ file, origin, want string }{
		{"", "example.", "/s/example.zone"},
		{"", ".", "/s/%2Ezone"},
		{"", "a/b..c.", "/s/a%2Fb..c.zone"},
		{"", `x\032y.`, "/s/x%5C032y.zone"},
		{"/z/copy", "example.", "/z/copy"},
	} {
		if got := CopyPath("/s", c.file, c.origin); got != c.want {
			t.Errorf("CopyPath(%q, %q) = %q, want %q", c.file, c.origin, got, c.want)
		}
	}
}
