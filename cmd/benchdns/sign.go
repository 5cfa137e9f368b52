package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Signer signs a zone with BIND's tools (Debian's bind9-utils), the way a hidden
// primary would before the servers load it.
type Signer struct {
	Keygen   string // dnssec-keygen
	SignZone string // dnssec-signzone
}

// signAlgorithm is the algorithm of both keys: ECDSA P-256 with SHA-256 (RFC 6605),
// what most signed zones use today (RFC 8624 section 3.1: MUST for signers and validators).
const signAlgorithm = "ECDSAP256SHA256"

// signFlags are dnssec-signzone's options besides where its inputs and output are:
// NSEC3 with no salt ("-3 -") and no extra iterations ("-H 0"), as RFC 9276 section 3.1
// advises, without opt-out; keys found by smart signing (-S); one record per line with
// full owner names (-O full), the form signers commonly publish; and no verification of
// the signed zone by dnssec-signzone itself (-P), which would double the time it takes:
// crossCheck checks that the servers agree on the proofs instead.
var signFlags = []string{"-P", "-3", "-", "-H", "0", "-S", "-O", "full"}

// signNSEC3 signs g's zone and points g at the signed file: it makes a KSK and a ZSK with
// dnssec-keygen, then signs with dnssec-signzone (signFlags). The keys and the signed zone
// are kept in a folder under the unsigned zone's, named after a hash of the unsigned
// zone, and a signed zone found there is used again (the signing of 100,000 names takes
// tens of seconds); with -out, later runs reuse it. g.Note says how it was signed.
func (s Signer) signNSEC3(ctx context.Context, g *Generated, log io.Writer) error {
	zf, err := filepath.Abs(g.ZoneFile) // the tools run in another folder
	if err != nil {
		return err
	}
	unsigned, err := os.ReadFile(zf)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(unsigned)
	dir := filepath.Join(filepath.Dir(zf), "signed-"+hex.EncodeToString(sum[:8]))
	signed := filepath.Join(dir, filepath.Base(zf)+".signed")
	how := "reused: signed by an earlier run into the same -out folder"
	if _, err := os.Stat(signed); err != nil {
		t0 := time.Now()
		if err := s.sign(ctx, g.Origin, zf, dir, signed); err != nil {
			return err
		}
		d := time.Since(t0).Round(100 * time.Millisecond)
		fmt.Fprintf(log, "  signed %s with %s in %v\n", g.Origin, filepath.Base(s.SignZone), d)
		how = fmt.Sprintf("signed in %v", d)
	}
	n, err := countRecords(signed, g.Origin)
	if err != nil {
		return err
	}
	g.Note = fmt.Sprintf("Zone: %d records unsigned, %d signed: NSEC3 with no salt, no extra iterations and no opt-out, %s KSK and ZSK, by %s (%s %s; %s).",
		g.Records, n, signAlgorithm, toolFirstLine(s.SignZone, "-V"), filepath.Base(s.SignZone), strings.Join(signFlags, " "), how)
	g.ZoneFile, g.Records = signed, n
	return nil
}

// sign makes the keys in dir (emptied first: a run stopped midway leaves keys behind)
// and signs unsigned into out, through a temporary file so that out exists only whole.
func (s Signer) sign(ctx context.Context, origin, unsigned, dir, out string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, role := range [][]string{{"-f", "KSK"}, nil} {
		args := append([]string{"-q", "-K", dir, "-a", signAlgorithm, "-n", "ZONE"}, role...)
		if err := runTool(ctx, dir, s.Keygen, append(args, origin)...); err != nil {
			return err
		}
	}
	tmp := out + ".tmp"
	args := append([]string{"-q", "-K", dir, "-d", dir, "-o", origin, "-f", tmp}, signFlags...)
	if err := runTool(ctx, dir, s.SignZone, append(args, unsigned)...); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// runTool runs bin with args in dir, where it may leave files (dnssec-signzone writes
// the zone's dsset- file into its working folder), and returns its output in the error
// when it fails.
func runTool(ctx context.Context, dir, bin string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", filepath.Base(bin), strings.Join(args, " "), err, lastLines(string(out), 5))
	}
	return nil
}

// toolFirstLine returns the first line a tool prints with flag, or its name.
func toolFirstLine(bin, flag string) string {
	out, _ := exec.Command(bin, flag).CombinedOutput()
	if line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n"); line != "" {
		return line
	}
	return filepath.Base(bin)
}
