package zone

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/zone/zonefile"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// dnssecCase is a signed test zone, perhaps edited after signing, and what
// CheckDNSSEC must find in it.
type dnssecCase struct {
	name  string
	mode  signMode
	edit  func(t *testing.T, text string) string // nil: the zone as signed
	at    time.Duration                          // the check time, from the signing time
	warn  time.Duration                          // DNSSECOptions.ExpiryWarning
	errs  []string                               // the rules of the errors, sorted
	warns []string                               // the rules of the warnings, sorted
}

// flipSignature changes one character of a signature, keeping it valid base64.
func flipSignature(fl []string) string {
	sig := []byte(fl[12])
	if sig[3] == 'A' {
		sig[3] = 'B'
	} else {
		sig[3] = 'A'
	}
	fl[12] = string(sig)
	return strings.Join(fl, " ")
}

// dnssecCases are the cases of TestCheckDNSSEC and of the comparison with
// dnssec-verify, ldns-verify-zone and kzonecheck.
var dnssecCases = []dnssecCase{
	{name: "NSEC zone as signed", mode: signNSEC},
	{name: "NSEC dropped", mode: signNSEC, errs: []string{"nsec-missing", "nsec-next"},
		edit: func(t *testing.T, z string) string { return editRecords(t, z, "www.example.", "NSEC", "", drop) }},
	{name: "NSEC next pointer broken", mode: signNSEC, errs: []string{"nsec-next", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "NSEC", "", setField(4, "alias.example."))
		}},
	{name: "NSEC bitmap lacks a type", mode: signNSEC, errs: []string{"nsec-bitmap", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "NSEC", "", func(fl []string) string {
				return strings.Join(slices.DeleteFunc(fl, func(f string) bool { return f == "AAAA" }), " ")
			})
		}},
	{name: "NSEC bitmap unsorted is a set all the same", mode: signNSEC,
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "NSEC", "", func(fl []string) string {
				return strings.Join(fl[:5], " ") + " NSEC RRSIG AAAA A"
			})
		}},
	{name: "NSEC below a zone cut", mode: signNSEC, errs: []string{"nsec-below-cut"},
		edit: func(t *testing.T, z string) string {
			return z + "ns.secure.example. 300 IN NSEC www.example. A NSEC\n"
		}},
	{name: "no NSEC chain", mode: signNSEC, errs: []string{"denial-missing"},
		edit: func(t *testing.T, z string) string {
			for _, o := range []string{"example.", "alias.example.", "a.b.c.example.", "deep.ent.example.", "insecure.example.",
				"ns1.example.", "secure.example.", "*.wild.example.", "www.example."} {
				z = editRecords(t, z, o, "NSEC", "", drop)
				z = editRecords(t, z, o, "RRSIG", "NSEC", drop)
			}
			return z
		}},
	{name: "signature altered", mode: signNSEC, errs: []string{"rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "RRSIG", "A", flipSignature)
		}},
	{name: "RRset unsigned", mode: signNSEC, errs: []string{"rrsig-missing"},
		edit: func(t *testing.T, z string) string { return editRecords(t, z, "www.example.", "RRSIG", "AAAA", drop) }},
	{name: "signature labels wrong", mode: signNSEC, errs: []string{"rrsig-labels"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "RRSIG", "A", setField(6, "1"))
		}},
	{name: "signer not the zone", mode: signNSEC, errs: []string{"rrsig-missing", "rrsig-signer"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, "www.example.", "RRSIG", "A", setField(11, "other."))
		}},
	{name: "ZSK removed from the DNSKEY RRset", mode: signNSEC, errs: []string{"rrsig-bad", "rrsig-missing"},
		warns: []string{"rrsig-unknown-key"},
		edit:  func(t *testing.T, z string) string { return editRecords(t, z, "example.", "DNSKEY", "256", drop) }},
	{name: "every DNSKEY removed", mode: signNSEC, errs: []string{"dnskey-missing", "nsec-bitmap"}, warns: []string{"rrsig-unknown-key"},
		edit: func(t *testing.T, z string) string { return editRecords(t, z, "example.", "DNSKEY", "", drop) }},
	{name: "expired", mode: signNSEC, at: 31 * 24 * time.Hour, errs: []string{"rrsig-expired"}},
	{name: "not yet valid", mode: signNSEC, at: -2 * time.Hour, errs: []string{"rrsig-not-yet-valid"}},
	{name: "expiring within the warning time", mode: signNSEC, at: 27 * 24 * time.Hour, warns: []string{"rrsig-expiring"}},
	{name: "expiring, warning off", mode: signNSEC, at: 27 * 24 * time.Hour, warn: -1},
	{name: "expiring, warning 2 days", mode: signNSEC, at: 27 * 24 * time.Hour, warn: 48 * time.Hour},

	{name: "NSEC3 zone as signed", mode: signNSEC3},
	{name: "NSEC3 dropped", mode: signNSEC3, errs: []string{"nsec3-missing", "nsec3-next"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, nsec3Owner("www.example.", 0, ""), "NSEC3", "", drop)
		}},
	{name: "NSEC3 of an empty non-terminal dropped", mode: signNSEC3, errs: []string{"nsec3-missing", "nsec3-next"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, nsec3Owner("b.c.example.", 0, ""), "NSEC3", "", drop)
		}},
	{name: "NSEC3 next hashed owner broken", mode: signNSEC3, errs: []string{"nsec3-next", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, nsec3Owner("www.example.", 0, ""), "NSEC3", "", setField(8, "00000000000000000000000000000000"))
		}},
	{name: "NSEC3 bitmap lacks a type", mode: signNSEC3, errs: []string{"nsec3-bitmap", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, nsec3Owner("www.example.", 0, ""), "NSEC3", "", func(fl []string) string {
				return strings.Join(slices.DeleteFunc(fl, func(f string) bool { return f == "AAAA" }), " ")
			})
		}},
	{name: "NSEC3 matching no name", mode: signNSEC3, errs: []string{"nsec3-orphan"},
		edit: func(t *testing.T, z string) string {
			z = editRecords(t, z, "www.example.", "A", "", drop)
			z = editRecords(t, z, "www.example.", "AAAA", "", drop)
			return editRecords(t, z, "www.example.", "RRSIG", "", drop)
		}},
	{name: "NSEC3 with other parameters", mode: signNSEC3,
		errs: []string{"nsec3-missing", "nsec3-next", "nsec3-params", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			return editRecords(t, z, nsec3Owner("www.example.", 0, ""), "NSEC3", "", setField(6, "1"))
		}},
	{name: "NSEC3 salt and iterations", mode: signSalted, warns: []string{"nsec3-iterations", "nsec3-salt"}},
	{name: "NSEC3 opt-out as signed", mode: signOptOut},
	{name: "NSEC3 opt-out flag cleared", mode: signOptOut, errs: []string{"nsec3-missing", "rrsig-bad"},
		edit: func(t *testing.T, z string) string {
			for _, line := range strings.Split(z, "\n") {
				if fl := strings.Fields(line); len(fl) > 5 && fl[3] == "NSEC3" {
					z = editRecords(t, z, fl[0], "NSEC3", "", setField(5, "0"))
				}
			}
			return z
		}},
}

