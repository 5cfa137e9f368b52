package transfer

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil/peers"
)

// The client against real primaries: Knot and BIND (AXFR and IXFR from their
// journals), NSD (AXFR only: it answers IXFR with the whole zone), each with and
// without TSIG.

// peerStarter starts a real primary of zones, requiring opts.Key when set.
type peerStarter func(t testing.TB, opts peers.Options, zones ...peers.Zone) *peers.Peer

func TestClientKnot(t *testing.T) { testClientPeer(t, peers.StartKnot, true) }
func TestClientBIND(t *testing.T) { testClientPeer(t, peers.StartBIND, true) }
func TestClientNSD(t *testing.T)  { testClientPeer(t, peers.StartNSD, false) }

// peerTestZone is the zone example. at serial with n address and text records;
// changed removes the first ten names, renumbers the eleventh and adds five.
func peerTestZone(serial uint32, n int, changed bool) peers.Zone {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN example.\n$TTL 300\n@ SOA ns admin %d 3600 600 86400 300\n@ NS ns\nns A 192.0.2.53\n", serial)
	for i := range n {
		switch {
		case changed && i < 10:
			continue
		case changed && i == 10:
			fmt.Fprintf(&b, "h%d A 198.51.100.%d\n", i, i%250+1)
		default:
			fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
		}
		fmt.Fprintf(&b, "h%d TXT \"record number %d of the test zone\"\n", i, i)
	}
	if changed {
		for i := range 5 {
			fmt.Fprintf(&b, "new%d AAAA 2001:db8::%x\n", i, i+1)
		}
	}
	return peers.Zone{Origin: "example.", Text: b.String()}
}

// recordSet returns rrs as canonical text, sorted.
func recordSet(t *testing.T, rrs []dns.RR) []string {
	t.Helper()
	var s []string
	for _, r := range rrs {
		r = dns.Copy(r)
		r.Header().Name = dns.CanonicalName(r.Header().Name)
		s = append(s, strings.ToLower(r.String()))
	}
	sort.Strings(s)
	return s
}

// zoneRecords parses the master file text of z.
func zoneRecords(t *testing.T, z peers.Zone) []dns.RR {
	t.Helper()
	var rrs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(z.Text), z.Origin, "")
	for r, ok := zp.Next(); ok; r, ok = zp.Next() {
		rrs = append(rrs, r)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return rrs
}

// sameRecords fails the test unless got and want hold the same records.
func sameRecords(t *testing.T, what string, got, want []dns.RR) {
	t.Helper()
	g, w := recordSet(t, got), recordSet(t, want)
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return
	}
	for i := 0; i < len(g) || i < len(w); i++ {
		var gi, wi string
		if i < len(g) {
			gi = g[i]
		}
		if i < len(w) {
			wi = w[i]
		}
		if gi != wi {
			t.Fatalf("%s: %d records, want %d; first difference at %d: got %q, want %q", what, len(g), len(w), i, gi, wi)
		}
	}
}

