package transfer

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/miekg/dns"
)

// zoneText returns example. with serial and n extra TXT records.
func zoneText(serial uint32, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `$ORIGIN example.
$TTL 300
@   SOA ns1 hostmaster %d 7200 3600 1209600 300
@   NS  ns1
ns1 A   192.0.2.1
www A   192.0.2.10
v   TXT "%d"
`, serial, serial)
	for i := range n {
		fmt.Fprintf(&b, "r%d TXT \"record %d of a zone that takes several messages to transfer\"\n", i, i)
	}
	return b.String()
}

// axfr transfers origin from addr with miekg/dns, signed with key when set, and
// returns the records or the error.
func xfr(addr, origin string, qtype uint16, serial uint32, key *Key) ([]dns.RR, int, error) {
	m := new(dns.Msg)
	if qtype == dns.TypeIXFR {
		m.SetIxfr(origin, serial, "ns1."+origin, "hostmaster."+origin)
	} else {
		m.SetAxfr(origin)
	}
	tr := &dns.Transfer{DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second}
	if key != nil {
		m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
		tr.TsigSecret = map[string]string{key.Name: key.Secret}
	}
	ch, err := tr.In(m, addr)
	if err != nil {
		return nil, 0, err
	}
	var rrs []dns.RR
	msgs := 0
	for env := range ch {
		if env.Error != nil {
			return rrs, msgs, env.Error
		}
		msgs++
		rrs = append(rrs, env.RR...)
	}
	return rrs, msgs, nil
}

// sameSequence compares got and want record for record, in order.
func sameSequence(t *testing.T, got, want []dns.RR) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !dns.IsDuplicate(got[i], want[i]) {
			t.Fatalf("record %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestAXFRSignedMultiMessage(t *testing.T) {
	z, rrs := compileZone(t, "example.", zoneText(1, 3000))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "key xfr-key")}, z)
	got, msgs, err := xfr(p.addr, "example.", dns.TypeAXFR, 0, &xfrKey)
	if err != nil {
		t.Fatal(err)
	}
	if msgs < 3 {
		t.Errorf("the zone came in %d messages, want several (64 KiB each)", msgs)
	}
	sameSequence(t, got, append(rrs, rrs[0]))
}

func TestAXFRPolicy(t *testing.T) {
	z, rrs := compileZone(t, "example.", zoneText(1, 0))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "127.0.0.0/8 key xfr-key")}, z)
	// Unsigned from an address the rule admits only with the key: REFUSED
	// (RFC 5936 section 4.2).
	if _, _, err := xfr(p.addr, "example.", dns.TypeAXFR, 0, nil); err == nil || !strings.Contains(err.Error(), "REFUSED") && !strings.Contains(err.Error(), "bad xfr rcode: 5") {
		t.Errorf("unsigned AXFR: %v, want REFUSED", err)
	}
	if got, _, err := xfr(p.addr, "example.", dns.TypeAXFR, 0, &xfrKey); err != nil {
		t.Errorf("signed AXFR: %v", err)
	} else {
		sameSequence(t, got, append(rrs, rrs[0]))
	}
	// With EDNS, the refusal says why: policy prohibits it (RFC 8914 section
	// 4.19); no EDNS, no OPT.
	for _, edns := range []bool{false, true} {
		q := new(dns.Msg).SetAxfr("example.")
		if edns {
			q.SetEdns0(1232, false)
		}
		r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(q, p.addr)
		if err != nil {
			t.Fatalf("unsigned AXFR, EDNS %v: %v", edns, err)
		}
		var ede *dns.EDNS0_EDE
		if o := r.IsEdns0(); o != nil && len(o.Option) == 1 {
			ede, _ = o.Option[0].(*dns.EDNS0_EDE)
		}
		if r.Rcode != dns.RcodeRefused || (r.IsEdns0() != nil) != edns || edns && (ede == nil || ede.InfoCode != dns.ExtendedErrorCodeProhibited) {
			t.Errorf("unsigned AXFR, EDNS %v: got %s, OPT %v, EDE %v; want REFUSED, an OPT with EDE 18 only with EDNS", edns, dns.RcodeToString[r.Rcode], r.IsEdns0() != nil, ede)
		}
	}
	// A zone not ours: NOTAUTH.
	if _, _, err := xfr(p.addr, "other.", dns.TypeAXFR, 0, &xfrKey); err == nil || !strings.Contains(err.Error(), "bad authentication") {
		t.Errorf("AXFR of a zone not ours: %v, want NOTAUTH", err)
	}
	// Over UDP: REFUSED (RFC 5936 section 4.2), the single SOA for IXFR.
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.Exchange(new(dns.Msg).SetAxfr("example."), p.addr)
	if err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("AXFR over UDP: %v %v, want REFUSED", r, err)
	}
}

