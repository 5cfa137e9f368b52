package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fakeZone is the SOA and n address records of the zone example.
func fakeZone(t *testing.T, n int) []dns.RR {
	rrs := []dns.RR{rr(t, fakeSOA)}
	for i := range n {
		rrs = append(rrs, rr(t, fmt.Sprintf("h%d.example. 300 IN A 192.0.2.%d", i, i%250+1)))
	}
	return rrs
}

// streamPlan says how the fake primary sends a transfer of messages messages:
// which are signed, and what it does to them.
type streamPlan struct {
	messages int
	signed   func(i int) bool            // nil: none (unsigned query)
	tamper   func(i int, wire []byte)    // changes message i's wire after signing
	edit     func(i int, m *dns.Msg)     // changes message i before signing
	records  func(t *testing.T) []dns.RR // the answer records in all, closing SOA included
	at       time.Time                   // the time signed; the zero Time: now
}

// axfrReply serves plan: the records split evenly over the messages.
func axfrReply(t *testing.T, key Key, plan streamPlan) fakeReply {
	return func(q *dns.Msg, raw []byte, _ netip.AddrPort, tcp bool) [][]byte {
		if !tcp {
			return nil
		}
		rrs := plan.records(t)
		var s *fakeSigner
		if plan.signed != nil {
			s = newSigner(t, key, raw, plan.at)
		}
		var out [][]byte
		per := len(rrs) / plan.messages
		for i := range plan.messages {
			lo, hi := i*per, (i+1)*per
			if i == plan.messages-1 {
				hi = len(rrs)
			}
			m := answerTo(q, 0, rrs[lo:hi]...)
			if i > 0 {
				m.Question = nil // RFC 5936 section 2.2.1 allows it
			}
			if plan.edit != nil {
				plan.edit(i, m)
			}
			var wire []byte
			switch {
			case s == nil:
				wire = pack(t, m)
			case plan.signed(i):
				wire = s.sign(t, m)
			default:
				wire = s.unsignedMsg(t, m)
			}
			if plan.tamper != nil {
				plan.tamper(i, wire)
			}
			out = append(out, wire)
		}
		return out
	}
}

