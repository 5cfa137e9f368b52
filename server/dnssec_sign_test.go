package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// This file signs zones at test time with BIND's dnssec-keygen and dnssec-signzone
// (Debian package bind9-utils), so that the DNSSEC tests serve signatures that are
// valid now. The names are exported for the external test package server_test (the
// validation and differential tests), as an export_test.go file would.

// DNSSECForm is how a zone is signed: the denial-of-existence records it gets.
type DNSSECForm int

const (
	// FormNSEC signs with an NSEC chain (RFC 4034 section 4).
	FormNSEC DNSSECForm = iota
	// FormNSEC3 signs with an NSEC3 chain, no salt and no extra iterations (RFC 5155,
	// RFC 9276 section 3.1).
	FormNSEC3
	// FormNSEC3OptOut signs with an NSEC3 chain whose records set the Opt-Out flag:
	// insecure delegations get no NSEC3 record (RFC 5155 section 6).
	FormNSEC3OptOut
)

// DNSSECForms lists every form, in the order the tests run them.
var DNSSECForms = []DNSSECForm{FormNSEC, FormNSEC3, FormNSEC3OptOut}

// String names the form as the subtests do.
func (f DNSSECForm) String() string {
	switch f {
	case FormNSEC:
		return "nsec"
	case FormNSEC3:
		return "nsec3"
	case FormNSEC3OptOut:
		return "nsec3-optout"
	}
	return fmt.Sprintf("form%d", int(f))
}

// Origin is the origin of the test zone signed in this form: each form has its own,
// so that one server can serve all three.
func (f DNSSECForm) Origin() string {
	return map[DNSSECForm]string{FormNSEC: "nsec.test.", FormNSEC3: "nsec3.test.", FormNSEC3OptOut: "optout.test."}[f]
}

// signArgs are dnssec-signzone's options for the form: -3 - is an NSEC3 chain without
// salt, -H 0 without extra iterations, -A sets Opt-Out.
func (f DNSSECForm) signArgs() []string {
	switch f {
	case FormNSEC3:
		return []string{"-3", "-", "-H", "0"}
	case FormNSEC3OptOut:
		return []string{"-3", "-", "-H", "0", "-A"}
	}
	return nil
}

// SignedZone is a master file signed at test time and what a validator needs to trust
// it.
type SignedZone struct {
	Origin string      // the zone's origin, fully qualified
	File   string      // the signed master file
	KSK    *dns.DNSKEY // the key-signing key: the zone's trust anchor
	DS     *dns.DS     // the KSK's DS record (SHA-256), for the parent zone
}

// dnssecTestZone is the zone the DNSSEC tests sign, in every form, at the origin %[1]s:
// each kind of answer of RFC 4035 section 3.1 and RFC 5155 section 7.2 has a name in
// it. The DS of the secure delegation sec is appended by SignTestZones, signed with the
// parent. The delegations ins and ins2 to ins6 have no DS: under Opt-Out they get no
// NSEC3 record, so that opt-out spans cover them.
const dnssecTestZone = `$ORIGIN %[1]s
$TTL 3600
@              SOA   ns1 hostmaster 2026112601 7200 3600 1209600 300
@              NS    ns1
@              NS    ns2
@              MX    10 mail
@              TXT   "apex of a zone signed at test time"
ns1            A     192.0.2.1
ns1            AAAA  2001:db8::1
ns2            A     192.0.2.2
mail           A     192.0.2.25
mail           AAAA  2001:db8::25
www            A     192.0.2.80
www            AAAA  2001:db8::80
www            TXT   "www"
a.b.c          A     192.0.2.3
a.b.c          TXT   "below the empty non-terminals b.c and c"
*.w            A     192.0.2.100
*.w            TXT   "synthesized from *.w"
*.w            MX    10 mail
x.w            A     192.0.2.101
*.e.f          A     192.0.2.102
*.cw           CNAME www
towild         CNAME host.w
tocw           CNAME host.cw
tonx           CNAME chain
chain          CNAME missing
dn             DNAME target
x.target       A     192.0.2.110
x.target       TXT   "reached through the DNAME dn"
a.b.c.d.e.deep A     192.0.2.120
sec            NS    ns.sec
ns.sec         A     192.0.2.60
ns.sec         AAAA  2001:db8::60
ins            NS    ns.ins
ns.ins         A     192.0.2.61
ins2           NS    ns.ins2
ns.ins2        A     192.0.2.62
ins3           NS    ns1
ins4           NS    ns.ins4
ns.ins4        A     192.0.2.64
ins5           NS    ns.ins5
ns.ins5        A     192.0.2.65
ins6           NS    ns.ins6
ns.ins6        A     192.0.2.66
`

// dnssecChildZone is a child of the test zone at %[1]s: sec.<origin> (signed, NSEC)
// and ins.<origin> (unsigned) are served beside their parent by the validation test,
// so that a resolver can go below both delegations.
const dnssecChildZone = `$ORIGIN %[1]s
$TTL 3600
@     SOA  ns hostmaster 1 7200 3600 1209600 300
@     NS   ns
ns    A    192.0.2.60
host  A    192.0.2.70
host  TXT  "in a child zone"
`

// TestZones is the test zone of one form, signed, and its two children.
type TestZones struct {
	Parent   SignedZone // <form origin>, signed in the form, with the DS of Secure
	Secure   SignedZone // sec.<origin>, signed with NSEC
	Insecure SignedZone // ins.<origin>, unsigned: File and Origin only
}

