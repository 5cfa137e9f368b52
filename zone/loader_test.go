package zone

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// reloadZone returns a small zone of origin with serial; 5 records.
func reloadZone(origin string, serial int) string {
	return strings.NewReplacer("{origin}", origin, "{serial}", strconv.Itoa(serial)).Replace(`$ORIGIN {origin}
$TTL 300
@    IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
www  IN A   192.0.2.2
     IN AAAA 2001:db8::2
`)
}

// brokenReloadZone breaks line 4 (an A record whose address is not one).
const brokenReloadZone = `$ORIGIN example.com.
$TTL 300
@    IN SOA ns1 hostmaster 99 7200 3600 1209600 300
ns1  IN A   192.0.2.999
`

// zoneDir is a folder of zone files whose writes always change the modification time.
type zoneDir struct {
	t   *testing.T
	dir string
}

func newZoneDir(t *testing.T) *zoneDir { return &zoneDir{t: t, dir: t.TempDir()} }

// write writes name and moves its modification time a second past the last one, as
// a later edit would, whatever the file system's time resolution.
func (d *zoneDir) write(name, content string) ZoneFile {
	d.t.Helper()
	p := filepath.Join(d.dir, name)
	var prev time.Time
	if fi, err := os.Stat(p); err == nil {
		prev = fi.ModTime()
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
	if !prev.IsZero() {
		next := prev.Add(time.Second)
		if err := os.Chtimes(p, next, next); err != nil {
			d.t.Fatal(err)
		}
	}
	return ZoneFile{Origin: strings.TrimSuffix(name, "zone"), Source: zonefile.FileSource(p)}
}

// serving returns the serial of origin in the store's current set, or 0.
func serving(s *Store, origin string) uint32 {
	z := s.Current().Find(origin, dns.TypeSOA)
	if z == nil || z.Origin() != origin {
		return 0
	}
	return z.Serial()
}

// value returns the value of a gauge or counter.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		t.Fatal(err)
	}
	if pb.Counter != nil {
		return pb.Counter.GetValue()
	}
	return pb.Gauge.GetValue()
}

// newTestLoader returns a Loader of zones with metrics and the garbage-collector
// tuning on, as cmd/anycastdns makes it.
func newTestLoader(t *testing.T, zones ...ZoneFile) (*Loader, *Store, *LoaderMetrics) {
	t.Helper()
	var store Store
	m := NewLoaderMetrics(prometheus.NewRegistry())
	l, err := NewLoader(&store, zones, LoaderOptions{Metrics: m, TuneGC: true})
	if err != nil {
		t.Fatal(err)
	}
	return l, &store, m
}

func TestLoaderLoadAll(t *testing.T) {
	d := newZoneDir(t)
	com := d.write("example.com.zone", reloadZone("example.com.", 1))
	net := d.write("example.net.zone", reloadZone("example.net.", 7))
	l, store, m := newTestLoader(t, com, net)

	results, err := l.LoadAll()
	if err != nil {
		t.Fatalf("LoadAll: %v", err)
	}
	if len(results) != 2 || results[0].Origin != "example.com." || results[1].Origin != "example.net." {
		t.Fatalf("LoadAll results: got %+v, want example.com. then example.net.", results)
	}
	r := results[1]
	if r.Serial != 7 || r.Records != 5 || r.Path != net.Source.Path || r.Err != nil || r.Took <= 0 {
		t.Errorf("LoadAll result: got %+v, want serial 7, 5 records, path %s, a duration", r, net.Source.Path)
	}
	for origin, want := range map[string]uint32{"example.com.": 1, "example.net.": 7} {
		if got := serving(store, origin); got != want {
			t.Errorf("serving %s: got serial %d, want %d", origin, got, want)
		}
	}
	if got := len(l.Zones()); got != 2 {
		t.Errorf("Zones: got %d, want 2", got)
	}
	if got := value(t, m.serial.WithLabelValues("example.net.")); got != 7 {
		t.Errorf("serial gauge: got %v, want 7", got)
	}
	if got := value(t, m.records.WithLabelValues("example.com.")); got != 5 {
		t.Errorf("records gauge: got %v, want 5", got)
	}
}

