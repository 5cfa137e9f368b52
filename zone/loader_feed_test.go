package zone

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// builtZone builds reloadZone(origin, serial) as a transfer would bring it.
func builtZone(t *testing.T, origin string, serial int) (*Zone, LoadResult) {
	t.Helper()
	var rrs []dns.RR
	for _, r := range parseZoneText(t, origin, reloadZone(origin, serial)) {
		rrs = append(rrs, r.RR)
	}
	z, res, err := Build(origin, rrs, DNSSECOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return z, res
}

// publishLog records the Published calls as "origin old->new" serials, "-" for nil.
type publishLog struct {
	mu    sync.Mutex
	calls []string
}

func (p *publishLog) record(origin string, old, new *Zone) {
	s := func(z *Zone) string {
		if z == nil {
			return "-"
		}
		return fmt.Sprint(z.Serial())
	}
	p.mu.Lock()
	p.calls = append(p.calls, origin+" "+s(old)+"->"+s(new))
	p.mu.Unlock()
}

// take returns the calls so far and forgets them.
func (p *publishLog) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

func TestLoaderFeed(t *testing.T) {
	d := newZoneDir(t)
	file := d.write("example.com.zone", reloadZone("example.com.", 1))
	var (
		store Store
		log   publishLog
	)
	m := NewLoaderMetrics(prometheus.NewRegistry())
	l, err := NewLoader(&store, []ZoneFile{file}, LoaderOptions{Metrics: m, Published: log.record})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	if got := log.take(); !slices.Equal(got, []string{"example.com. -->1"}) {
		t.Errorf("LoadAll published %q", got)
	}

	z5, res := builtZone(t, "example.net.", 5)
	if err := l.Feed("Example.NET", z5, res); err != nil {
		t.Fatal(err)
	}
	if serving(&store, "example.net.") != 5 || serving(&store, "example.com.") != 1 || l.Zone("example.net.") != z5 {
		t.Fatalf("after Feed: example.net. serial %d, example.com. %d", serving(&store, "example.net."), serving(&store, "example.com."))
	}
	if got := value(t, m.serial.WithLabelValues("example.net.")); got != 5 {
		t.Errorf("serial metric of the fed zone = %v, want 5", got)
	}
	if got := value(t, m.records.WithLabelValues("example.net.")); got != 5 {
		t.Errorf("records metric of the fed zone = %v, want 5", got)
	}
	z6, res6 := builtZone(t, "example.net.", 6)
	if err := l.Feed("example.net.", z6, res6); err != nil {
		t.Fatal(err)
	}
	if got := log.take(); !slices.Equal(got, []string{"example.net. -->5", "example.net. 5->6"}) {
		t.Errorf("Feed published %q", got)
	}

	// A reload of the file leaves the fed zone alone, and is published too.
	d.write("example.com.zone", reloadZone("example.com.", 2))
	results, err := l.Reload()
	if err != nil || len(results) != 1 || results[0].Origin != "example.com." {
		t.Fatalf("Reload: %v %+v", err, results)
	}
	if serving(&store, "example.net.") != 6 || serving(&store, "example.com.") != 2 {
		t.Errorf("after Reload: example.net. %d, example.com. %d", serving(&store, "example.net."), serving(&store, "example.com."))
	}
	if got := log.take(); !slices.Equal(got, []string{"example.com. 1->2"}) {
		t.Errorf("Reload published %q", got)
	}
	if zs := l.Zones(); len(zs) != 2 {
		t.Errorf("Zones() = %d zones, want 2", len(zs))
	}

	// Unavailable, then available again with the version held.
	if err := l.SetUnavailable("example.net.", Expired); err != nil {
		t.Fatal(err)
	}
	found := store.Current().Find("www.example.net.", dns.TypeA)
	if found == nil || found.Origin() != "example.net." || l.Zone("example.net.") != nil {
		t.Fatalf("an expired zone must stay in the set (found %v) and have no version", found)
	}
	var a Answer
	found.Lookup("www.example.net.", dns.TypeA, &a)
	if a.Rcode != dns.RcodeServerFailure || a.EDE != int16(dns.ExtendedErrorCodeInvalidData) {
		t.Errorf("expired zone answers rcode %d EDE %d, want SERVFAIL and 24", a.Rcode, a.EDE)
	}
	if err := l.SetUnavailable("example.net.", Available); err != nil || l.Zone("example.net.") != z6 {
		t.Errorf("Available: %v, version %v", err, l.Zone("example.net."))
	}
	if got := log.take(); !slices.Equal(got, []string{"example.net. 6->-", "example.net. -->6"}) {
		t.Errorf("SetUnavailable published %q", got)
	}

	if err := l.Remove("example.net."); err != nil {
		t.Fatal(err)
	}
	if z := store.Current().Find("www.example.net.", dns.TypeA); z != nil {
		t.Errorf("a removed zone is still found: %s", z.Origin())
	}
	if got := log.take(); !slices.Equal(got, []string{"example.net. 6->-"}) {
		t.Errorf("Remove published %q", got)
	}
	if n := testutilCount(m.serial); n != 1 {
		t.Errorf("%d serial series after Remove, want the file zone's only", n)
	}
}

// testutilCount returns how many series a gauge vector holds.
func testutilCount(v *prometheus.GaugeVec) int {
	ch := make(chan prometheus.Metric, 16)
	go func() { v.Collect(ch); close(ch) }()
	n := 0
	for range ch {
		n++
	}
	return n
}

func TestLoaderFeedRejects(t *testing.T) {
	d := newZoneDir(t)
	l, _, _ := newTestLoader(t, d.write("example.com.zone", reloadZone("example.com.", 1)))
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	zc, res := builtZone(t, "example.com.", 2)
	zn, _ := builtZone(t, "example.net.", 2)
	for name, err := range map[string]error{
		"feed a file zone":          l.Feed("example.com.", zc, res),
		"feed another origin":       l.Feed("example.org.", zn, res),
		"feed nil":                  l.Feed("example.org.", nil, res),
		"feed a bad origin":         l.Feed("a..b", zn, res),
		"file zone unavailable":     l.SetUnavailable("example.com.", Expired),
		"available without version": l.SetUnavailable("example.org.", Available),
		"unknown state":             l.SetUnavailable("example.org.", Unavailable(9)),
		"remove a file zone":        l.Remove("example.com."),
		"remove a zone not served":  l.Remove("example.org."),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if l.Zone("example.com.").Serial() != 1 {
		t.Errorf("the file zone changed")
	}
}

// TestLoaderOnlyFed: a node that is only a secondary has no zone files.
func TestLoaderOnlyFed(t *testing.T) {
	var store Store
	l, err := NewLoader(&store, nil, LoaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetUnavailable("example.net.", NotReady); err != nil { // before LoadAll
		t.Fatal(err)
	}
	if results, err := l.LoadAll(); err != nil || len(results) != 0 {
		t.Fatalf("LoadAll: %v %v", results, err)
	}
	z := store.Current().Find("example.net.", dns.TypeSOA)
	if z == nil {
		t.Fatal("the not-ready zone is not in the set")
	}
	var a Answer
	z.LookupDNSSEC("x.example.net.", dns.TypeA, &a)
	if a.Rcode != dns.RcodeServerFailure || a.EDE != int16(dns.ExtendedErrorCodeNotReady) || a.Authoritative {
		t.Errorf("not-ready zone answers rcode %d EDE %d AA %v", a.Rcode, a.EDE, a.Authoritative)
	}
	if _, err := l.Reload(); err != nil {
		t.Errorf("Reload with fed zones only: %v", err)
	}
	zn, res := builtZone(t, "example.net.", 3)
	if err := l.Feed("example.net.", zn, res); err != nil {
		t.Fatal(err)
	}
	if serving(&store, "example.net.") != 3 {
		t.Errorf("fed zone serial %d, want 3", serving(&store, "example.net."))
	}
}

// TestLoaderFeedConcurrent: Feed, Reload and a callback that calls the Loader run
// at once; each publish is one set holding every zone, and the callbacks come in
// publish order.
func TestLoaderFeedConcurrent(t *testing.T) {
	d := newZoneDir(t)
	file := d.write("example.com.zone", reloadZone("example.com.", 1))
	var (
		store Store
		mu    sync.Mutex
		last  = map[string]uint32{}
		bad   []string
		l     *Loader
	)
	published := func(origin string, old, new *Zone) {
		mu.Lock()
		defer mu.Unlock()
		if old != nil && old.Serial() != last[origin] {
			bad = append(bad, fmt.Sprintf("%s: old %d after %d", origin, old.Serial(), last[origin]))
		}
		last[origin] = new.Serial()
		_ = l.Zone(origin) // a callback may call the Loader
	}
	l, err := NewLoader(&store, []ZoneFile{file}, LoaderOptions{Published: published})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	const feeds = 50
	zs := make([]*Zone, feeds)
	for i := range zs {
		zs[i], _ = builtZone(t, "example.net.", i+1)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range feeds {
			if err := l.Feed("example.net.", zs[i], LoadResult{}); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		deadline := time.Now().Add(5 * time.Second)
		for i := 2; i < 10 && time.Now().Before(deadline); i++ {
			d.write("example.com.zone", reloadZone("example.com.", i))
			if _, err := l.Reload(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		for range 200 {
			if s := store.Current(); s != nil && s.Find("www.example.com.", dns.TypeA) == nil {
				t.Error("a published set lacks the file zone")
				return
			}
		}
	})
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 || last["example.net."] != feeds || last["example.com."] != 9 {
		t.Errorf("callbacks out of order %q; last serials %v", bad, last)
	}
}