func TestResponderIXFR(t *testing.T) {
	z1, _ := compileZone(t, "example.", zoneText(1, 10))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "127.0.0.1")}, z1)
	z2, rrs2 := compileZone(t, "example.", zoneText(2, 10))
	v := func(s uint32) dns.RR { rr, _ := dns.NewRR(fmt.Sprintf("v.example. 300 IN TXT \"%d\"", s)); return rr }
	p.update(t, z2, zone.Diff{Removed: []dns.RR{z1.SOA(), v(1)}, Added: []dns.RR{z2.SOA(), v(2)}})

	// The client at serial 1: the delta (RFC 1995 section 4).
	got, _, err := xfr(p.addr, "example.", dns.TypeIXFR, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []dns.RR{z2.SOA(), z1.SOA(), v(1), z2.SOA(), v(2), z2.SOA()}
	sameSequence(t, got, want)
	// A serial the journal does not have: the whole zone, AXFR-style.
	got, _, err = xfr(p.addr, "example.", dns.TypeIXFR, 0xfffffff0, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameSequence(t, got, append(rrs2, rrs2[0]))
	// Up to date, or newer (RFC 1982): the single SOA.
	for _, s := range []uint32{2, 3} {
		m := new(dns.Msg).SetIxfr("example.", s, "ns1.example.", "hostmaster.example.")
		for _, net := range []string{"tcp", "udp"} {
			r, _, err := (&dns.Client{Net: net, Timeout: 2 * time.Second}).Exchange(m, p.addr)
			if err != nil || len(r.Answer) != 1 || r.Answer[0].(*dns.SOA).Serial != 2 {
				t.Errorf("IXFR from %d over %s: %v %v, want the single SOA", s, net, r, err)
			}
		}
	}
	// Over UDP, an older client gets the single SOA too (RFC 1995 section 2).
	m := new(dns.Msg).SetIxfr("example.", 1, "ns1.example.", "hostmaster.example.")
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, p.addr)
	if err != nil || len(r.Answer) != 1 || !r.Authoritative {
		t.Errorf("IXFR over UDP: %v %v, want the single SOA", r, err)
	}
	// No SOA in authority: FORMERR (RFC 1995 section 3).
	m = new(dns.Msg)
	m.SetQuestion("example.", dns.TypeIXFR)
	r, _, err = (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, p.addr)
	if err != nil || r.Rcode != dns.RcodeFormatError {
		t.Errorf("IXFR without SOA: %v %v, want FORMERR", r, err)
	}
}

// exchangeSigned sends m signed with key, checking the reply's TSIG against
// secret, and returns the reply and the client's error.
func exchangeSigned(addr, net string, m *dns.Msg, name, secret string, at time.Time) (*dns.Msg, error) {
	m.SetTsig(name, dns.HmacSHA256, 300, at.Unix())
	c := &dns.Client{Net: net, Timeout: 2 * time.Second, TsigSecret: map[string]string{name: secret}}
	r, _, err := c.Exchange(m, addr)
	return r, err
}

