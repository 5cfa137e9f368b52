package server_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// This file runs BIND's delv (Debian package bind9-dnsutils, tested with 9.18) as the
// second validator of the DNSSEC tests. delv sends every query it needs (the question,
// each CNAME and DNAME target, the DNSKEY and DS sets of the chain of trust) to the
// server it is given and validates from a trust anchor; it does not follow referrals,
// so it checks what one authoritative server answers from the anchor's zone and the
// zones served beside it.

// delvVerdict is what delv concluded about an answer.
type delvVerdict string

const (
	delvSecure           delvVerdict = "fully validated"
	delvSecureNegative   delvVerdict = "negative response, fully validated"
	delvInsecure         delvVerdict = "unsigned answer"
	delvInsecureNegative delvVerdict = "negative response, unsigned answer"
	delvFailed           delvVerdict = "resolution failed"
)

// delvAnchors writes a trust-anchors file for delv -a (named.conf syntax, RFC 5011
// static keys) holding the keys, and returns its path.
func delvAnchors(t testing.TB, keys []*dns.DNSKEY) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("trust-anchors {\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%q static-key %d %d %d %q;\n", k.Header().Name, k.Flags, k.Protocol, k.Algorithm, k.PublicKey)
	}
	b.WriteString("};\n")
	p := filepath.Join(t.TempDir(), "delv-anchors.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// delv asks server (an authoritative server, "127.0.0.1:port") for name/qtype through
// delv, validating from the anchor of the zone root in the file anchors, and returns
// delv's verdict on the whole answer, the rcode it reports (NXDOMAIN or NOERROR) and
// its output. delv gives a verdict for each RRset of a CNAME or DNAME chain: the answer
// is secure when every one is, and negative when the last one is.
func delv(t testing.TB, path, server, anchors, root, name string, qtype uint16) (delvVerdict, int, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "@"+host, "-p", port, "-a", anchors, "+root="+root,
		"+nomtrace", "+norrcomments", name, dns.TypeToString[qtype])
	// delv exits non-zero for negative answers too: its verdict lines say what it
	// concluded.
	out, _ := cmd.CombinedOutput()
	text := string(out)
	if ctx.Err() != nil {
		t.Fatalf("delv %s %s: %v\n%s", name, dns.TypeToString[qtype], ctx.Err(), text)
	}
	rcode := dns.RcodeSuccess
	if strings.Contains(text, "ncache nxdomain") {
		rcode = dns.RcodeNameError
	}
	var verdicts []delvVerdict
	for _, line := range strings.Split(text, "\n") {
		switch v := delvVerdict(strings.TrimPrefix(line, "; ")); v {
		case delvSecure, delvSecureNegative, delvInsecure, delvInsecureNegative:
			verdicts = append(verdicts, v)
		}
	}
	if len(verdicts) == 0 {
		return delvFailed, rcode, text
	}
	allSecure := true
	for _, v := range verdicts {
		allSecure = allSecure && (v == delvSecure || v == delvSecureNegative)
	}
	last := verdicts[len(verdicts)-1]
	negative := last == delvSecureNegative || last == delvInsecureNegative
	return delvExpects(!negative, allSecure), rcode, text
}

// delvExpects is delv's verdict on an answer that is positive or negative, and secure
// or not.
func delvExpects(positive, secure bool) delvVerdict {
	switch {
	case positive && secure:
		return delvSecure
	case positive:
		return delvInsecure
	case secure:
		return delvSecureNegative
	}
	return delvInsecureNegative
}
