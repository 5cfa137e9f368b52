package main

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/health"
	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/transfer"
	"github.com/anycastdns/anycastdns/zone"
)

// fleet is the zone-transfer part of a node (package transfer): the primary side
// (AXFR/IXFR out, NOTIFY in, TSIG, served through the DNS listeners), the
// secondary zones kept fresh from their primaries, the NOTIFYs sent after each new
// version, and the catalog zones whose members come and go.
type fleet struct {
	log       *zap.Logger
	journal   *transfer.Journal
	notifier  *transfer.Notifier
	responder *transfer.Responder
	secondary *transfer.Secondary
	catalogs  *transfer.CatalogConsumer
	policies  transfer.Policies
	keys      *transfer.Keyring // of the notifier, the client and the responder

	// mu guards current, notify, configured and exempt, which a reload replaces.
	mu      sync.Mutex
	current fleetZones // the settings of the configured zones
	// notify holds the notify targets of the zones read from files: the
	// secondary engine notifies its own zones' targets.
	notify map[string][]transfer.Remote

	client       *transfer.Client
	secondaryCfg transfer.SecondaryConfig
	zones        []transfer.SecondaryZone       // the configured secondary zones
	policy       []transfer.Policy              // of each of zones
	groups       []map[string][]transfer.Remote // of each of zones: catalog-groups
	configured   map[string]bool                // every configured zone, canonical name (mu)
	loader       *zone.Loader                   // set by bind, before anything is published
	// exempt are the peers never rate limited (server.Options.RateLimitExempt):
	// the prefixes of the zones' allow-notify and allow-transfer lists and the
	// notify targets, which ask us for the SOA after a NOTIFY. Guarded by mu.
	exempt []netip.Prefix

	cancel context.CancelFunc
}

// newFleet builds the transfer part from the configuration; it starts nothing.
func newFleet(cfg *config.Config, log *zap.Logger, reg prometheus.Registerer) (*fleet, error) {
	keys, err := cfg.Keyring()
	if err != nil {
		return nil, err
	}
	metrics := transfer.NewMetrics(reg)
	log = log.Named("transfer")
	t := cfg.Transfer
	f := &fleet{
		log:     log,
		journal: &transfer.Journal{MaxDiffs: t.IXFRHistory},
	}
	f.notifier = &transfer.Notifier{Keys: keys, Source4: t.SourceIPv4, Source6: t.SourceIPv6,
		Zone: f.zone, Metrics: metrics, Logger: log}
	f.client = &transfer.Client{Keys: keys, Source4: t.SourceIPv4, Source6: t.SourceIPv6,
		MaxSize: t.MaxZoneSize, Timeout: t.Timeout}
	f.secondaryCfg = transfer.SecondaryConfig{
		Timers: transfer.Timers{
			RefreshMin: t.RefreshMin, RefreshMax: t.RefreshMax,
			RetryMin: t.RetryMin, RetryMax: t.RetryMax,
			ExpireMin: t.ExpireMin, ExpireMax: t.ExpireMax, Jitter: t.Jitter,
		},
		StateDir: t.StateDir, Metrics: metrics, Logger: log,
	}
	zs, err := fleetZonesOf(cfg)
	if err != nil {
		return nil, err
	}
	f.keys = keys
	f.setZones(zs)
	for _, origin := range zs.order {
		sec := zs.secondaries[origin]
		f.zones = append(f.zones, sec.zone)
		f.policy = append(f.policy, sec.policy)
		f.groups = append(f.groups, sec.groups)
	}
	f.responder = transfer.NewResponder(transfer.ResponderConfig{
		Keys: keys, Zone: f.zone, Policy: f.policies.Policy, Journal: f.journal,
		OnNotify: f.notified, Expire: f.expire, Metrics: metrics, Logger: log,
	})
	return f, nil
}

// secondaryZone returns the transfer settings of a configured zone: as a
// secondary (used when it has primaries) and its policy.
func secondaryZone(z config.Zone) (transfer.SecondaryZone, transfer.Policy, error) {
	sz := transfer.SecondaryZone{Origin: z.Origin, File: z.Path(), Required: z.IsRequired(), Catalog: z.Catalog}
	var err error
	if sz.Primaries, err = remotes(z.Primaries); err != nil {
		return sz, transfer.Policy{}, err
	}
	if sz.Notify, err = remotes(z.Notify); err != nil {
		return sz, transfer.Policy{}, err
	}
	var pol transfer.Policy
	if pol.AllowNotify, err = transfer.ParseACL(z.AllowNotify); err != nil {
		return sz, pol, err
	}
	if pol.AllowTransfer, err = transfer.ParseACL(z.AllowTransfer); err != nil {
		return sz, pol, err
	}
	sz.AllowNotify = pol.AllowNotify
	return sz, pol, nil
}

