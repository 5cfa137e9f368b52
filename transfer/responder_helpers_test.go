package transfer

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/server"
	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// compileZone compiles the master file text at origin and returns the zone and
// its records in AXFR order (Zone.Records: SOA first, then canonical order).
func compileZone(t testing.TB, origin, text string) (*zone.Zone, []dns.RR) {
	t.Helper()
	recs, err := zonefile.Read(zonefile.Source{FS: fstest.MapFS{"z": {Data: []byte(text)}}, Name: "z", Path: "z"}, origin)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zone.Compile(origin, recs)
	if err != nil {
		t.Fatal(err)
	}
	return z, z.Records()
}

// xfrKey is the TSIG key the tests share with the clients.
var xfrKey = func() Key {
	k, err := NewKey("xfr-key", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==")
	if err != nil {
		panic(err)
	}
	return k
}()

// primary is a server.Server with a Responder on loopback, serving zones that the
// test may replace.
type primary struct {
	addr    string // host:port, UDP and TCP
	store   *zone.Store
	journal *Journal

	mu       sync.Mutex
	zones    map[string]*zone.Zone
	policy   Policy
	notifies []string
	now      time.Time // zero: the clock
}

// startPrimary serves zones with policy on 127.0.0.1.
func startPrimary(t *testing.T, policy Policy, zones ...*zone.Zone) *primary {
	t.Helper()
	p := &primary{store: new(zone.Store), journal: &Journal{}, zones: map[string]*zone.Zone{}, policy: policy}
	for _, z := range zones {
		p.zones[z.Origin()] = z
	}
	p.publish(t)
	keys, err := NewKeyring(xfrKey)
	if err != nil {
		t.Fatal(err)
	}
	r := NewResponder(ResponderConfig{
		Keys:    keys,
		Zone:    p.zone,
		Policy:  p.policyOf,
		Journal: p.journal,
		OnNotify: func(origin string, from netip.AddrPort, key string, serial uint32, has bool) bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.notifies = append(p.notifies, strings.Join([]string{origin, key, serialText(serial, has)}, " "))
			return true
		},
		Now:    p.clock,
		Logger: zap.NewNop(),
	})
	s, err := server.New(server.Config{Listen: []string{"127.0.0.1:0"}, Identity: "primary.test"}, p.store,
		server.Options{Transfers: r, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	p.addr = s.Addrs()[0].(*net.UDPAddr).String()
	return p
}

func serialText(serial uint32, has bool) string {
	if !has {
		return "-"
	}
	return strconv.FormatUint(uint64(serial), 10)
}

func (p *primary) zone(origin string) *zone.Zone {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.zones[origin]
}

func (p *primary) policyOf(origin string) (Policy, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.zones[origin]
	return p.policy, ok
}

func (p *primary) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.now.IsZero() {
		return time.Now()
	}
	return p.now
}

// update serves z in place of the version of its origin, recording d in the
// journal.
func (p *primary) update(t *testing.T, z *zone.Zone, d zone.Diff) {
	p.mu.Lock()
	p.zones[z.Origin()] = z
	p.mu.Unlock()
	p.journal.Add(z.Origin(), d)
	p.publish(t)
}

func (p *primary) publish(t *testing.T) {
	p.mu.Lock()
	var zs []*zone.Zone
	for _, z := range p.zones {
		zs = append(zs, z)
	}
	p.mu.Unlock()
	set, err := zone.NewSet(zs...)
	if err != nil {
		t.Fatal(err)
	}
	p.store.Publish(set)
}

func (p *primary) notified() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.notifies...)
}

func mustACL(t testing.TB, rules ...string) ACL {
	t.Helper()
	a, err := ParseACL(rules)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
