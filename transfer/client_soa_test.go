package transfer

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const fakeSOA = "example. 3600 IN SOA ns.example. admin.example. 2024010101 3600 600 86400 300"

func TestQuerySOA(t *testing.T) {
	key := testKey(t, "xfr-key")
	other := testKey(t, "other-key")
	keys, err := NewKeyring(key, other)
	if err != nil {
		t.Fatal(err)
	}
	soa := rr(t, fakeSOA)
	withExpire := func(m *dns.Msg) *dns.Msg {
		m.SetEdns0(1232, false)
		m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Expire: 7200})
		return m
	}
	tests := []struct {
		name    string
		key     string
		reply   fakeReply
		wantErr string // "" for success; else a part of the error
		tsigErr bool
		rcode   int // the RcodeError's rcode when not 0
		expire  bool
	}{
		{name: "signed with EXPIRE", key: key.Name, expire: true,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, _ bool) [][]byte {
				// RFC 7314 section 2: the query carries an empty EXPIRE option.
				opt := q.IsEdns0()
				if opt == nil || len(opt.Option) != 1 || !opt.Option[0].(*dns.EDNS0_EXPIRE).Empty {
					return nil
				}
				return [][]byte{newSigner(t, key, raw, time.Time{}).sign(t, withExpire(answerTo(q, 0, soa)))}
			}},
		{name: "unsigned", reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
			return [][]byte{pack(t, answerTo(q, 0, soa))}
		}},
		{name: "truncated over UDP, whole over TCP", key: key.Name,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, tcp bool) [][]byte {
				m := answerTo(q, 0)
				if tcp {
					m.Answer = []dns.RR{soa}
				} else {
					m.Truncated = true
				}
				return [][]byte{newSigner(t, key, raw, time.Time{}).sign(t, m)}
			}},
		{name: "refused over UDP, answered over TCP (a Knot catalog zone)", key: key.Name,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, tcp bool) [][]byte {
				if !tcp {
					return [][]byte{pack(t, answerTo(q, dns.RcodeRefused))} // unsigned, as Knot sends it
				}
				return [][]byte{newSigner(t, key, raw, time.Time{}).sign(t, answerTo(q, 0, soa))}
			}},
		{name: "unsigned reply to a signed query", key: key.Name, wantErr: "not signed", tsigErr: true,
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				return [][]byte{pack(t, answerTo(q, 0, soa))}
			}},
		{name: "signed by another key", key: key.Name, wantErr: "other-key", tsigErr: true,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, _ bool) [][]byte {
				s := newSigner(t, other, raw, time.Time{})
				return [][]byte{s.sign(t, answerTo(q, 0, soa))}
			}},
		{name: "bad MAC", key: key.Name, wantErr: "BADSIG", tsigErr: true,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, _ bool) [][]byte {
				wire := newSigner(t, key, raw, time.Time{}).sign(t, answerTo(q, 0, soa))
				wire[len(wire)-10] ^= 1 // inside the MAC, before orig ID, error, other len
				return [][]byte{wire}
			}},
		{name: "skewed primary clock", key: key.Name, wantErr: "BADTIME", tsigErr: true,
			reply: func(q *dns.Msg, raw []byte, _ netip.AddrPort, _ bool) [][]byte {
				return [][]byte{newSigner(t, key, raw, time.Now().Add(-time.Hour)).sign(t, answerTo(q, 0, soa))}
			}},
		{name: "BADKEY", key: key.Name, wantErr: "BADKEY", tsigErr: true,
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				m := answerTo(q, dns.RcodeNotAuth)
				m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
				m.IsTsig().Error = dns.RcodeBadKey
				return [][]byte{pack(t, m)}
			}},
		{name: "REFUSED", wantErr: "REFUSED", rcode: dns.RcodeRefused,
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				return [][]byte{pack(t, answerTo(q, dns.RcodeRefused))}
			}},
		{name: "not authoritative", wantErr: "not authoritative",
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				m := answerTo(q, 0, soa)
				m.Authoritative = false
				return [][]byte{pack(t, m)}
			}},
		{name: "SOA of another zone", wantErr: "no SOA",
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				return [][]byte{pack(t, answerTo(q, 0, rr(t, "other. 3600 IN SOA ns. admin. 1 1 1 1 1")))}
			}},
		{name: "wrong question", wantErr: "question",
			reply: func(q *dns.Msg, _ []byte, _ netip.AddrPort, _ bool) [][]byte {
				m := answerTo(q, 0, soa)
				m.Question[0].Qtype = dns.TypeA
				return [][]byte{pack(t, m)}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, tt.reply)
			c := &Client{Keys: keys, Timeout: 2 * time.Second, Source4: netip.MustParseAddr("127.0.0.2")}
			res, err := c.QuerySOA(context.Background(), Remote{Addr: f.addr, Key: tt.key}, "example")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if res.SOA == nil || res.SOA.Serial != 2024010101 {
					t.Errorf("SOA = %v, want serial 2024010101", res.SOA)
				}
				if res.HasExpire != tt.expire || (tt.expire && res.Expire != 7200) {
					t.Errorf("expire = %d, %v; want 7200, %v", res.Expire, res.HasExpire, tt.expire)
				}
				for _, from := range f.sources() {
					if from.Addr() != netip.MustParseAddr("127.0.0.2") {
						t.Errorf("query came from %s, not the source 127.0.0.2", from)
					}
				}
				return
			}
			wantError(t, err, tt.wantErr, tt.tsigErr, tt.rcode)
		})
	}
}

func TestQuerySOASilentPrimary(t *testing.T) {
	f := startFake(t, func(*dns.Msg, []byte, netip.AddrPort, bool) [][]byte { return nil })
	c := &Client{Timeout: 300 * time.Millisecond}
	start := time.Now()
	if _, err := c.QuerySOA(context.Background(), Remote{Addr: f.addr}, "example."); err == nil {
		t.Fatal("no error from a primary that never answers")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v, want about the 300ms timeout", d)
	}
}