// At start-up every zone must load: one broken zone fails the whole load, naming its
// file and line, and nothing is published.
func TestLoaderLoadAllFails(t *testing.T) {
	d := newZoneDir(t)
	good := d.write("example.net.zone", reloadZone("example.net.", 1))
	bad := d.write("example.com.zone", brokenReloadZone)
	missing := ZoneFile{Origin: "example.org.", Source: zonefile.FileSource(filepath.Join(d.dir, "example.org.zone"))}
	l, store, _ := newTestLoader(t, good, bad, missing)

	results, err := l.LoadAll()
	if err == nil {
		t.Fatal("LoadAll: got no error, want one")
	}
	for _, want := range []string{bad.Source.Path + ":4:", "example.org.zone"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("LoadAll error: got %q, want it to contain %q", err, want)
		}
	}
	var ze *zonefile.Error
	if !errors.As(err, &ze) {
		t.Errorf("LoadAll error: got %T, want a *zonefile.Error inside", err)
	}
	if len(results) != 3 || results[0].Err != nil || results[1].Err == nil || results[2].Err == nil {
		t.Errorf("results: got %+v, want good, failed, failed", results)
	}
	if store.Current() != nil {
		t.Error("a set was published after a failed LoadAll, want none")
	}
	if l.Zones() != nil {
		t.Errorf("Zones after a failed LoadAll: got %v, want nil", l.Zones())
	}
	if _, err := l.Reload(); err == nil {
		t.Error("Reload before a successful LoadAll: got no error, want one")
	}
}

