package transfer

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// This file signs our queries and verifies the signatures of the replies, one
// message or a whole transfer (RFC 8945 section 5.3.1). miekg/dns's TsigVerify
// hashes one message; a transfer's signed message after unsigned ones is hashed
// over them all, which tsigVerifier adds by a TsigProvider of its own.

// fudge is the TSIG fudge of our queries: 300 s, RFC 8945 section 10's
// recommendation.
const fudge = 300

// maxUnsigned is how many messages in a row of a transfer may come without TSIG
// (RFC 8945 section 5.3.1: a client MUST accept up to 99).
const maxUnsigned = 99

// signQuery returns m signed with key at now (RFC 8945 section 5.1) and the MAC,
// hex, which the first reply's MAC covers.
func signQuery(m *dns.Msg, key Key, now time.Time) ([]byte, string, error) {
	m.SetTsig(key.Name, key.Algorithm, fudge, now.Unix())
	return dns.TsigGenerate(m, key.Secret, "", false)
}

// tsigVerifier checks the signatures of the replies to one signed query, in order.
type tsigVerifier struct {
	key      Key
	mac      string   // hex: the query's MAC, then that of the last signed reply
	signed   int      // signed replies verified so far
	unsigned [][]byte // the unsigned replies since the last signed one
}

// check verifies the reply raw (m unpacked). RFC 8945 section 5.3: a reply to a
// signed query is signed with the same key; section 5.3.1: in a transfer, the
// first message is signed, at most 99 in a row are not, and a signed message's
// MAC covers the previous MAC, the unsigned messages since, itself and only the
// timers of its TSIG. raw is kept while unsigned: the caller must not reuse it.
func (v *tsigVerifier) check(raw []byte, m *dns.Msg) error {
	t := m.IsTsig()
	if t == nil {
		if v.signed == 0 {
			return &TSIGError{Err: fmt.Sprintf("reply (%s) to a query signed with %s is not signed", rcodeName(m.Rcode), v.key.Name)}
		}
		if len(v.unsigned) == maxUnsigned {
			return &TSIGError{Err: fmt.Sprintf("more than %d messages in a row are not signed", maxUnsigned)}
		}
		v.unsigned = append(v.unsigned, raw)
		return nil
	}
	if t.Error != dns.RcodeSuccess {
		// RFC 8945 section 5.3.2 and 5.2.3: the primary did not accept our
		// signature (BADKEY, BADSIG) or our time (BADTIME).
		return &TSIGError{Err: fmt.Sprintf("primary answered %s with TSIG error %s", rcodeName(m.Rcode), rcodeName(int(t.Error)))}
	}
	if !strings.EqualFold(t.Hdr.Name, v.key.Name) || !strings.EqualFold(t.Algorithm, v.key.Algorithm) {
		return &TSIGError{Err: fmt.Sprintf("reply signed with key %s (%s), not %s", t.Hdr.Name, t.Algorithm, v.key)}
	}
	p := &streamMAC{key: v.key, prefix: 2 + len(v.mac)/2, unsigned: v.unsigned}
	// TsigVerifyWithProvider rewrites the header of the message it is given.
	err := dns.TsigVerifyWithProvider(append([]byte(nil), raw...), p, v.mac, v.signed > 0)
	switch {
	case errors.Is(err, dns.ErrTime):
		return &TSIGError{Err: fmt.Sprintf("reply signed at %s, beyond the fudge of %d s from our clock (BADTIME)",
			time.Unix(int64(t.TimeSigned), 0).UTC().Format(time.RFC3339), t.Fudge)}
	case errors.Is(err, dns.ErrSig):
		return &TSIGError{Err: "the reply's MAC does not verify (BADSIG)"}
	case err != nil:
		return &TSIGError{Err: err.Error()}
	}
	v.mac = t.MAC
	v.signed++
	v.unsigned = nil
	return nil
}

// done checks the end of a transfer: its last message was signed (RFC 8945
// section 5.3.1).
func (v *tsigVerifier) done() error {
	if v != nil && len(v.unsigned) > 0 {
		return &TSIGError{Err: fmt.Sprintf("the last %d messages are not signed", len(v.unsigned))}
	}
	return nil
}

// streamMAC is the TsigProvider of one verification: the digest of RFC 8945
// section 5.3.1 with the unsigned messages since the previous MAC inserted after
// it. miekg/dns hands Verify the previous MAC (its length, then itself: prefix
// bytes), the message and the TSIG variables.
type streamMAC struct {
	key      Key
	prefix   int
	unsigned [][]byte
}

// Generate computes the MAC of buf with the unsigned messages inserted.
func (s *streamMAC) Generate(buf []byte, _ *dns.TSIG) ([]byte, error) {
	h, err := newHMAC(s.key)
	if err != nil {
		return nil, err
	}
	if s.prefix > len(buf) {
		return nil, dns.ErrSig
	}
	h.Write(buf[:s.prefix])
	for _, u := range s.unsigned {
		h.Write(u)
	}
	h.Write(buf[s.prefix:])
	return h.Sum(nil), nil
}

// Verify compares the MAC of buf with t's, in constant time.
func (s *streamMAC) Verify(buf []byte, t *dns.TSIG) error {
	want, err := s.Generate(buf, t)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(got, want) {
		return dns.ErrSig
	}
	return nil
}

// newHMAC returns the HMAC of key's algorithm (RFC 8945 section 6) keyed with its
// secret.
func newHMAC(key Key) (hash.Hash, error) {
	secret, err := base64.StdEncoding.DecodeString(key.Secret)
	if err != nil {
		return nil, fmt.Errorf("secret of key %s is not base64", key.Name)
	}
	var f func() hash.Hash
	switch dns.CanonicalName(key.Algorithm) {
	case dns.HmacSHA256:
		f = sha256.New
	case dns.HmacSHA384:
		f = sha512.New384
	case dns.HmacSHA512:
		f = sha512.New
	case dns.HmacSHA1:
		f = sha1.New
	default:
		return nil, dns.ErrKeyAlg
	}
	return hmac.New(f, secret), nil
}
