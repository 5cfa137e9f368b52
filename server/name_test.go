package server

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzDecodeName checks decodeName against miekg/dns's UnpackDomainName, which
// the compiled zone's names come from: the same name, offset and errors.
func FuzzDecodeName(f *testing.F) {
	f.Add([]byte("\x03www\x07example\x00"), 0)
	f.Add([]byte("\x03a.b\x02\x00\xff\x00"), 0)
	f.Add([]byte("\x01a\xc0\x00"), 2)
	f.Add([]byte("\x00"), 0)
	f.Add([]byte("\x01@\x01(\x01\"\x01\\\x00"), 0)
	var buf [maxNamePresentation]byte
	f.Fuzz(func(t *testing.T, msg []byte, off int) {
		if off < 0 || off > len(msg) {
			return
		}
		want, wantNext, wantErr := dns.UnpackDomainName(msg, off)
		got, next, _, err := decodeName(msg, off, buf[:0])
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("got error %v, want %v", err, wantErr)
		}
		if err != nil {
			return
		}
		if string(got) != want || next != wantNext {
			t.Fatalf("got %q next %d, want %q next %d", got, next, want, wantNext)
		}
	})
}