// TestCheckDNSSEC signs a zone with dnssec-signzone, breaks it in the ways a
// signer or a hand edit does, and checks which rules CheckDNSSEC reports.
func TestCheckDNSSEC(t *testing.T) {
	s := newSigner(t)
	signed := make(map[string]string)
	for _, tc := range dnssecCases {
		t.Run(tc.name, func(t *testing.T) {
			if signed[tc.mode.name] == "" {
				signed[tc.mode.name] = s.sign(t, tc.mode)
			}
			text := signed[tc.mode.name]
			if tc.edit != nil {
				text = tc.edit(t, text)
			}
			r := checkSignedText(t, text, DNSSECOptions{Now: s.inception.Add(time.Hour + tc.at), ExpiryWarning: tc.warn, Verify: true})
			if r == nil {
				t.Fatalf("CheckDNSSEC: got nil, want a report")
			}
			if got := ruleNames(r.Errors); !slices.Equal(got, tc.errs) {
				t.Errorf("error rules: got %q, want %q\n%s", got, tc.errs, errorLines(r.Errors))
			}
			if got := ruleNames(r.Warnings); !slices.Equal(got, tc.warns) {
				t.Errorf("warning rules: got %q, want %q\n%s", got, tc.warns, errorLines(r.Warnings))
			}
			for _, e := range append(r.Errors, r.Warnings...) {
				if e.File != "test.zone" || e.Msg == "" {
					t.Errorf("got %#v, want the file and a message", e)
				}
			}
			if wantDenial := strings.Fields(tc.mode.name)[0]; r.Denial != wantDenial {
				t.Errorf("Denial: got %s, want %s", r.Denial, wantDenial)
			}
			if r.Signatures == 0 || (len(tc.errs) == 0 && r.Verified != r.Signatures) {
				t.Errorf("got %d signatures, %d verified; want some, all verified", r.Signatures, r.Verified)
			}
			if !r.Expiry.Equal(s.expiration) && !strings.Contains(tc.name, "DNSKEY") {
				t.Errorf("Expiry: got %v, want %v", r.Expiry, s.expiration)
			}
		})
	}
}

