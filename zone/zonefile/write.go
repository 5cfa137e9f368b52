package zonefile

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/miekg/dns"
)

// Write writes rrs to w as a master file (RFC 1035 section 5) that Read reads back
// as the same records: an $ORIGIN line, then one record per line in the text form
// of miekg/dns, owner names absolute, each with its TTL and class. A record type
// with no presentation format (NULL) is written in the generic form of RFC 3597
// section 5 (TYPEnnn \# length hex). It is how the copy of a zone received by
// transfer is kept; `anycastdns check` reads it like any zone file.
func Write(w io.Writer, origin string, rrs []dns.RR) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := fmt.Fprintf(bw, "$ORIGIN %s\n", dns.Fqdn(origin)); err != nil {
		return err
	}
	for i, rr := range rrs {
		if rr == nil {
			continue
		}
		if i%1024 == 1023 {
			// A node writes the copy of a transferred zone while it serves: let
			// the query path have the processor (Go preempts only after 10 ms).
			runtime.Gosched()
		}
		line, err := recordText(rr)
		if err != nil {
			return err
		}
		bw.WriteString(line)
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// recordText returns the one-line text form of rr.
func recordText(rr dns.RR) (string, error) {
	s := rr.String()
	if !strings.HasPrefix(s, ";") {
		return s, nil
	}
	// miekg/dns writes a type without a presentation format as a comment.
	var generic dns.RFC3597
	if err := generic.ToRFC3597(rr); err != nil {
		return "", fmt.Errorf("zone file write: %s %s: %w", rr.Header().Name, dns.Type(rr.Header().Rrtype), err)
	}
	return generic.String(), nil
}
