package zone

import (
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestLookupChainCap checks that a CNAME chain longer than maxChain stops there.
func TestLookupChainCap(t *testing.T) {
	var zb strings.Builder
	zb.WriteString("$ORIGIN example.\n@ 3600 IN SOA ns host 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n")
	for i := 0; i < 2*maxChain; i++ {
		zb.WriteString("c" + strconv.Itoa(i) + " CNAME c" + strconv.Itoa(i+1) + "\n")
	}
	zb.WriteString("c" + strconv.Itoa(2*maxChain) + " A 192.0.2.2\n")
	z := mustCompileText(t, "example.", zb.String())
	var a Answer
	tests := []struct {
		start   int
		records int // CNAMEs plus the final A, when the chain is short enough
		kind    AnswerKind
	}{
		{0, maxChain, Success},            // capped: the CNAMEs only
		{maxChain, maxChain + 1, Success}, // exactly maxChain CNAMEs, then the A
		{maxChain + 1, maxChain, Success}, // maxChain-1 CNAMEs and the A
	}
	for _, tc := range tests {
		qname := "c" + strconv.Itoa(tc.start) + ".example."
		z.Lookup(qname, dns.TypeA, &a)
		if a.Kind != tc.kind || len(a.Answer) != tc.records {
			t.Errorf("%s: got %s with %d records, want %s with %d", qname, kindName(a.Kind), len(a.Answer),
				kindName(tc.kind), tc.records)
		}
	}
}
