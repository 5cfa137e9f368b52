package transfer

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// soaN is the SOA of example with serial n.
func soaN(t *testing.T, n uint32) dns.RR {
	return rr(t, strings.Replace(fakeSOA, "2024010101", fmt.Sprint(n), 1))
}

func TestIXFR(t *testing.T) {
	a1 := "a.example. 300 IN A 192.0.2.1"
	a2 := "a.example. 300 IN A 192.0.2.2"
	b := "b.example. 300 IN AAAA 2001:db8::b"
	text := func(rrs ...string) func(t *testing.T) []dns.RR {
		return func(t *testing.T) []dns.RR {
			var out []dns.RR
			for _, s := range rrs {
				if serial, err := strconv.ParseUint(s, 10, 32); err == nil {
					out = append(out, soaN(t, uint32(serial)))
					continue
				}
				out = append(out, rr(t, s))
			}
			return out
		}
	}
	tests := []struct {
		name      string
		records   func(t *testing.T) []dns.RR
		messages  int
		wantDiffs [][2][]string // removed, added, each as record text with the SOA as its serial
		wantFull  int           // records of an AXFR-style answer
		upToDate  bool
		wantErr   string
	}{
		{name: "two deltas", messages: 3,
			records: text("12", "10", a1, "11", a2, "11", a2, "12", b, "12"),
			wantDiffs: [][2][]string{
				{{"10", a1}, {"11", a2}},
				{{"11", a2}, {"12", b}},
			}},
		{name: "delta with nothing removed", messages: 1,
			records:   text("11", "10", "11", b, "11"),
			wantDiffs: [][2][]string{{{"10"}, {"11", b}}}},
		{name: "up to date", messages: 1, records: text("10"), upToDate: true},
		{name: "primary behind us", messages: 1, records: text("9"), upToDate: true},
		{name: "AXFR-style", messages: 2, records: text("12", a1, b, "12"), wantFull: 3},
		{name: "newer SOA alone", messages: 1, records: text("12"), wantErr: "alone"},
		{name: "first delta not from ours", messages: 1, records: text("12", "9", a1, "12", a2, "12"), wantErr: "not ours"},
		{name: "deltas do not chain", messages: 1,
			records: text("12", "10", a1, "11", a2, "13", a2, "12", b, "12"), wantErr: "ended at 11"},
		{name: "closing SOA differs", messages: 1,
			records: func(t *testing.T) []dns.RR {
				rrs := text("12", "10", a1, "12", a2)(t)
				closing := dns.Copy(soaN(t, 12)).(*dns.SOA)
				closing.Minttl = 1
				return append(rrs, closing)
			}, wantErr: "differs from the first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked *dns.Msg
			serve := axfrReply(t, Key{}, streamPlan{messages: tt.messages, records: tt.records})
			f := startFake(t, func(q *dns.Msg, raw []byte, from netip.AddrPort, tcp bool) [][]byte {
				asked = q
				return serve(q, raw, from, tcp)
			})
			c := &Client{Timeout: 2 * time.Second}
			got, err := c.IXFR(context.Background(), Remote{Addr: f.addr}, "example.", soaN(t, 10).(*dns.SOA))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// RFC 1995 section 3: our SOA in the authority section.
			if len(asked.Ns) != 1 || asked.Ns[0].(*dns.SOA).Serial != 10 || asked.Question[0].Qtype != dns.TypeIXFR {
				t.Errorf("query %v, want IXFR with our SOA (serial 10) in authority", asked)
			}
			if got.UpToDate != tt.upToDate || len(got.Full) != tt.wantFull || len(got.Diffs) != len(tt.wantDiffs) {
				t.Fatalf("got up to date %v, %d records, %d deltas; want %v, %d, %d",
					got.UpToDate, len(got.Full), len(got.Diffs), tt.upToDate, tt.wantFull, len(tt.wantDiffs))
			}
			for i, want := range tt.wantDiffs {
				for side, rrs := range [2][]dns.RR{got.Diffs[i].Removed, got.Diffs[i].Added} {
					if g, w := recordText(rrs), strings.Join(want[side], "; "); g != w {
						t.Errorf("delta %d side %d = %s, want %s", i, side, g, w)
					}
				}
			}
		})
	}
}

// recordText writes records as the test tables do: an SOA as its serial, the
// rest as zone text with tabs made spaces.
func recordText(rrs []dns.RR) string {
	var s []string
	for _, r := range rrs {
		if soa, ok := r.(*dns.SOA); ok {
			s = append(s, fmt.Sprint(soa.Serial))
			continue
		}
		s = append(s, strings.ReplaceAll(r.String(), "\t", " "))
	}
	return strings.Join(s, "; ")
}
