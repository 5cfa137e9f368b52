package zone

import (
	"crypto/sha256"
	"io/fs"
	"time"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// fileStamp identifies a version of a master file.
type fileStamp struct {
	size    int64
	modTime time.Time
	sum     [sha256.Size]byte // only when the file system keeps no modification time
}

// stampOf returns the stamp of src's file: size and modification time, or a hash of the
// content when the modification time is zero (embed.FS).
func stampOf(src zonefile.Source) (fileStamp, error) {
	fi, err := fs.Stat(src.FS, src.Name)
	if err != nil {
		return fileStamp{}, err
	}
	st := fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	if st.modTime.IsZero() {
		b, err := fs.ReadFile(src.FS, src.Name)
		if err != nil {
			return fileStamp{}, err
		}
		st.sum = sha256.Sum256(b)
	}
	return st, nil
}
