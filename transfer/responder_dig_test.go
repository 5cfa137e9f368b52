package transfer

import (
	"context"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// runTool runs a client program with a bounded time and returns its output.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	path := testutil.Tool(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, args...).CombinedOutput()
	return string(out)
}

// recordsOf reads the records of a dig or kdig listing, skipping comments.
func recordsOf(t *testing.T, out string) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	for _, line := range strings.Split(out, "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == ';' {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil || rr == nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rrs = append(rrs, rr)
	}
	return rrs
}

// TestDigKdigAXFR: dig and kdig transfer the zone with a TSIG key (-y) and get
// it record for record; a key we do not know or a wrong secret gets none.
func TestDigKdigAXFR(t *testing.T) {
	z, rrs := compileZone(t, "example.", zoneText(1, 2000))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "key xfr-key")}, z)
	ap := netip.MustParseAddrPort(p.addr)
	host, port := ap.Addr().String(), strconv.Itoa(int(ap.Port()))
	good := "hmac-sha256:xfr-key:" + xfrKey.Secret
	want := append(rrs, rrs[0])
	for _, tool := range []string{"dig", "kdig"} {
		t.Run(tool, func(t *testing.T) {
			out := runTool(t, tool, "@"+host, "-p", port, "-y", good, "example.", "AXFR", "+noall", "+answer")
			sameSequence(t, recordsOf(t, out), want)
			for _, c := range []struct{ key, want string }{
				{"hmac-sha256:nokey:" + xfrKey.Secret, "BADKEY"},
				{"hmac-sha256:xfr-key:d3Jvbmcgc2VjcmV0", "BADSIG"},
			} {
				out := runTool(t, tool, "@"+host, "-p", port, "-y", c.key, "example.", "AXFR")
				if strings.Contains(out, "IN\tSOA") || !strings.Contains(strings.ToUpper(out), c.want) && !strings.Contains(out, "tsig verify failure") {
					t.Errorf("%s with %s:\n%s\nwant no records and %s or tsig verify failure", tool, c.want, out, c.want)
				}
			}
		})
	}
}
