package transfer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// savedState is what a secondary zone's timers were at its last refresh, kept in
// a small JSON file beside the persisted copy, so that a restarted node knows
// whether the copy is still fresh (RFC 1034 section 4.3.5: the expire counts from
// the last successful refresh, not from the start of the process).
type savedState struct {
	Serial      uint32    `json:"serial"`       // of the copy the timers belong to
	LastRefresh time.Time `json:"last_refresh"` // the last successful refresh
	Expires     time.Time `json:"expires"`      // the expire deadline it set
	Refresh     seconds   `json:"refresh"`      // the intervals then in use
	Retry       seconds   `json:"retry"`
	Expire      seconds   `json:"expire"`
}

// seconds is a duration written in JSON as a whole number of seconds.
type seconds int64

func secondsOf(d time.Duration) seconds { return seconds(d / time.Second) }

// readState reads the state file at path.
func readState(path string) (savedState, error) {
	var s savedState
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// writeState replaces the state file at path atomically (writeAtomic).
func writeState(path string, s savedState) error {
	return writeAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	})
}

// CopyPath is where a zone's copy is persisted: file when configured, else
// stateDir/<origin>zone, the origin written so that it stays one file name inside
// stateDir whatever its labels hold (a catalog member's name comes from the
// network).
func CopyPath(stateDir, file, origin string) string {
	if file != "" {
		return file
	}
	return filepath.Join(stateDir, fileName(origin)+"zone")
}

// statePath is the state file beside the copy at copyPath.
func statePath(copyPath string) string { return copyPath + ".state" }

// fileName writes origin with only letters, digits, '-', '_' and '.' (but no
// leading '.', which would hide the file), every other byte as %XX.
func fileName(origin string) string {
	var b strings.Builder
	for i := 0; i < len(origin); i++ {
		c := origin[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_',
			c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