// errorLines writes errs one per line, for a failure message.
func errorLines(errs []*zonefile.Error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\t" + e.Error() + "\n")
	}
	return b.String()
}

// TestCheckDNSSECPlaces checks that each problem names the line of the record at
// fault, in file order, and that a name without its NSEC is reported at its first
// record.
func TestCheckDNSSECPlaces(t *testing.T) {
	s := newSigner(t)
	text := editRecords(t, s.sign(t, signNSEC), "www.example.", "NSEC", "", drop)
	text = editRecords(t, text, "ns1.example.", "RRSIG", "A", flipSignature)
	lineOf := func(owner, rtype, covered string) int {
		for i, line := range strings.Split(text, "\n") {
			fl := strings.Fields(line)
			if len(fl) > 4 && strings.EqualFold(fl[0], owner) && fl[3] == rtype && (covered == "" || fl[4] == covered) {
				return i + 1
			}
		}
		t.Fatalf("no %s %s", owner, rtype)
		return 0
	}
	r := checkSignedText(t, text, DNSSECOptions{Now: s.inception.Add(time.Hour), Verify: true})
	want := []struct {
		line int
		rule string
	}{
		{lineOf("*.wild.example.", "NSEC", ""), "nsec-next"},
		{lineOf("www.example.", "A", ""), "nsec-missing"},
		{lineOf("ns1.example.", "RRSIG", "A"), "rrsig-bad"},
	}
	slices.SortFunc(want, func(a, b struct {
		line int
		rule string
	}) int {
		return a.line - b.line
	})
	if len(r.Errors) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(r.Errors), len(want), errorLines(r.Errors))
	}
	for i, w := range want {
		if e := r.Errors[i]; e.Line != w.line || e.Rule != w.rule {
			t.Errorf("error %d: got line %d %s, want line %d %s (%v)", i, e.Line, e.Rule, w.line, w.rule, e)
		}
	}
}

// TestCheckDNSSECUnsigned checks that an unsigned zone has no DNSSEC report and
// no signature expiry.
func TestCheckDNSSECUnsigned(t *testing.T) {
	recs := parseZoneText(t, "example.", signTestZone)
	z, err := Compile("example.", recs)
	if err != nil {
		t.Fatal(err)
	}
	if r := CheckDNSSEC(z, recs, DNSSECOptions{Verify: true}); r != nil {
		t.Errorf("CheckDNSSEC: got %+v, want nil", r)
	}
	if exp, ok := z.SignatureExpiry(); ok {
		t.Errorf("SignatureExpiry: got %v, want none", exp)
	}
}