func TestAXFRStream(t *testing.T) {
	key := testKey(t, "xfr-key")
	keys, _ := NewKeyring(key)
	zone := func(n int) func(t *testing.T) []dns.RR {
		return func(t *testing.T) []dns.RR { return append(fakeZone(t, n), rr(t, fakeSOA)) }
	}
	firstLast := func(n int) func(int) bool { return func(i int) bool { return i == 0 || i == n-1 } }
	tests := []struct {
		name    string
		key     string
		plan    streamPlan
		maxSize int64
		wantErr string
		tsigErr bool
		rcode   int
	}{
		{name: "unsigned, many messages", plan: streamPlan{messages: 50, records: zone(2000)}},
		{name: "every message signed", key: key.Name,
			plan: streamPlan{messages: 20, records: zone(500), signed: func(int) bool { return true }}},
		{name: "99 unsigned between the signed first and last", key: key.Name,
			plan: streamPlan{messages: 101, records: zone(1000), signed: firstLast(101)}},
		{name: "signed every 50th", key: key.Name,
			plan: streamPlan{messages: 151, records: zone(1000), signed: func(i int) bool { return i%50 == 0 }}},
		{name: "100 unsigned in a row", key: key.Name, wantErr: "more than 99", tsigErr: true,
			plan: streamPlan{messages: 102, records: zone(1000), signed: firstLast(102)}},
		{name: "unsigned last message", key: key.Name, wantErr: "not signed", tsigErr: true,
			plan: streamPlan{messages: 10, records: zone(100), signed: func(i int) bool { return i < 5 }}},
		{name: "unsigned first message", key: key.Name, wantErr: "not signed", tsigErr: true,
			plan: streamPlan{messages: 10, records: zone(100), signed: func(i int) bool { return i > 0 }}},
		{name: "tampered unsigned intermediate", key: key.Name, wantErr: "BADSIG", tsigErr: true,
			plan: streamPlan{messages: 10, records: zone(100), signed: firstLast(10),
				tamper: func(i int, wire []byte) {
					if i == 4 {
						wire[len(wire)-1] ^= 1 // the last address's last byte
					}
				}}},
		{name: "skewed primary clock", key: key.Name, wantErr: "BADTIME", tsigErr: true,
			plan: streamPlan{messages: 3, records: zone(100), signed: func(int) bool { return true },
				at: time.Now().Add(time.Hour)}},
		{name: "size cap", maxSize: 20000, wantErr: "cap of 20000 bytes",
			plan: streamPlan{messages: 20, records: zone(2000)}},
		{name: "error rcode mid-transfer", wantErr: "SERVFAIL", rcode: dns.RcodeServerFailure,
			plan: streamPlan{messages: 5, records: zone(100), edit: func(i int, m *dns.Msg) {
				if i == 2 {
					m.Rcode = dns.RcodeServerFailure
				}
			}}},
		{name: "another ID mid-transfer", wantErr: "does not answer query",
			plan: streamPlan{messages: 5, records: zone(100), edit: func(i int, m *dns.Msg) {
				if i == 3 {
					m.Id++
				}
			}}},
		{name: "another question mid-transfer", wantErr: "question",
			plan: streamPlan{messages: 5, records: zone(100), edit: func(i int, m *dns.Msg) {
				if i == 3 {
					m.Question = []dns.Question{{Name: "other.", Qtype: dns.TypeAXFR, Qclass: dns.ClassINET}}
				}
			}}},
		{name: "no SOA first", wantErr: "not the SOA",
			plan: streamPlan{messages: 2, records: func(t *testing.T) []dns.RR { return fakeZone(t, 10)[1:] }}},
		{name: "another SOA at the end", wantErr: "differs from the first",
			plan: streamPlan{messages: 2, records: func(t *testing.T) []dns.RR {
				return append(fakeZone(t, 10), rr(t, strings.Replace(fakeSOA, "2024010101", "2024010102", 1)))
			}}},
		{name: "records after the closing SOA", wantErr: "after the closing SOA",
			plan: streamPlan{messages: 1, records: func(t *testing.T) []dns.RR {
				return append(fakeZone(t, 10), rr(t, fakeSOA), rr(t, "x.example. 300 IN A 192.0.2.9"))
			}}},
		{name: "closed before the end", wantErr: "closed the connection",
			plan: streamPlan{messages: 3, records: func(t *testing.T) []dns.RR { return fakeZone(t, 100) }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, axfrReply(t, key, tt.plan))
			c := &Client{Keys: keys, Timeout: 2 * time.Second, MaxSize: tt.maxSize}
			got, err := c.AXFR(context.Background(), Remote{Addr: f.addr, Key: tt.key}, "example.")
			if tt.wantErr != "" {
				wantError(t, err, tt.wantErr, tt.tsigErr, tt.rcode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.plan.records(t)
			want = want[:len(want)-1]
			if len(got.Full) != len(want) || got.Messages != tt.plan.messages || got.SOA.Serial != 2024010101 {
				t.Fatalf("got %d records in %d messages, SOA %v; want %d in %d", len(got.Full), got.Messages, got.SOA, len(want), tt.plan.messages)
			}
			for i := range want {
				if !dns.IsDuplicate(got.Full[i], want[i]) {
					t.Fatalf("record %d = %v, want %v", i, got.Full[i], want[i])
				}
			}
		})
	}
}

func TestAXFRIdleTimeout(t *testing.T) {
	f := startFake(t, func(*dns.Msg, []byte, netip.AddrPort, bool) [][]byte {
		time.Sleep(time.Second) // holds the connection open, silent
		return nil
	})
	c := &Client{Timeout: 300 * time.Millisecond}
	start := time.Now()
	if _, err := c.AXFR(context.Background(), Remote{Addr: f.addr}, "example."); err == nil {
		t.Fatal("no error from a primary that never answers")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about the 300ms timeout", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c.Timeout = time.Minute
	if _, err := c.AXFR(ctx, Remote{Addr: f.addr}, "example."); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v after the context's end, want %v", err, context.DeadlineExceeded)
	}
}
