package zone

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// signTestZone is the zone the DNSSEC check tests sign with dnssec-signzone: a
// wildcard, empty non-terminals (c and b.c, ent), a CNAME, a secure delegation
// with its glue, an insecure one, and one whose only ancestor below the apex is an
// empty non-terminal (deep.ent), which Opt-Out leaves without NSEC3.
const signTestZone = `$TTL 3600
@         SOA   ns1 hostmaster 1 7200 3600 1209600 300
          NS    ns1
ns1       A     192.0.2.1
www       A     192.0.2.2
          AAAA  2001:db8::2
*.wild    TXT   "wildcard"
a.b.c     A     192.0.2.3
secure    NS    ns.secure
          DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.secure A     192.0.2.4
insecure  NS    ns.insecure
ns.insecure A   192.0.2.5
deep.ent  NS    ns1.example.net.
alias     CNAME www
`

// signMode is a way to sign the test zone: dnssec-signzone's options for it.
type signMode struct {
	name string
	args []string
}

var (
	signNSEC   = signMode{"NSEC", nil}
	signNSEC3  = signMode{"NSEC3", []string{"-3", "-", "-H", "0"}}
	signOptOut = signMode{"NSEC3 opt-out", []string{"-3", "-", "-H", "0", "-A"}}
	signSalted = signMode{"NSEC3 salt and iterations", []string{"-3", "aabbccdd", "-H", "5"}}
)

// signer signs signTestZone as example. with one pair of ECDSA P-256 keys (a ZSK
// and a KSK, RFC 6605), made once, with signatures valid from an hour before now
// to 30 days after it.
type signer struct {
	dir        string
	inception  time.Time
	expiration time.Time
}

// newSigner makes the keys in a temporary folder, failing in CI and skipping
// elsewhere when BIND's tools are not installed.
func newSigner(t *testing.T) *signer {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	s := &signer{dir: t.TempDir(), inception: now.Add(-time.Hour), expiration: now.Add(30 * 24 * time.Hour)}
	keygen := testutil.Tool(t, "dnssec-keygen")
	runTool(t, s.dir, keygen, "-q", "-K", s.dir, "-a", "ECDSAP256SHA256", "-n", "ZONE", "example.")
	runTool(t, s.dir, keygen, "-q", "-K", s.dir, "-a", "ECDSAP256SHA256", "-f", "KSK", "-n", "ZONE", "example.")
	if err := os.WriteFile(filepath.Join(s.dir, "example.zone"), []byte(signTestZone), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// sign returns the text of signTestZone signed in mode, one record per line
// ("-O full": owner, TTL, class, type and data on every line), unverified ("-P":
// the tests verify it, and an expired signature is one of their cases).
func (s *signer) sign(t *testing.T, mode signMode) string {
	t.Helper()
	return s.signValid(t, mode, s.inception, s.expiration)
}

// signValid is sign with signatures valid from inception to expiration.
func (s *signer) signValid(t *testing.T, mode signMode, inception, expiration time.Time) string {
	t.Helper()
	out := filepath.Join(s.dir, "signed.zone")
	args := append([]string{"-q", "-P", "-S", "-K", s.dir, "-o", "example.", "-O", "full",
		"-s", inception.Format(sigTimeLayout), "-e", expiration.Format(sigTimeLayout), "-f", out}, mode.args...)
	runTool(t, s.dir, testutil.Tool(t, "dnssec-signzone"), append(args, filepath.Join(s.dir, "example.zone"))...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sigTimeLayout is the YYYYMMDDhhmmss form of RRSIG times (RFC 4034 section 3.2).
const sigTimeLayout = "20060102150405"

// runTool runs a program to completion within a minute, failing the test when it
// fails.
func runTool(t *testing.T, dir, prog string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
}

// editRecords rewrites the lines of a zone written one record per line whose owner
// (any case), type and, for an RRSIG, covered type (when covered is not empty)
// match: f gets the fields of the line and returns its new text, "" to drop it. It
// fails the test when no line matches.
func editRecords(t *testing.T, text, owner, rtype, covered string, f func(fields []string) string) string {
	t.Helper()
	lines := strings.SplitAfter(text, "\n")
	matched := false
	for i, line := range lines {
		fl := strings.Fields(line)
		if len(fl) < 5 || strings.HasPrefix(fl[0], ";") || !strings.EqualFold(fl[0], owner) || fl[3] != rtype {
			continue
		}
		if covered != "" && fl[4] != covered {
			continue
		}
		matched = true
		if nl := f(fl); nl == "" {
			lines[i] = ""
		} else {
			lines[i] = nl + "\n"
		}
	}
	if !matched {
		t.Fatalf("no %s %s %s record in the zone", owner, rtype, covered)
	}
	return strings.Join(lines, "")
}

// drop is the edit that removes a record.
func drop([]string) string { return "" }

// setField returns an edit that sets field i (0 is the owner) to v.
func setField(i int, v string) func([]string) string {
	return func(fl []string) string {
		fl[i] = v
		return strings.Join(fl, " ")
	}
}

// nsec3Owner returns the NSEC3 owner name of the name in the test zone's chain
// (SHA-1, the given iterations and salt, RFC 5155 section 5).
func nsec3Owner(name string, iterations uint16, salt string) string {
	return dns.HashName(name, dns.SHA1, iterations, salt) + ".example."
}

// checkSignedText reads the zone text as example. from the file test.zone,
// compiles it, and checks its DNSSEC data.
func checkSignedText(t *testing.T, text string, o DNSSECOptions) *DNSSECReport {
	t.Helper()
	recs, err := zonefile.Read(zonefile.Source{FS: fstest.MapFS{"test.zone": {Data: []byte(text)}}, Name: "test.zone"}, "example.")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	z, err := Compile("example.", recs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return CheckDNSSEC(z, recs, o)
}

// ruleNames returns the rules of errs, sorted, each once.
func ruleNames(errs []*zonefile.Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
