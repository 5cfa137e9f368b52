package transfer

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"
)

// An AXFR whose request carries an EDNS EXPIRE option gets it in every message
// (RFC 7314 section 3), with the SOA's EXPIRE on a primary; one that did not ask
// gets none.
func TestAXFRExpireOption(t *testing.T) {
	z, _ := compileZone(t, "example.", zoneText(1, 3000))
	p := startPrimary(t, Policy{AllowTransfer: mustACL(t, "127.0.0.0/8")}, z)
	for _, asked := range []bool{true, false} {
		m := new(dns.Msg).SetAxfr("example.")
		m.SetEdns0(1232, false)
		if asked {
			m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true})
		}
		co, err := dns.DialTimeout("tcp", p.addr, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		co.SetDeadline(time.Now().Add(10 * time.Second))
		if err := co.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
		soas, msgs := 0, 0
		for soas < 2 {
			r, err := co.ReadMsg()
			if err != nil {
				t.Fatalf("asked=%v: message %d: %v", asked, msgs, err)
			}
			msgs++
			for _, rr := range r.Answer {
				if rr.Header().Rrtype == dns.TypeSOA {
					soas++
				}
			}
			var got *dns.EDNS0_EXPIRE
			if o := r.IsEdns0(); o != nil {
				for _, e := range o.Option {
					if x, ok := e.(*dns.EDNS0_EXPIRE); ok {
						got = x
					}
				}
			}
			switch {
			case asked && (got == nil || got.Empty || got.Expire != 1209600):
				t.Errorf("message %d: EXPIRE %+v, want 1209600", msgs, got)
			case !asked && got != nil:
				t.Errorf("message %d: EXPIRE %+v, not asked for", msgs, got)
			}
		}
		co.Close()
		if msgs < 2 {
			t.Errorf("asked=%v: the zone came in %d message(s), want several", asked, msgs)
		}
	}
}

// A secondary's EXPIRE value is the time left on its copy, rounded up to whole
// seconds and 0 once past (RFC 7314 section 3); a zone that is not a secondary
// one gives its SOA's EXPIRE.
func TestSecondaryExpireValue(t *testing.T) {
	held, _ := compileZone(t, origin, zoneText(1, 0))
	other, _ := compileZone(t, "other.", `$ORIGIN other.
@ 300 SOA ns1 hostmaster 1 7200 3600 4321 300
@ 300 NS ns1
ns1 300 A 192.0.2.1
`)
	synctest.Test(t, func(t *testing.T) {
		p, h := started(t)
		p.set(func(p *fakePrimary) { p.down = true })
		if got := h.sec.Expire(other); got != 4321 {
			t.Errorf("zone not a secondary: EXPIRE %d, want its SOA's 4321", got)
		}
		for _, c := range []struct {
			after time.Duration
			want  uint32
		}{
			{0, 1000}, {399*sec + 500*time.Millisecond, 601}, {500 * time.Millisecond, 600}, {600 * sec, 0}, {100 * sec, 0},
		} {
			h.sleep(c.after)
			if got := h.sec.Expire(held); got != c.want {
				t.Errorf("at %v: EXPIRE %d, want %d", time.Since(h.start), got, c.want)
			}
		}
	})
}