// TestSignatureExpiry checks that the earliest expiration counts only the
// signatures by a key of the zone over authoritative data.
func TestSignatureExpiry(t *testing.T) {
	s := newSigner(t)
	text := s.sign(t, signNSEC3)
	early := s.expiration.Add(-48 * time.Hour)
	earlier := s.expiration.Add(-72 * time.Hour)
	tests := []struct {
		name string
		edit func(string) string
		want time.Time
	}{
		{"as signed", func(z string) string { return z }, s.expiration},
		{"an earlier signature", func(z string) string {
			return editRecords(t, z, "www.example.", "RRSIG", "A", setField(8, early.Format(sigTimeLayout)))
		}, early},
		{"an earlier signature of the NSEC3 chain", func(z string) string {
			return editRecords(t, z, nsec3Owner("www.example.", 0, ""), "RRSIG", "NSEC3", setField(8, early.Format(sigTimeLayout)))
		}, early},
		{"a retired key's signature does not count", func(z string) string {
			return z + "www.example. 3600 IN RRSIG A 13 2 3600 " + earlier.Format(sigTimeLayout) + " " +
				s.inception.Format(sigTimeLayout) + " 1 example. " + sigB64 + "\n"
		}, s.expiration},
		{"glue is not signed data", func(z string) string {
			return z + "ns.secure.example. 3600 IN RRSIG A 13 3 3600 " + earlier.Format(sigTimeLayout) + " " +
				s.inception.Format(sigTimeLayout) + " " + zskTag(t, z) + " example. " + sigB64 + "\n"
		}, s.expiration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := Compile("example.", parseZoneText(t, "example.", tt.edit(text)))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := z.SignatureExpiry()
			if !ok || !got.Equal(tt.want) {
				t.Errorf("SignatureExpiry: got %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
}

// zskTag returns the key tag of the ZSK in the signed zone text.
func zskTag(t *testing.T, text string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if fl := strings.Fields(line); len(fl) > 4 && fl[3] == "DNSKEY" && fl[4] == "256" {
			rr, err := dns.NewRR(line)
			if err != nil {
				t.Fatal(err)
			}
			return strconv.Itoa(int(rr.(*dns.DNSKEY).KeyTag()))
		}
	}
	t.Fatal("no ZSK")
	return ""
}

// TestCheckDNSSECRoot checks the root zone at a moment its signatures were valid,
// where every signature verifies, and at the present, where every one has expired.
func TestCheckDNSSECRoot(t *testing.T) {
	z, recs, at := compiledRoot(t)
	start := time.Now()
	r := CheckDNSSEC(z, recs, DNSSECOptions{Now: at, Verify: true})
	t.Logf("root zone: %d signatures checked and verified in %v", r.Signatures, time.Since(start))
	if len(r.Errors)+len(r.Warnings) > 0 {
		t.Errorf("at %v: got %d errors and %d warnings, want none; first:\n%s", at, len(r.Errors), len(r.Warnings),
			errorLines(append(r.Errors, r.Warnings...)[:1]))
	}
	if r.Denial != "NSEC" || r.Signatures != 2849 || r.Verified != 2849 {
		t.Errorf("got %s, %d signatures, %d verified; want NSEC, 2849, 2849", r.Denial, r.Signatures, r.Verified)
	}
	if want := time.Date(2023, 5, 24, 5, 0, 0, 0, time.UTC); !r.Expiry.Equal(want) {
		t.Errorf("Expiry: got %v, want %v", r.Expiry, want)
	}
	r = CheckDNSSEC(z, recs, DNSSECOptions{})
	if got := ruleNames(r.Errors); len(r.Errors) != 2849 || !slices.Equal(got, []string{"rrsig-expired"}) {
		t.Errorf("now: got %d errors %q, want 2849 rrsig-expired", len(r.Errors), got)
	}
	if r.Verified != 0 {
		t.Errorf("without Verify: got %d verified, want 0", r.Verified)
	}
}

// compiledRoot returns the root zone of testdata compiled, its records, and a
// moment its signatures were valid.
func compiledRoot(tb testing.TB) (*Zone, []zonefile.Record, time.Time) {
	tb.Helper()
	recs, err := zonefile.Read(zonefile.FileSource(filepath.Join("testdata", "root.zone")), ".")
	if err != nil {
		tb.Fatal(err)
	}
	z, err := Compile(".", recs)
	if err != nil {
		tb.Fatal(err)
	}
	return z, recs, time.Date(2023, 5, 12, 0, 0, 0, 0, time.UTC)
}

// BenchmarkCheckDNSSECRoot measures the check of the root zone with every signature
// verified, as `anycastdns check` runs it.
func BenchmarkCheckDNSSECRoot(b *testing.B) {
	z, recs, at := compiledRoot(b)
	b.ReportAllocs()
	for b.Loop() {
		CheckDNSSEC(z, recs, DNSSECOptions{Now: at, Verify: true})
	}
}

// TestLoaderDNSSEC checks the DNSSEC checks of the Loader and the signature expiry
// metric: a signed zone loads with its report and series, an unsigned version of
// it removes both, and one whose signatures expired still serves, with the errors
// of its report (the Loader's default verifies no signature).
func TestLoaderDNSSEC(t *testing.T) {
	s := newSigner(t)
	signed := s.sign(t, signNSEC)
	d := newZoneDir(t)
	zf := d.write("example.zone", signed)
	var store Store
	m := NewLoaderMetrics(prometheus.NewRegistry())
	l, err := NewLoader(&store, []ZoneFile{zf}, LoaderOptions{Metrics: m,
		DNSSEC: DNSSECOptions{Now: s.inception.Add(time.Hour), Verify: true}})
	if err != nil {
		t.Fatal(err)
	}
	results, err := l.LoadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.DNSSEC == nil || len(r.DNSSEC.Errors)+len(r.DNSSEC.Warnings) > 0 || r.DNSSEC.Verified != r.DNSSEC.Signatures {
		t.Fatalf("LoadAll: got DNSSEC report %+v, want one with every signature verified and no problem", r.DNSSEC)
	}
	if !r.SignatureExpiry.Equal(s.expiration) {
		t.Errorf("SignatureExpiry: got %v, want %v", r.SignatureExpiry, s.expiration)
	}
	if got := value(t, m.expiry.WithLabelValues("example.")); got != float64(s.expiration.Unix()) {
		t.Errorf("signature expiry gauge: got %v, want %d", got, s.expiration.Unix())
	}

	d.write("example.zone", signTestZone)
	if results, err = l.Reload(); err != nil || len(results) != 1 {
		t.Fatalf("Reload: got %v, %v; want one result", results, err)
	}
	if r := results[0]; r.DNSSEC != nil || !r.SignatureExpiry.IsZero() {
		t.Errorf("unsigned: got report %+v, expiry %v; want none", r.DNSSEC, r.SignatureExpiry)
	}
	if m.expiry.DeleteLabelValues("example.") {
		t.Errorf("unsigned: got a signature expiry series, want none")
	}

	// Signatures that expired a day ago, and an SOA edited after signing: the
	// default options check the validity window at the time of the load and
	// verify no signature. The zone serves all the same.
	now := time.Now()
	expired := s.signValid(t, signNSEC, now.Add(-30*24*time.Hour), now.Add(-24*time.Hour))
	expired = strings.ReplaceAll(expired, " 1 7200 3600 1209600 300", " 2 7200 3600 1209600 300")
	d2 := newZoneDir(t)
	l2, store2, _ := newTestLoader(t, d2.write("example.zone", expired))
	if results, err = l2.LoadAll(); err != nil {
		t.Fatal(err)
	}
	if got := serving(store2, "example."); got != 2 {
		t.Errorf("serving: got serial %d, want 2", got)
	}
	r = results[0]
	if got := ruleNames(r.DNSSEC.Errors); !slices.Equal(got, []string{"rrsig-expired"}) || r.DNSSEC.Verified != 0 {
		t.Errorf("default options: got errors %q, %d verified; want rrsig-expired, none verified", got, r.DNSSEC.Verified)
	}
}
