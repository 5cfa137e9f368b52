package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// The in-memory stand-ins of the parts the engine drives: a primary that answers
// SOA, IXFR and AXFR from the versions it holds, a publisher that builds real
// zones with zone.Compile, a journal and a notifier that record their calls.

const origin = "example."

// version returns the records of origin at serial: SOA refresh 100 s, retry 20 s,
// expire 1000 s; extra records are zone text.
func version(serial uint32, extra ...string) []dns.RR {
	text := append([]string{
		fmt.Sprintf("example. 3600 IN SOA ns.example. host.example. %d 100 20 1000 60", serial),
		"example. 3600 IN NS ns.example.",
		"ns.example. 3600 IN A 192.0.2.53",
		fmt.Sprintf("v.example. 3600 IN TXT \"%d\"", serial),
	}, extra...)
	rrs := make([]dns.RR, len(text))
	for i, s := range text {
		rrs[i] = mustRR(s)
	}
	return rrs
}

// brokenVersion fails the checks of a master file: a CNAME beside other data.
func brokenVersion(serial uint32) []dns.RR {
	return version(serial, "ns.example. 3600 IN CNAME elsewhere.example.")
}

// fakePrimary is a primary holding versions of origin, the newest serving.
type fakePrimary struct {
	mu        sync.Mutex
	start     time.Time
	versions  map[uint32][]dns.RR
	serial    uint32
	down      bool   // every query fails
	ixfr      string // "": diffs; "refused": an error; "mismatch": diffs that do not apply; "full": AXFR-style; "uptodate"
	axfrErr   bool
	expire    uint32 // EDNS EXPIRE option (RFC 7314) in every reply when hasExpire
	hasExpire bool
	calls     []string      // "soa 10s", "ixfr 1 10s", "axfr 10s"
	gate      chan struct{} // when set, an SOA query waits for it
}

func newFakePrimary(rrs []dns.RR) *fakePrimary {
	p := &fakePrimary{start: time.Now(), versions: map[uint32][]dns.RR{}}
	p.publish(rrs)
	return p
}

// publish makes rrs the primary's newest version.
func (p *fakePrimary) publish(rrs []dns.RR) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := rrs[0].(*dns.SOA).Serial
	p.versions[s], p.serial = rrs, s
}

func (p *fakePrimary) set(f func(p *fakePrimary)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *fakePrimary) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

var errDown = errors.New("connection refused")

func (p *fakePrimary) call(format string, args ...any) error {
	p.calls = append(p.calls, fmt.Sprintf(format, args...)+" "+time.Since(p.start).String())
	if p.down {
		return errDown
	}
	return nil
}

func (p *fakePrimary) QuerySOA(ctx context.Context, r Remote, o string) (soaResult, error) {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return soaResult{}, ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call("soa"); err != nil {
		return soaResult{}, err
	}
	return soaResult{SOA: p.versions[p.serial][0].(*dns.SOA), Expire: p.expire, HasExpire: p.hasExpire}, nil
}

func (p *fakePrimary) AXFR(ctx context.Context, r Remote, o string) (*received, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call("axfr"); err != nil {
		return nil, err
	}
	if p.axfrErr {
		return nil, errors.New("REFUSED")
	}
	return p.whole(), nil
}

func (p *fakePrimary) whole() *received {
	rrs := p.versions[p.serial]
	return &received{Full: rrs, SOA: rrs[0].(*dns.SOA), Expire: p.expire, HasExpire: p.hasExpire}
}

func (p *fakePrimary) IXFR(ctx context.Context, r Remote, o string, have *dns.SOA) (*received, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.call("ixfr %d", have.Serial); err != nil {
		return nil, err
	}
	cur := p.versions[p.serial]
	switch p.ixfr {
	case "refused":
		return nil, errors.New("REFUSED")
	case "full":
		return p.whole(), nil
	case "uptodate":
		return &received{SOA: have, UpToDate: true}, nil
	}
	old, ok := p.versions[have.Serial]
	if !ok {
		return p.whole(), nil
	}
	d := diffOf(old, cur)
	if p.ixfr == "mismatch" {
		d.Removed = append(d.Removed, mustRR("absent.example. 3600 IN A 192.0.2.99"))
	}
	return &received{Diffs: []diff{d}, SOA: cur[0].(*dns.SOA), Expire: p.expire, HasExpire: p.hasExpire}, nil
}