// SignTestZones writes and signs dnssecTestZone in form, after signing its secure
// child, whose DS goes into the parent before the parent is signed. Everything is
// written under a temporary folder of t.
func SignTestZones(t testing.TB, form DNSSECForm) TestZones {
	t.Helper()
	origin := form.Origin()
	var z TestZones
	z.Secure = SignZone(t, "sec."+origin, fmt.Sprintf(dnssecChildZone, "sec."+origin), FormNSEC)
	z.Insecure = SignedZone{Origin: "ins." + origin, File: writeZone(t, "ins."+origin, fmt.Sprintf(dnssecChildZone, "ins."+origin))}
	z.Parent = SignZone(t, origin, fmt.Sprintf(dnssecTestZone, origin)+z.Secure.DS.String()+"\n", form)
	return z
}

// SignZone writes text, a master file for origin, to a temporary folder of t,
// generates a KSK and a ZSK there (ECDSAP256SHA256, RFC 6605) and signs the zone in
// form with dnssec-signzone (-S adds the keys' DNSKEY records; -d keeps its dsset file
// in the same folder). The signatures are valid from an hour ago (the tool's default
// inception) for 30 days.
func SignZone(t testing.TB, origin, text string, form DNSSECForm) SignedZone {
	t.Helper()
	keygen := testutil.Tool(t, "dnssec-keygen")
	signzone := testutil.Tool(t, "dnssec-signzone")
	unsigned := writeZone(t, origin, text)
	dir := filepath.Dir(unsigned)
	kskName := runTool(t, keygen, "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-n", "ZONE", "-f", "KSK", origin)
	runTool(t, keygen, "-q", "-K", dir, "-a", "ECDSAP256SHA256", "-n", "ZONE", origin)
	signed := unsigned + ".signed"
	args := append([]string{"-q", "-S", "-K", dir, "-d", dir, "-o", origin, "-f", signed}, form.signArgs()...)
	runTool(t, signzone, append(args, unsigned)...)
	ksk := readKey(t, filepath.Join(dir, strings.TrimSpace(kskName)+".key"))
	return SignedZone{Origin: origin, File: signed, KSK: ksk, DS: ksk.ToDS(dns.SHA256)}
}

// writeZone writes text to zone.db in a new temporary folder of t and returns its path.
func writeZone(t testing.TB, origin, text string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), strings.TrimSuffix(origin, "."))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "zone.db")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runTool runs a signing tool, failing the test with its output when it fails or takes
// more than a minute, and returns its standard output.
func runTool(t testing.TB, path string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(path), strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// readKey reads the DNSKEY record of a key file written by dnssec-keygen.
func readKey(t testing.TB, path string) *dns.DNSKEY {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zp := dns.NewZoneParser(f, "", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if k, ok := rr.(*dns.DNSKEY); ok {
			return k
		}
	}
	t.Fatalf("%s: no DNSKEY record (%v)", path, zp.Err())
	return nil
}

// TestDNSSECSignTestZones proves the signing helper: each form yields the chain it
// names (NSEC, NSEC3 without salt and iterations, NSEC3 with Opt-Out and no record
// for the insecure delegations), the parent holds the DS of its secure child, and the
// zones load.
func TestDNSSECSignTestZones(t *testing.T) {
	for _, form := range DNSSECForms {
		t.Run(form.String(), func(t *testing.T) {
			z := SignTestZones(t, form)
			counts := map[uint16]int{}
			optOut := 0
			f, err := os.Open(z.Parent.File)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			zp := dns.NewZoneParser(f, z.Parent.Origin, z.Parent.File)
			for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
				counts[rr.Header().Rrtype]++
				if n3, ok := rr.(*dns.NSEC3); ok {
					if n3.Iterations != 0 || n3.SaltLength != 0 {
						t.Errorf("got %v, want no salt and 0 iterations", n3)
					}
					optOut += int(n3.Flags & 1)
				}
				if ds, ok := rr.(*dns.DS); ok && ds.String() != z.Secure.DS.String() {
					t.Errorf("got DS %v, want the child's %v", ds, z.Secure.DS)
				}
			}
			if err := zp.Err(); err != nil {
				t.Fatal(err)
			}
			wantNSEC, wantNSEC3 := form == FormNSEC, form != FormNSEC
			if (counts[dns.TypeNSEC] > 0) != wantNSEC || (counts[dns.TypeNSEC3] > 0) != wantNSEC3 {
				t.Errorf("got %d NSEC and %d NSEC3 records, want NSEC %v, NSEC3 %v", counts[dns.TypeNSEC], counts[dns.TypeNSEC3], wantNSEC, wantNSEC3)
			}
			if wantOptOut := form == FormNSEC3OptOut; (optOut > 0) != wantOptOut {
				t.Errorf("got %d NSEC3 records with Opt-Out, want Opt-Out %v", optOut, wantOptOut)
			}
			if counts[dns.TypeDS] != 1 || counts[dns.TypeDNSKEY] != 2 {
				t.Errorf("got %d DS and %d DNSKEY records, want 1 and 2", counts[dns.TypeDS], counts[dns.TypeDNSKEY])
			}
			for _, s := range []SignedZone{z.Parent, z.Secure, z.Insecure} {
				if _, err := zone.Load(zonefile.FileSource(s.File), s.Origin); err != nil {
					t.Errorf("load %s: %v", s.Origin, err)
				}
			}
		})
	}
}
