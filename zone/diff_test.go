package zone

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

const diffBase = `$ORIGIN example.
@    3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
@    3600 IN NS  ns
ns   3600 IN A   192.0.2.1
www   300 IN A   192.0.2.10
www   300 IN A   192.0.2.11
txt   300 IN TXT "Hello"
sec   300 IN NS  ns.example.
sec   300 IN DS  12345 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
`

// rrsOf parses zone-file lines (origin example.) into records.
func rrsOf(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	out := make([]dns.RR, 0, len(lines))
	for _, l := range lines {
		rr, err := dns.NewRR("$ORIGIN example.\n" + l)
		if err != nil || rr == nil {
			t.Fatalf("parse %q: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

// soaLine is the SOA of diffBase with another serial.
func soaLine(serial string) string {
	return "@ 3600 IN SOA ns hostmaster " + serial + " 7200 3600 1209600 300"
}

func TestApply(t *testing.T) {
	base := mustCompileText(t, "example.", diffBase)
	type delta struct{ removed, added []string }
	tests := []struct {
		name     string
		deltas   []delta
		want     string // the zone text the result must equal; "" when mismatch
		mismatch bool
	}{
		{name: "add and remove", deltas: []delta{{
			removed: []string{soaLine("1"), "www 300 IN A 192.0.2.10"},
			added:   []string{soaLine("2"), "www 300 IN A 192.0.2.12", "new 60 IN AAAA 2001:db8::1"},
		}}, want: strings.NewReplacer(" 1 7200", " 2 7200", "www   300 IN A   192.0.2.10", "www 300 IN A 192.0.2.12").Replace(diffBase) + "new 60 IN AAAA 2001:db8::1\n"},
		{name: "two deltas chained, case and TTL ignored in removals", deltas: []delta{
			{removed: []string{soaLine("1"), "WWW 60 IN A 192.0.2.10"}, added: []string{soaLine("2")}},
			{removed: []string{soaLine("2"), "www 300 IN A 192.0.2.11"}, added: []string{soaLine("3"), "www 300 IN A 192.0.2.13"}},
		}, want: strings.NewReplacer(" 1 7200", " 3 7200", "www   300 IN A   192.0.2.10\n", "", "192.0.2.11", "192.0.2.13").Replace(diffBase)},
		{name: "TTL change is remove and add", deltas: []delta{{
			removed: []string{soaLine("1"), "txt 300 IN TXT \"Hello\""},
			added:   []string{soaLine("2"), "txt 900 IN TXT \"Hello\""},
		}}, want: strings.NewReplacer(" 1 7200", " 2 7200", "txt   300", "txt 900").Replace(diffBase)},
		{name: "removed DS with its digest in another case", deltas: []delta{{
			removed: []string{soaLine("1"), "sec 300 IN DS 12345 13 2 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"},
			added:   []string{soaLine("2")},
		}}, want: strings.NewReplacer(" 1 7200", " 2 7200", "sec   300 IN DS  12345 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\n", "").Replace(diffBase)},
		{name: "serial wrap (RFC 1982)", deltas: []delta{
			{removed: []string{soaLine("1")}, added: []string{soaLine("4294967295")}},
			{removed: []string{soaLine("4294967295")}, added: []string{soaLine("5")}},
		}, want: strings.Replace(diffBase, " 1 7200", " 5 7200", 1)},
		{name: "no deltas", want: diffBase},
		{name: "removed record absent", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("1"), "www 300 IN A 192.0.2.99"}, added: []string{soaLine("2")},
		}}},
		{name: "removed TXT differs in case", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("1"), "txt 300 IN TXT \"hello\""}, added: []string{soaLine("2")},
		}}},
		{name: "added record present", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("1")}, added: []string{soaLine("2"), "ns 60 IN A 192.0.2.1"},
		}}},
		{name: "added twice", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("1")}, added: []string{soaLine("2"), "n IN A 192.0.2.7", "n IN A 192.0.2.7"},
		}}},
		{name: "old serial not ours", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("7")}, added: []string{soaLine("8")},
		}}},
		{name: "deltas do not chain", mismatch: true, deltas: []delta{
			{removed: []string{soaLine("1")}, added: []string{soaLine("2")}},
			{removed: []string{soaLine("3")}, added: []string{soaLine("4")}},
		}},
		{name: "delta without SOA", mismatch: true, deltas: []delta{{
			removed: []string{"www 300 IN A 192.0.2.10"}, added: []string{soaLine("2")},
		}}},
		{name: "a second SOA inside a delta", mismatch: true, deltas: []delta{{
			removed: []string{soaLine("1")}, added: []string{soaLine("2"), soaLine("3")},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diffs := make([]Diff, len(tc.deltas))
			for i, d := range tc.deltas {
				diffs[i] = Diff{Removed: rrsOf(t, d.removed...), Added: rrsOf(t, d.added...)}
			}
			got, res, err := Apply(base, diffs, DNSSECOptions{})
			if tc.mismatch {
				if !errors.Is(err, ErrDiffMismatch) || !errors.Is(res.Err, ErrDiffMismatch) {
					t.Fatalf("Apply: %v, want ErrDiffMismatch", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := mustCompileText(t, "example.", tc.want)
			if g, w := recordLines(got.Records()), recordLines(want.Records()); !slices.Equal(g, w) {
				t.Errorf("Apply:\ngot  %q\nwant %q", g, w)
			}
			if res.Serial != want.Serial() || res.Records != want.RecordCount() {
				t.Errorf("result serial %d records %d, want %d, %d", res.Serial, res.Records, want.Serial(), want.RecordCount())
			}
		})
	}
	if got := recordLines(base.Records()); !slices.Equal(got, recordLines(mustCompileText(t, "example.", diffBase).Records())) {
		t.Errorf("Apply modified the zone it applied to: %q", got)
	}
}

// TestApplyChecksAsBuild: a delta that breaks a rule gives Build's error, not a mismatch.
func TestApplyChecksAsBuild(t *testing.T) {
	base := mustCompileText(t, "example.", diffBase)
	_, _, err := Apply(base, []Diff{{Removed: rrsOf(t, soaLine("1")), Added: rrsOf(t, soaLine("2"), "www 300 IN CNAME ns")}}, DNSSECOptions{})
	if err == nil || errors.Is(err, ErrDiffMismatch) || !strings.Contains(err.Error(), "(cname-and-other-data)") {
		t.Errorf("Apply of a CNAME beside A: %v, want cname-and-other-data", err)
	}
}

func TestDiffOf(t *testing.T) {
	old := mustCompileText(t, "example.", diffBase)
	newText := strings.NewReplacer(" 1 7200", " 2 7200", "www   300 IN A   192.0.2.10\n", "", "txt   300", "TXT 600").Replace(diffBase) +
		"a.b.c 300 IN A 192.0.2.50\n"
	nz := mustCompileText(t, "example.", newText)
	d := DiffOf(old, nz)
	got := [2][]string{recordLines(d.Removed), recordLines(d.Added)}
	want := [2][]string{
		{"example.\t3600\tIN\tSOA\tns.example. hostmaster.example. 1 7200 3600 1209600 300",
			"txt.example.\t300\tIN\tTXT\t\"Hello\"",
			"www.example.\t300\tIN\tA\t192.0.2.10"},
		{"example.\t3600\tIN\tSOA\tns.example. hostmaster.example. 2 7200 3600 1209600 300",
			"a.b.c.example.\t300\tIN\tA\t192.0.2.50",
			"TXT.example.\t600\tIN\tTXT\t\"Hello\""},
	}
	if !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("DiffOf:\ngot  %q\nwant %q", got, want)
	}
	if d := DiffOf(old, old); len(d.Removed) != 1 || len(d.Added) != 1 {
		t.Errorf("DiffOf a version and itself: %v, want the SOAs alone", d)
	}
}

// TestDiffOfThenApply: the delta DiffOf gives, applied to the old version, makes the
// new one exactly, for real zones changed in several ways.
func TestDiffOfThenApply(t *testing.T) {
	zones := map[string]*Zone{"signed": mustCompileText(t, "signed.example.", signedZone)}
	for _, sz := range zonetest.SharedZones(t) {
		if sz.File == "root.zone" || strings.HasSuffix(sz.File, "nsec3_example.zone.nsec3") {
			zones[sz.File] = loadShared(t, sz.Origin, sz.File)
		}
	}
	for name, old := range zones {
		t.Run(name, func(t *testing.T) {
			rrs := old.Records()
			soa := dns.Copy(rrs[0]).(*dns.SOA)
			soa.Serial++
			next := []dns.RR{soa}
			for i, rr := range rrs[1:] {
				switch i % 7 {
				case 0: // removed
				case 1: // TTL changed: the RRset's TTL changes with it
					c := dns.Copy(rr)
					c.Header().Ttl++
					next = append(next, c)
				default:
					next = append(next, rr)
				}
			}
			extra, _ := dns.NewRR(dns.Fqdn(strings.TrimSuffix("added-by-diff."+old.Origin(), ".")) + " 300 IN TXT \"new\"")
			next = append(next, extra)
			nz, _, err := Build(old.Origin(), next, DNSSECOptions{})
			if err != nil {
				t.Fatalf("Build of the changed zone: %v", err)
			}
			got, _, err := Apply(old, []Diff{DiffOf(old, nz)}, DNSSECOptions{})
			if err != nil {
				t.Fatalf("Apply(DiffOf): %v", err)
			}
			if g, w := recordLines(got.Records()), recordLines(nz.Records()); !slices.Equal(g, w) {
				t.Errorf("Apply(DiffOf) has %d records, the new version %d, or they differ", len(g), len(w))
			}
		})
	}
}

// TestDiffOfApplied checks DiffOf on a version made by Apply, which shares every
// name the change left alone with the version it came from: the delta found is the
// one applied, no more, in the order of Records; and a version rebuilt with its
// owner names and RDATA names in upper case differs from the original by nothing
// but its SOA (RFC 4343).
func TestDiffOfApplied(t *testing.T) {
	old, err := Load(textSource(zonetest.DelegationZone(3004)), "example.")
	if err != nil {
		t.Fatal(err)
	}
	soa1, soa2 := dns.Copy(old.SOA()).(*dns.SOA), dns.Copy(old.SOA()).(*dns.SOA)
	soa2.Serial++
	applied := Diff{
		Removed: []dns.RR{soa1, rr(t, "ns.d7.example. 3600 IN A 10.0.0.7"), rr(t, "d9.example. 3600 IN NS ns.d9.example.")},
		Added: []dns.RR{soa2, rr(t, "d0a.example. 300 IN NS ns.d0a.example."),
			rr(t, "ns.d7.example. 3600 IN A 10.0.0.77"), rr(t, "d9.example. 60 IN NS ns.d9.example.")},
	}
	nz, _, err := Apply(old, []Diff{applied}, DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := DiffOf(old, nz)
	got := [2][]string{recordLines(d.Removed), recordLines(d.Added)}
	want := [2][]string{
		{soa1.String(), "ns.d7.example.\t3600\tIN\tA\t10.0.0.7", "d9.example.\t3600\tIN\tNS\tns.d9.example."},
		{soa2.String(), "d0a.example.\t300\tIN\tNS\tns.d0a.example.", "ns.d7.example.\t3600\tIN\tA\t10.0.0.77",
			"d9.example.\t60\tIN\tNS\tns.d9.example."},
	}
	// recordLines sorts nothing: the order is that of Records (canonical).
	slices.SortFunc(want[0][1:], func(a, b string) int { return canonicalLineOrder(a, b) })
	slices.SortFunc(want[1][1:], func(a, b string) int { return canonicalLineOrder(a, b) })
	if !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("DiffOf(old, Apply(old, d)):\ngot  %q\nwant %q", got, want)
	}

	upper := []dns.RR{soa2}
	for _, r := range old.Records()[1:] {
		if r.Header().Rrtype == dns.TypeTXT {
			upper = append(upper, r) // the case of a text is data
			continue
		}
		c, err := dns.NewRR(strings.ToUpper(r.String()))
		if err != nil {
			t.Fatal(err)
		}
		upper = append(upper, c)
	}
	uz, _, err := Build("example.", upper, DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffOf(old, uz); len(d.Removed) != 1 || len(d.Added) != 1 {
		t.Errorf("DiffOf a version and its upper-case copy: %d removed, %d added, want the SOAs alone", len(d.Removed), len(d.Added))
	}
}

// canonicalLineOrder compares two record lines by their owners' places in the
// canonical order (RFC 4034 section 6.1).
func canonicalLineOrder(a, b string) int {
	buf := make([]byte, maxNameWire+1)
	ka := appendCanonicalKey(nil, strings.ToLower(strings.Fields(a)[0]), buf)
	kb := appendCanonicalKey(nil, strings.ToLower(strings.Fields(b)[0]), buf)
	return bytes.Compare(ka, kb)
}
