package zone

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// dnssecTool is a DNSSEC zone verifier that CheckDNSSEC is compared with: its
// command line for a zone file, an origin and a check time.
type dnssecTool struct {
	name string
	args func(file, origin string, at time.Time) []string
	// now: the tool has no time option, so it is compared only where the check
	// time is the present (dnssec-verify 9.18).
	now bool
}

var dnssecTools = []dnssecTool{
	{name: "kzonecheck", args: func(file, origin string, at time.Time) []string {
		return []string{"-o", origin, "-d", "on", "-t", at.UTC().Format(sigTimeLayout), file}
	}},
	{name: "ldns-verify-zone", args: func(file, _ string, at time.Time) []string {
		return []string{"-t", at.UTC().Format(sigTimeLayout), file}
	}},
	{name: "dnssec-verify", now: true, args: func(file, origin string, _ time.Time) []string {
		return []string{"-o", origin, file}
	}},
}

// dnssecDifferences lists the zones (files of zones.tsv, or cases of
// dnssecCases) that a tool and CheckDNSSEC judge differently, and why; ours is
// CheckDNSSEC's verdict (the tool says the opposite).
var dnssecDifferences = map[string]struct {
	ours   bool
	reason string
}{
	"kzonecheck nsd-tpkg/nsec3_parentds.zone":       {true, unassignedAlgorithm},
	"kzonecheck nsd-tpkg/nsec3_zone.zone":           {true, unassignedAlgorithm},
	"ldns-verify-zone nsd-tpkg/nsec3_parentds.zone": {true, unassignedAlgorithm},
	"ldns-verify-zone nsd-tpkg/nsec3_zone.zone":     {true, unassignedAlgorithm},
	"kzonecheck nsd-tpkg/nsec3_wildnodatads.zone.signed": {true,
		"the zone has one key, flags 256, without the SEP flag: Knot DNS 3.2 wants the DNSKEY RRset signed by a key with it, " +
			"while validators must not look at that flag (RFC 4034 section 2.1.1, RFC 4035 section 5.3.1)"},
	"kzonecheck knot-tests-extra/basic_delegation_tc_tc.test.zone": {true,
		"kzonecheck rejects delegations without glue (a warning here, as in nsd-checkzone) " +
			"and DS records of algorithm 0 and digest type 100, filler data: a validator treats a DS it cannot use as " +
			"no DS, an insecure delegation (RFC 4035 section 5.2, RFC 6840 section 5.2), not as bogus"},
	"ldns-verify-zone knot-tests-extra/basic_nsec3_example.zone.nsec3":                {true, ldnsYear2038},
	"ldns-verify-zone knot-tests-extra/basic_nsec_example.zone.nsec":                  {true, ldnsYear2038},
	"ldns-verify-zone knot-tests-extra/data_root.zone":                                {true, ldnsYear2038},
	"ldns-verify-zone knot-tests-extra/records_nsec_lettercase_rdatacase.zone.signed": {true, ldnsYear2038},
	"kzonecheck NSEC3 matching no name": {false,
		"an NSEC3 whose hash matches no name, left after the name was deleted: kzonecheck 3.2 checks the chain's order " +
			"but not that each NSEC3 stands for a name; ldns-verify-zone and dnssec-verify reject it, as RFC 5155 " +
			"section 7.1 builds the chain from the names and nothing else"},
}

// Reasons shared by several differences.
const (
	unassignedAlgorithm = "signed with algorithm 133, which is unassigned: kzonecheck and ldns-verify-zone fail on it, " +
		"while a validator treats a zone whose algorithms it does not know as insecure, not bogus (RFC 4035 section " +
		"5.2); here that is a warning, rrsig-unverifiable"
	ldnsYear2038 = "the signatures expire in 2050: ldns-verify-zone 1.8.3 compares Inception and Expiration as signed " +
		"32-bit numbers, so any expiration after 2038-01-19 looks earlier than its inception; RFC 4034 section 3.1.5 " +
		"compares them in serial number arithmetic, and Knot DNS and BIND accept them"
)

