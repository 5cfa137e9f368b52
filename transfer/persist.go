package transfer

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// writeAtomic replaces the file at path with what write writes, so that a crash
// at any moment leaves either the old file or the new one, never a part: the data
// goes to a temporary file in the same folder, which is synced, renamed over path
// (rename is atomic within a file system) and the folder synced, so that the
// rename itself survives a power cut. A write that fails leaves the old file.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	// The folder (transfer.state-dir) is made when missing, as NSD and Knot make
	// theirs.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	if err = write(w); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the entries of folder dir (a rename, a removal) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeFiles removes the files at paths, a missing one being no error, then
// syncs their folder.
func removeFiles(paths ...string) error {
	var first error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
	}
	if len(paths) > 0 {
		if err := syncDir(filepath.Dir(paths[0])); err != nil && first == nil {
			first = err
		}
	}
	return first
}