func TestLoaderReload(t *testing.T) {
	d := newZoneDir(t)
	com := d.write("example.com.zone", reloadZone("example.com.", 1))
	net := d.write("example.net.zone", reloadZone("example.net.", 1))
	l, store, m := newTestLoader(t, com, net)
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	netBefore := store.Current().Find("example.net.", dns.TypeSOA)

	steps := []struct {
		name        string
		edit        func()
		wantTried   []string // origins in the results
		wantErr     string   // substring; "" for none
		wantServing map[string]uint32
		wantCounts  map[string][2]float64 // origin → {success, failure}
	}{
		{"unchanged: nothing reloaded", nil, nil, "",
			map[string]uint32{"example.com.": 1, "example.net.": 1},
			map[string][2]float64{"example.com.": {0, 0}}},
		{"changed zone swaps in", func() { d.write("example.com.zone", reloadZone("example.com.", 2)) },
			[]string{"example.com."}, "",
			map[string]uint32{"example.com.": 2, "example.net.": 1},
			map[string][2]float64{"example.com.": {1, 0}, "example.net.": {0, 0}}},
		{"broken zone keeps the old version", func() { d.write("example.com.zone", brokenReloadZone) },
			[]string{"example.com."}, com.Source.Path + ":4:",
			map[string]uint32{"example.com.": 2, "example.net.": 1},
			map[string][2]float64{"example.com.": {1, 1}}},
		{"still broken: tried again, still old", nil,
			[]string{"example.com."}, com.Source.Path + ":4:",
			map[string]uint32{"example.com.": 2},
			map[string][2]float64{"example.com.": {1, 2}}},
		{"one fixed, one broken: the good one swaps", func() {
			d.write("example.com.zone", reloadZone("example.com.", 3))
			d.write("example.net.zone", brokenReloadZone)
		}, []string{"example.com.", "example.net."}, net.Source.Path + ":4:",
			map[string]uint32{"example.com.": 3, "example.net.": 1},
			map[string][2]float64{"example.com.": {2, 2}, "example.net.": {0, 1}}},
		{"file removed: the old version keeps serving", func() {
			if err := os.Remove(com.Source.Path); err != nil {
				t.Fatal(err)
			}
		}, []string{"example.com.", "example.net."}, "example.com.zone",
			map[string]uint32{"example.com.": 3, "example.net.": 1},
			map[string][2]float64{"example.com.": {2, 3}}},
	}
	for _, s := range steps {
		if s.edit != nil {
			s.edit()
		}
		results, err := l.Reload()
		var tried []string
		for _, r := range results {
			tried = append(tried, r.Origin)
		}
		if strings.Join(tried, " ") != strings.Join(s.wantTried, " ") {
			t.Errorf("%s: reloaded %v, want %v", s.name, tried, s.wantTried)
		}
		switch {
		case s.wantErr == "" && err != nil:
			t.Errorf("%s: got error %v, want none", s.name, err)
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Errorf("%s: got error %v, want one containing %q", s.name, err, s.wantErr)
		}
		for origin, want := range s.wantServing {
			if got := serving(store, origin); got != want {
				t.Errorf("%s: serving %s: got serial %d, want %d", s.name, origin, got, want)
			}
		}
		for _, r := range results {
			if want := s.wantServing[r.Origin]; want != 0 && r.Serial != want {
				t.Errorf("%s: result of %s says serial %d, want %d (the version serving)", s.name, r.Origin, r.Serial, want)
			}
		}
		for origin, want := range s.wantCounts {
			succ := value(t, m.reloads.WithLabelValues(origin, "success"))
			fail := value(t, m.reloads.WithLabelValues(origin, "failure"))
			if succ != want[0] || fail != want[1] {
				t.Errorf("%s: reloads of %s: got %v successes, %v failures, want %v, %v", s.name, origin, succ, fail, want[0], want[1])
			}
		}
	}
	// example.net. never changed until it broke: the same compiled zone serves.
	if got := store.Current().Find("example.net.", dns.TypeSOA); got != netBefore {
		t.Error("example.net. was replaced, want the version loaded at start still serving")
	}
	if got := value(t, m.failing.WithLabelValues("example.net.")); got != 1 {
		t.Errorf("reload_failing of example.net.: got %v, want 1", got)
	}
	if got := value(t, m.serial.WithLabelValues("example.com.")); got != 3 {
		t.Errorf("serial gauge of example.com.: got %v, want 3", got)
	}
}

// A file system that keeps no modification times (embed.FS) is compared by content.
func TestLoaderReloadByContent(t *testing.T) {
	fsys := fstest.MapFS{"example.com.zone": {Data: []byte(reloadZone("example.com.", 1))}}
	src := ZoneFile{Origin: "example.com.", Source: zonefile.Source{FS: fsys, Name: "example.com.zone", Path: "mem/example.com.zone"}}
	l, store, _ := newTestLoader(t, src)
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	if results, err := l.Reload(); err != nil || len(results) != 0 {
		t.Errorf("same content: got %+v, %v, want nothing reloaded", results, err)
	}
	fsys["example.com.zone"] = &fstest.MapFile{Data: []byte(reloadZone("example.com.", 5))}
	if results, err := l.Reload(); err != nil || len(results) != 1 {
		t.Errorf("new content: got %+v, %v, want one zone reloaded", results, err)
	}
	if got := serving(store, "example.com."); got != 5 {
		t.Errorf("serving: got serial %d, want 5", got)
	}
}