func TestTSIGErrors(t *testing.T) {
	z, _ := compileZone(t, "example.", zoneText(1, 0))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "key xfr-key")}, z)
	q := func() *dns.Msg { return new(dns.Msg).SetQuestion("www.example.", dns.TypeA) }

	// A good signature: the server's answer, signed (the client checks it).
	r, err := exchangeSigned(p.addr, "udp", q(), xfrKey.Name, xfrKey.Secret, time.Now())
	if err != nil || len(r.Answer) != 1 || r.IsTsig() == nil {
		t.Fatalf("signed query: %v %v", r, err)
	}
	for _, c := range []struct {
		name, secret string
		at           time.Time
		tsigErr      uint16
		signed       bool
	}{
		{"nokey.", xfrKey.Secret, time.Now(), dns.RcodeBadKey, false},
		{xfrKey.Name, "d3Jvbmcgc2VjcmV0", time.Now(), dns.RcodeBadSig, false},
		{xfrKey.Name, xfrKey.Secret, time.Now().Add(-time.Hour), dns.RcodeBadTime, true},
	} {
		r, _ := exchangeSigned(p.addr, "tcp", q(), c.name, c.secret, c.at)
		if r == nil || r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != c.tsigErr {
			t.Errorf("%s: got %v, want NOTAUTH with TSIG error %s", dns.RcodeToString[int(c.tsigErr)], r, dns.RcodeToString[int(c.tsigErr)])
			continue
		}
		ts := r.IsTsig()
		if (ts.MAC != "") != c.signed {
			t.Errorf("%s: MAC %q, want signed=%v (RFC 8945 section 5.2)", dns.RcodeToString[int(c.tsigErr)], ts.MAC, c.signed)
		}
		if c.tsigErr == dns.RcodeBadTime {
			// Our time in Other Data (RFC 8945 section 5.2.3), the request's
			// time in Time Signed.
			if ts.OtherLen != 6 || ts.TimeSigned != uint64(c.at.Unix()) {
				t.Errorf("BADTIME: other %q time signed %d", ts.OtherData, ts.TimeSigned)
			}
		}
	}
}

func TestNotifyIn(t *testing.T) {
	z, _ := compileZone(t, "example.", zoneText(1, 0))
	p := startPrimary(t, Policy{AllowNotify: mustACL(t, "key xfr-key")}, z)
	c := &dns.Client{Timeout: 2 * time.Second}
	notify := func(origin string) *dns.Msg {
		m := new(dns.Msg).SetNotify(origin)
		soa, _ := dns.NewRR(origin + " 300 IN SOA ns1. h. 7 1 1 1 1")
		m.Answer = []dns.RR{soa}
		return m
	}
	// Unsigned: REFUSED (RFC 1996 section 3.10; NSD and BIND answer REFUSED).
	if r, _, err := c.Exchange(notify("example."), p.addr); err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("unsigned NOTIFY: %v %v, want REFUSED", r, err)
	}
	// Signed with the key: accepted, and the serial passed on.
	r, err := exchangeSigned(p.addr, "udp", notify("Example."), xfrKey.Name, xfrKey.Secret, time.Now())
	if err != nil || r.Rcode != dns.RcodeSuccess || !r.Authoritative || r.Opcode != dns.OpcodeNotify || len(r.Question) != 1 || len(r.Answer) != 0 {
		t.Errorf("signed NOTIFY: %v %v, want NOERROR, AA, the question and no data (RFC 1996 section 4.7)", r, err)
	}
	if got := p.notified(); !slices.Equal(got, []string{"example. xfr-key. 7"}) {
		t.Errorf("OnNotify got %q", got)
	}
	// Not a zone of ours: NOTAUTH.
	// (The client reports NOTAUTH as an error.)
	if r, _ := exchangeSigned(p.addr, "udp", notify("other."), xfrKey.Name, xfrKey.Secret, time.Now()); r == nil || r.Rcode != dns.RcodeNotAuth {
		t.Errorf("NOTIFY for other.: %v, want NOTAUTH", r)
	}
	// Not for the SOA: FORMERR.
	m := notify("example.")
	m.Question[0].Qtype = dns.TypeA
	if r, err := exchangeSigned(p.addr, "udp", m, xfrKey.Name, xfrKey.Secret, time.Now()); err != nil || r.Rcode != dns.RcodeFormatError {
		t.Errorf("NOTIFY for A: %v %v, want FORMERR", r, err)
	}
}