// applyDiffs applies the deltas to the records of a version, as a test oracle.
func applyDiffs(t *testing.T, rrs []dns.RR, diffs []diff) []dns.RR {
	t.Helper()
	have := map[string]dns.RR{}
	for _, s := range recordSet(t, rrs) {
		have[s] = nil
	}
	for _, d := range diffs {
		for i, s := range recordSet(t, d.Removed) {
			if _, ok := have[s]; !ok {
				t.Fatalf("delta removes %q (record %d), which is not there", s, i)
			}
			delete(have, s)
		}
		for _, s := range recordSet(t, d.Added) {
			have[s] = nil
		}
	}
	var out []dns.RR
	for s := range have {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func testClientPeer(t *testing.T, start peerStarter, ixfr bool) {
	key := testKey(t, "xfr-key")
	v1 := peerTestZone(2024010101, 3000, false)
	p := start(t, peers.Options{Key: peerKey(key)}, v1)
	wrongName, _ := NewKey("wrong-key", "", key.Secret)
	wrongSecret, _ := NewKey("xfr-key", "", base64.StdEncoding.EncodeToString([]byte("not the secret")))
	good, _ := NewKeyring(key, wrongName)
	bad, _ := NewKeyring(wrongSecret)
	c := &Client{Keys: good, Timeout: 10 * time.Second}
	ctx := context.Background()
	remote := Remote{Addr: p.Addr, Key: key.Name}

	soa, err := c.QuerySOA(ctx, remote, "example.")
	if err != nil {
		t.Fatalf("QuerySOA: %v", err)
	}
	if soa.SOA.Serial != 2024010101 {
		t.Errorf("SOA serial %d, want 2024010101", soa.SOA.Serial)
	}
	got, err := c.AXFR(ctx, remote, "example.")
	if err != nil {
		t.Fatalf("AXFR: %v", err)
	}
	sameRecords(t, "AXFR", got.Full, zoneRecords(t, v1))
	if got.Messages < 2 {
		t.Errorf("AXFR in %d messages, want many", got.Messages)
	}
	t.Logf("%s: AXFR of %d records in %d messages, %d bytes", p.Name, len(got.Full), got.Messages, got.Bytes)

	t.Run("TSIG errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, want string
			keys       *Keyring
			key        string
		}{
			{"wrong key name", "BADKEY", good, wrongName.Name},
			{"wrong secret", "BADSIG", bad, wrongSecret.Name},
		} {
			bc := &Client{Keys: tc.keys, Timeout: 5 * time.Second}
			r := Remote{Addr: p.Addr, Key: tc.key}
			_, err := bc.AXFR(ctx, r, "example.")
			if _, ok := asError[*TSIGError](err); !ok || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AXFR with %s: err = %v, want a TSIGError with %s", tc.name, err, tc.want)
			}
			_, err = bc.QuerySOA(ctx, r, "example.")
			if _, ok := asError[*TSIGError](err); !ok || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("QuerySOA with %s: err = %v, want a TSIGError with %s", tc.name, err, tc.want)
			}
		}
		_, err := c.AXFR(ctx, Remote{Addr: p.Addr}, "example.")
		if e, ok := asError[*RcodeError](err); !ok || (e.Rcode != dns.RcodeRefused && e.Rcode != dns.RcodeNotAuth) {
			t.Errorf("AXFR without the key: err = %v, want an RcodeError REFUSED or NOTAUTH", err)
		}
	})

	v1soa := got.SOA
	up, err := c.IXFR(ctx, remote, "example.", v1soa)
	if err != nil {
		t.Fatalf("IXFR at the primary's serial: %v", err)
	}
	if !up.UpToDate || up.SOA.Serial != v1soa.Serial {
		t.Errorf("IXFR at the primary's serial: up to date %v, SOA %v; want up to date", up.UpToDate, up.SOA)
	}

	v2 := peerTestZone(2024010102, 3000, true)
	p.SetZone(t, v2)
	inc, err := c.IXFR(ctx, remote, "example.", v1soa)
	if err != nil {
		t.Fatalf("IXFR after a change: %v", err)
	}
	if inc.SOA.Serial != 2024010102 {
		t.Errorf("IXFR SOA serial %d, want 2024010102", inc.SOA.Serial)
	}
	if !ixfr {
		// NSD answers IXFR with the whole zone, AXFR-style (RFC 1995 section 4).
		if inc.Full == nil {
			t.Fatalf("%s answered IXFR with %d deltas, want the whole zone", p.Name, len(inc.Diffs))
		}
		sameRecords(t, "IXFR answered AXFR-style", inc.Full, zoneRecords(t, v2))
		return
	}
	if len(inc.Diffs) != 1 || inc.Full != nil {
		t.Fatalf("IXFR: %d deltas, %d records; want one delta", len(inc.Diffs), len(inc.Full))
	}
	d := inc.Diffs[0]
	if len(d.Removed) != 1+20+1 || len(d.Added) != 1+1+5 {
		t.Errorf("delta removes %d and adds %d records, want 22 and 7", len(d.Removed), len(d.Added))
	}
	sameRecords(t, "v1 with the IXFR deltas", applyDiffs(t, zoneRecords(t, v1), inc.Diffs), zoneRecords(t, v2))
}

// peerKey is key as the real peers spell it.
func peerKey(key Key) *peers.Key {
	return &peers.Key{Name: key.Name, Algorithm: strings.TrimSuffix(key.Algorithm, "."), Secret: key.Secret}
}