func TestNewLoaderRejects(t *testing.T) {
	src := zonefile.FileSource("x.zone")
	tests := []struct {
		name  string
		zones []ZoneFile
		want  string
	}{
		{"duplicate origin, any case", []ZoneFile{{Origin: "example.com.", Source: src}, {Origin: "EXAMPLE.com", Source: src}}, "configured twice"},
		{"not a domain name", []ZoneFile{{Origin: "a..b", Source: src}}, "not a domain name"},
	}
	for _, tc := range tests {
		var store Store
		if _, err := NewLoader(&store, tc.zones, LoaderOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// Readers never block and never see a missing zone while reloads publish new sets.
func TestLoaderReloadWhileReading(t *testing.T) {
	d := newZoneDir(t)
	com := d.write("example.com.zone", reloadZone("example.com.", 1))
	l, store, _ := newTestLoader(t, com)
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	var (
		stop    atomic.Bool
		misses  atomic.Int64
		lookups atomic.Int64
		wg      sync.WaitGroup
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a Answer
			for !stop.Load() {
				z := store.Current().Find("www.example.com.", dns.TypeA)
				if z == nil {
					misses.Add(1)
					continue
				}
				z.Lookup("www.example.com.", dns.TypeA, &a)
				lookups.Add(1)
			}
		}()
	}
	for i := 2; i <= 20; i++ {
		d.write("example.com.zone", reloadZone("example.com.", i))
		if _, err := l.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if misses.Load() != 0 {
		t.Errorf("got %d lookups with no zone during reloads, want 0", misses.Load())
	}
	if got := serving(store, "example.com."); got != 20 {
		t.Errorf("serving: got serial %d, want 20", got)
	}
}

// A zone that $INCLUDEs a file is reloaded on every Reload: its included part can change
// while the main file stays the same.
func TestLoaderReloadWithInclude(t *testing.T) {
	d := newZoneDir(t)
	d.write("hosts.inc", "www IN A 192.0.2.2\n")
	com := d.write("example.com.zone", `$ORIGIN example.com.
$TTL 300
@    IN SOA ns1 hostmaster 1 7200 3600 1209600 300
     IN NS  ns1
ns1  IN A   192.0.2.1
$INCLUDE hosts.inc
`)
	l, store, _ := newTestLoader(t, com)
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	d.write("hosts.inc", "www IN A 192.0.2.2\nmail IN A 192.0.2.3\n")
	results, err := l.Reload()
	if err != nil || len(results) != 1 {
		t.Fatalf("Reload after the included file changed: got %+v, %v, want example.com. reloaded", results, err)
	}
	if got := results[0].Records; got != 5 {
		t.Errorf("records after reload: got %d, want 5 (the included mail record too)", got)
	}
	var a Answer
	store.Current().Find("mail.example.com.", dns.TypeA).Lookup("mail.example.com.", dns.TypeA, &a)
	if a.Kind != Success || len(a.Answer) != 1 {
		t.Errorf("mail.example.com. A after reload: got kind %d, %d answers, want the included record", a.Kind, len(a.Answer))
	}
}

// A broken edit undone by putting back the very file serving (same content, size and
// modification time, as a restore from backup or `git checkout` with preserved times
// does) loads nothing, and clears reload_failing: the file is the serving version.
func TestLoaderReloadRestoredFile(t *testing.T) {
	d := newZoneDir(t)
	com := d.write("example.com.zone", reloadZone("example.com.", 1))
	l, store, m := newTestLoader(t, com)
	if _, err := l.LoadAll(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(com.Source.Path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(com.Source.Path)
	if err != nil {
		t.Fatal(err)
	}
	d.write("example.com.zone", brokenReloadZone)
	if _, err := l.Reload(); err == nil {
		t.Fatal("reload of the broken file: got no error, want one")
	}
	if got := value(t, m.failing.WithLabelValues("example.com.")); got != 1 {
		t.Fatalf("reload_failing after the broken edit: got %v, want 1", got)
	}
	if err := os.WriteFile(com.Source.Path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(com.Source.Path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	results, err := l.Reload()
	if err != nil || len(results) != 0 {
		t.Errorf("reload of the restored file: got %+v, %v, want nothing reloaded", results, err)
	}
	if got := value(t, m.failing.WithLabelValues("example.com.")); got != 0 {
		t.Errorf("reload_failing after the restore: got %v, want 0", got)
	}
	if got := serving(store, "example.com."); got != 1 {
		t.Errorf("serving: got serial %d, want 1", got)
	}
}