// TestCheckDNSSECCompat runs dnssec-verify, ldns-verify-zone and kzonecheck
// beside CheckDNSSEC on every signed zone of zones.tsv, at a moment its
// signatures are valid, and on the signed and broken zones of dnssecCases: both
// must accept or both reject, except for the differences listed above.
func TestCheckDNSSECCompat(t *testing.T) {
	paths := make(map[string]string)
	for _, tool := range dnssecTools {
		paths[tool.name] = testutil.Tool(t, tool.name)
	}
	compare := func(t *testing.T, key, file, origin string, at time.Time) {
		recs, err := zonefile.Read(zonefile.FileSource(file), origin)
		var z *Zone
		if err == nil {
			z, err = Compile(origin, recs)
		}
		ours := err == nil
		var report *DNSSECReport
		if ours {
			report = CheckDNSSEC(z, recs, DNSSECOptions{Now: at, Verify: true})
			ours = len(report.Errors) == 0
		}
		for _, tool := range dnssecTools {
			if tool.now && time.Since(at).Abs() > time.Hour {
				continue // it would judge another moment
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			out, toolErr := exec.CommandContext(ctx, paths[tool.name], tool.args(file, origin, at)...).CombinedOutput()
			timedOut := ctx.Err() != nil
			cancel()
			if timedOut {
				t.Fatalf("%s timed out", tool.name)
			}
			theirs := toolErr == nil
			k := tool.name + " " + key
			t.Logf("%s: ours ok=%v, theirs ok=%v", k, ours, theirs)
			if d, listed := dnssecDifferences[k]; listed {
				if ours == theirs {
					t.Errorf("%s: listed as a difference (%s) but both now say ok=%v: remove it from dnssecDifferences", k, d.reason, ours)
				} else if ours != d.ours {
					t.Errorf("%s: got ok=%v, listed difference says ok=%v", k, ours, d.ours)
				}
				continue
			}
			if ours != theirs {
				t.Errorf("%s: got ok=%v (%v%s), %s ok=%v:\n%s", k, ours, err, reportSummary(report), tool.name, theirs, firstLines(string(out), 8))
			}
		}
	}
	t.Run("shared", func(t *testing.T) {
		for _, z := range zonetest.SharedZones(t) {
			at, signed := validMoment(t, z.Path, z.Origin)
			if !signed {
				continue
			}
			t.Run(z.File, func(t *testing.T) { compare(t, z.File, z.Path, z.Origin, at) })
		}
	})
	t.Run("signed", func(t *testing.T) {
		s := newSigner(t)
		dir := t.TempDir()
		for _, tc := range dnssecCases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.warn != 0 {
					t.Skip("the tools have no expiry warning")
				}
				text := s.sign(t, tc.mode)
				if tc.edit != nil {
					text = tc.edit(t, text)
				}
				file := filepath.Join(dir, strings.NewReplacer(" ", "_", ",", "").Replace(tc.name)+".zone")
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				compare(t, tc.name, file, "example.", s.inception.Add(time.Hour+tc.at))
			})
		}
	})
}

// validMoment returns a moment when the signatures of the zone file are valid
// (the latest inception, when before the earliest expiration; else the present),
// and false when the zone does not load or is not signed.
func validMoment(t *testing.T, path, origin string) (time.Time, bool) {
	t.Helper()
	recs, err := zonefile.Read(zonefile.FileSource(path), origin)
	if err != nil {
		return time.Time{}, false
	}
	z, err := Compile(origin, recs)
	if err != nil || CheckDNSSEC(z, recs, DNSSECOptions{}) == nil {
		return time.Time{}, false
	}
	var latest uint32
	for _, r := range recs {
		if sig, ok := r.RR.(*dns.RRSIG); ok && sig.Inception > latest {
			latest = sig.Inception
		}
	}
	if exp, ok := z.SignatureExpiry(); ok && rrsigTime(latest).Before(exp) && exp.Before(time.Now()) {
		return rrsigTime(latest).Add(time.Second), true
	}
	return time.Now(), true
}

// reportSummary writes the first errors of r, for a failure message.
func reportSummary(r *DNSSECReport) string {
	if r == nil || len(r.Errors) == 0 {
		return ""
	}
	return "; " + errorLines(r.Errors[:min(len(r.Errors), 4)])
}

// firstLines returns the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(len(lines), n)], "")
}