// diffOf is the records only in a (old SOA first) and only in b (new SOA first).
func diffOf(a, b []dns.RR) diff {
	in := func(rr dns.RR, set []dns.RR) bool {
		return slices.ContainsFunc(set, func(x dns.RR) bool { return dns.IsDuplicate(x, rr) })
	}
	d := diff{Removed: []dns.RR{a[0]}, Added: []dns.RR{b[0]}}
	for _, rr := range a[1:] {
		if !in(rr, b) {
			d.Removed = append(d.Removed, rr)
		}
	}
	for _, rr := range b[1:] {
		if !in(rr, a) {
			d.Added = append(d.Added, rr)
		}
	}
	return d
}

// fakePublisher builds real zones and records what it publishes.
type fakePublisher struct {
	mu      sync.Mutex
	records map[*zone.Zone][]dns.RR
	serving map[string]string // origin: "serial N", "not ready", "expired"
	events  []string
}

func newFakePublisher() *fakePublisher {
	return &fakePublisher{records: map[*zone.Zone][]dns.RR{}, serving: map[string]string{}}
}

func (p *fakePublisher) Load(o, path string) (*zone.Zone, zone.LoadResult, error) {
	recs, err := zonefile.Read(zonefile.FileSource(path), o)
	if err != nil {
		return nil, zone.LoadResult{}, err
	}
	rrs := make([]dns.RR, len(recs))
	for i, r := range recs {
		rrs[i] = r.RR
	}
	return p.Build(o, rrs)
}

func (p *fakePublisher) Build(o string, rrs []dns.RR) (*zone.Zone, zone.LoadResult, error) {
	recs := make([]zonefile.Record, len(rrs))
	for i, rr := range rrs {
		recs[i] = zonefile.Record{RR: rr, File: "transfer", Line: i + 1}
	}
	z, err := zone.Compile(o, recs)
	if err != nil {
		return nil, zone.LoadResult{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.records[z] = rrs
	return z, zone.LoadResult{Origin: o, Serial: z.Serial(), Records: len(rrs)}, nil
}

var errMismatch = errors.New("diff does not apply")

func (p *fakePublisher) Apply(z *zone.Zone, diffs []diff) (*zone.Zone, zone.LoadResult, error) {
	rrs := p.Records(z)
	for _, d := range diffs {
		if d.Removed[0].(*dns.SOA).Serial != rrs[0].(*dns.SOA).Serial {
			return nil, zone.LoadResult{}, errMismatch
		}
		for _, rm := range d.Removed[1:] {
			i := slices.IndexFunc(rrs, func(x dns.RR) bool { return dns.IsDuplicate(x, rm) })
			if i < 0 {
				return nil, zone.LoadResult{}, errMismatch
			}
			rrs = slices.Delete(slices.Clone(rrs), i, i+1)
		}
		rrs = append([]dns.RR{d.Added[0]}, append(slices.Clone(rrs[1:]), d.Added[1:]...)...)
	}
	return p.Build(z.Origin(), rrs)
}

func (p *fakePublisher) DiffOf(a, b *zone.Zone) diff { return diffOf(p.Records(a), p.Records(b)) }

func (p *fakePublisher) Records(z *zone.Zone) []dns.RR {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.records[z]
}

func (p *fakePublisher) event(o, state string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, o+" "+state)
	p.serving[o] = state
	return nil
}

func (p *fakePublisher) Feed(o string, z *zone.Zone, _ zone.LoadResult) error {
	return p.event(o, fmt.Sprintf("serial %d", z.Serial()))
}

func (p *fakePublisher) SetUnavailable(o string, why unavailable) error {
	switch why {
	case notReady:
		return p.event(o, "not ready")
	case expired:
		return p.event(o, "expired")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, o+" available")
	return nil
}

func (p *fakePublisher) Remove(o string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.serving, o)
	p.events = append(p.events, o+" removed")
	return nil
}

// state is what origin serves now.
func (p *fakePublisher) state(o string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.serving[o]
}

// recorder is a journal and a notifier that record their calls.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func (r *recorder) log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) Add(o string, d diff) {
	r.add("journal %s %d-%d", o, d.Removed[0].(*dns.SOA).Serial, d.Added[0].(*dns.SOA).Serial)
}

func (r *recorder) Drop(o string) { r.add("drop %s", o) }

func (r *recorder) Notify(ctx context.Context, o string, serial uint32, targets []Remote) {
	r.add("notify %s %d %d", o, serial, len(targets))
}

// writeText writes rrs one per line, as a master file zonefile.Read reads back.
func writeText(w io.Writer, _ string, rrs []dns.RR) error {
	for _, rr := range rrs {
		if _, err := fmt.Fprintln(w, rr.String()); err != nil {
			return err
		}
	}
	return nil
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}