// remotes reads the addresses of a primaries or notify list.
func remotes(rcs []transfer.RemoteConfig) ([]transfer.Remote, error) {
	out := make([]transfer.Remote, 0, len(rcs))
	for _, rc := range rcs {
		ap, err := rc.AddrPort()
		if err != nil {
			return nil, err
		}
		out = append(out, transfer.Remote{Addr: ap, Key: rc.Key})
	}
	return out, nil
}

// bind gives the fleet the loader it publishes through (whose
// LoaderOptions.Published is f.published) and builds the secondary engine and
// the catalog consumer on it.
func (f *fleet) bind(l *zone.Loader) {
	f.loader = l
	f.secondary = transfer.NewSecondary(f.secondaryCfg, f.client, l, f.journal, f.notifier)
	f.catalogs = transfer.NewCatalogConsumer(f.secondary, &f.policies, f.isConfigured, f.log)
	for i, sz := range f.zones {
		if sz.Catalog {
			f.catalogs.AddCatalog(sz.Origin, sz, f.policy[i], f.groups[i])
		}
		f.secondary.Add(sz)
	}
}

// notified is the Responder's OnNotify: an admitted NOTIFY for a secondary zone
// makes it check its primary at once.
func (f *fleet) notified(origin string, from netip.AddrPort, key string, serial uint32, hasSerial bool) bool {
	return f.secondary != nil && f.secondary.Notified(origin, from, key, serial, hasSerial)
}

// expire is the EDNS EXPIRE value of z (RFC 7314), for the server's replies and
// the transfers out: the time left on a secondary zone's copy, else the SOA's.
func (f *fleet) expire(z *zone.Zone) uint32 {
	if f.secondary == nil {
		return z.SOA().Expire
	}
	return f.secondary.Expire(z)
}

// canonicalName is a zone's name as maps key it: fully qualified, lower-case.
func canonicalName(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// zone returns the version of origin serving (nil when none).
func (f *fleet) zone(origin string) *zone.Zone {
	if f.loader == nil {
		return nil
	}
	return f.loader.Zone(origin)
}

// published is zone.LoaderOptions.Published: a new version of a zone read from a
// file goes into the journal (IXFR out) and is notified to the zone's targets; a
// new version of a catalog zone adds and removes its members.
func (f *fleet) published(origin string, old, new *zone.Zone) {
	if f.catalogs != nil {
		f.catalogs.Published(origin, old, new)
	}
	f.mu.Lock()
	targets, fromFile := f.notify[canonicalName(origin)]
	f.mu.Unlock()
	if !fromFile || new == nil {
		return
	}
	if old != nil {
		f.journal.Add(origin, zone.DiffOf(old, new))
	}
	if len(targets) > 0 {
		go f.notifier.Notify(context.Background(), origin, new.Serial(), targets)
	}
}

// start serves the persisted copies of the secondary zones (each checked as a
// file is) and starts their refresh loops.
func (f *fleet) start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.secondary.Start(ctx)
}

// stop ends the refresh loops and the NOTIFYs being sent.
func (f *fleet) stop() {
	if f.cancel != nil {
		f.cancel()
	}
	f.secondary.Stop()
}

// freshness reports the freshness of every zone the node serves, for the health
// checks (health.MonitorOptions.Freshness): the secondary zones' transfers, and
// the signatures of every signed zone.
func (f *fleet) freshness(requiredNow func() map[string]bool) func(time.Time) []health.ZoneFreshness {
	return func(time.Time) []health.ZoneFreshness {
		required := requiredNow()
		var out []health.ZoneFreshness
		secondary := map[string]bool{}
		for _, st := range f.secondary.Status() {
			secondary[st.Origin] = true
			zf := health.ZoneFreshness{
				Origin: st.Origin, Required: st.Required, Secondary: true,
				Loaded: st.Loaded, Joining: st.Joining, Expired: st.Expired, Confirmed: st.Loaded && !st.Expired,
				LaggingSince: st.LaggingSince, Refresh: st.Refresh, SignatureExpiry: st.SignatureExpiry,
				Expires: st.Expires,
			}
			if !st.Expires.IsZero() && !st.LastRefresh.IsZero() {
				zf.ExpireAfter = st.Expires.Sub(st.LastRefresh)
			}
			out = append(out, zf)
		}
		if f.loader == nil {
			return out
		}
		for _, z := range f.loader.Zones() {
			if secondary[z.Origin()] {
				continue
			}
			exp, _ := z.SignatureExpiry()
			out = append(out, health.ZoneFreshness{Origin: z.Origin(), Required: required[z.Origin()], SignatureExpiry: exp})
		}
		return out
	}
}
