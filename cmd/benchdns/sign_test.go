package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSignNSEC3 signs a small nsec3 zone with BIND's tools and checks what the servers
// will be given: an NSEC3 chain without salt, extra iterations or opt-out over every
// authoritative name, delegation and empty non-terminal, two ECDSAP256SHA256 keys, and
// signatures on authoritative data only; then that a second signing reuses the file.
func TestSignNSEC3(t *testing.T) {
	s := Signer{Keygen: needTool(t, "dnssec-keygen"), SignZone: needTool(t, "dnssec-signzone")}
	const n = 1000
	// A relative path, as -out may give: the tools run in another folder.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g, err := genNSEC3(rel, n, 4, 100)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, unsignedRecords := g.ZoneFile, g.Records
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var log bytes.Buffer
	if err := s.signNSEC3(ctx, g, &log); err != nil {
		t.Fatal(err)
	}
	if g.ZoneFile == unsigned {
		t.Fatal("signNSEC3 left the suite on the unsigned zone")
	}
	// The tools leave their files (keys, the dsset- file) in the signed zone's folder, not
	// in the working directory.
	if _, err := os.Stat("dsset-" + nsec3Origin); err == nil {
		t.Errorf("dnssec-signzone wrote dsset-%s into the working directory", nsec3Origin)
	}
	rrs := readZone(t, g.ZoneFile, g.Origin)
	if len(rrs) != g.Records {
		t.Errorf("signed zone: got %d records, Records says %d", len(rrs), g.Records)
	}
	l, _ := layoutNSEC3(n)
	byType := map[uint16]int{}
	covered := map[uint16]int{}
	var ksk, zsk int
	for _, rr := range rrs {
		byType[rr.Header().Rrtype]++
		switch rr := rr.(type) {
		case *dns.NSEC3PARAM:
			if rr.Hdr.Name != g.Origin || rr.Hash != dns.SHA1 || rr.Flags != 0 || rr.Iterations != 0 || rr.Salt != "" {
				t.Errorf("got %v, want %s NSEC3PARAM 1 0 0 - (RFC 9276 section 3.1)", rr, g.Origin)
			}
		case *dns.NSEC3:
			if rr.Flags != 0 || rr.Iterations != 0 || rr.Salt != "" {
				t.Fatalf("got %v, want flags 0 (no opt-out), 0 iterations, no salt", rr)
			}
		case *dns.DNSKEY:
			if rr.Algorithm != dns.ECDSAP256SHA256 {
				t.Errorf("got %v, want algorithm 13", rr)
			}
			switch rr.Flags {
			case 257:
				ksk++
			case 256:
				zsk++
			}
		case *dns.RRSIG:
			covered[rr.TypeCovered]++
		}
	}
	if ksk != 1 || zsk != 1 {
		t.Errorf("got %d KSKs and %d ZSKs, want 1 and 1", ksk, zsk)
	}
	// The chain: every owner but the glue (2 per delegation pair), plus the empty
	// non-terminals above the wildcards (RFC 5155 section 7.1).
	if want := n - 2*l.delegations + nsec3Wildcards; byType[dns.TypeNSEC3] != want {
		t.Errorf("got %d NSEC3 records, want %d", byType[dns.TypeNSEC3], want)
	}
	if byType[dns.TypeNSEC3PARAM] != 1 || byType[dns.TypeNSEC] != 0 {
		t.Errorf("got %d NSEC3PARAM and %d NSEC, want 1 and 0", byType[dns.TypeNSEC3PARAM], byType[dns.TypeNSEC])
	}
	// Delegation NS and glue are not signed (RFC 4035 section 2.2); DS and the apex are.
	for _, c := range []struct {
		typ  uint16
		want int
	}{{dns.TypeSOA, 1}, {dns.TypeNS, 1}, {dns.TypeDS, l.delegations}, {dns.TypeNSEC3, byType[dns.TypeNSEC3]}} {
		if covered[c.typ] != c.want {
			t.Errorf("RRSIGs over %s: got %d, want %d", dns.TypeToString[c.typ], covered[c.typ], c.want)
		}
	}
	for _, want := range []string{"NSEC3 with no salt", "ECDSAP256SHA256", "dnssec-signzone -P -3 - -H 0 -S -O full", "signed in"} {
		if !strings.Contains(g.Note, want) {
			t.Errorf("note %q lacks %q", g.Note, want)
		}
	}

	// The same unsigned zone again: the signed file is used as it is.
	st, err := os.Stat(g.ZoneFile)
	if err != nil {
		t.Fatal(err)
	}
	again := &Generated{Origin: g.Origin, ZoneFile: unsigned, Records: unsignedRecords}
	if err := s.signNSEC3(ctx, again, &log); err != nil {
		t.Fatal(err)
	}
	st2, err := os.Stat(again.ZoneFile)
	if err != nil {
		t.Fatal(err)
	}
	if again.ZoneFile != g.ZoneFile || !st2.ModTime().Equal(st.ModTime()) || again.Records != g.Records || !strings.Contains(again.Note, "reused") {
		t.Errorf("second signing: got %s (%v, %d records, %q), want %s reused", again.ZoneFile, st2.ModTime(), again.Records, again.Note, g.ZoneFile)
	}
}

func TestSignNSEC3Fails(t *testing.T) {
	s := Signer{Keygen: needTool(t, "dnssec-keygen"), SignZone: needTool(t, "dnssec-signzone")}
	dir := t.TempDir()
	g, err := genNSEC3(dir, nsec3MinNames, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	// A zone whose SOA is missing: dnssec-signzone refuses it, and the error says why.
	if err := os.WriteFile(g.ZoneFile, []byte("host."+nsec3Origin+" 300 IN A 192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = s.signNSEC3(ctx, g, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "dnssec-signzone") {
		t.Fatalf("got error %v, want dnssec-signzone's", err)
	}
	if !strings.HasSuffix(g.ZoneFile, ".zone") {
		t.Errorf("after a failed signing the suite points at %s, want the unsigned zone", g.ZoneFile)
	}
}
