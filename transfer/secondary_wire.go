package transfer

import (
	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/anycastdns/anycastdns/zone/zonefile"
)

// NewSecondary returns a Secondary that asks the primaries through client,
// publishes through loader, keeps the differences in journal and tells the
// zones' notify targets through notifier (journal and notifier may be nil). It
// does nothing until Start.
func NewSecondary(cfg SecondaryConfig, client *Client, loader *zone.Loader, journal *Journal, notifier *Notifier) *Secondary {
	d := engineDeps{fetch: client, pub: loaderPublisher{loader, cfg.DNSSEC}, writeZone: zonefile.Write}
	// A nil pointer is kept out of the interfaces: the engine tests them for nil.
	if journal != nil {
		d.journal = journal
	}
	if notifier != nil {
		d.notify = notifier
	}
	return newSecondary(cfg, d)
}

// loaderPublisher is package zone as the engine's publisher: versions are checked
// and compiled as master files are, and published through the Loader.
type loaderPublisher struct {
	*zone.Loader
	dnssec zone.DNSSECOptions
}

func (p loaderPublisher) Build(origin string, rrs []dns.RR) (*zone.Zone, zone.LoadResult, error) {
	return p.Loader.Build(origin, rrs, p.dnssec)
}

func (p loaderPublisher) Apply(z *zone.Zone, diffs []zone.Diff) (*zone.Zone, zone.LoadResult, error) {
	return zone.Apply(z, diffs, p.dnssec)
}

func (loaderPublisher) DiffOf(old, new *zone.Zone) zone.Diff { return zone.DiffOf(old, new) }

func (loaderPublisher) Records(z *zone.Zone) []dns.RR { return z.Records() }

// Load reads the persisted copy at path and checks and compiles it as a master
// file; errors name file:line.
func (p loaderPublisher) Load(origin, path string) (*zone.Zone, zone.LoadResult, error) {
	recs, err := zonefile.Read(zonefile.FileSource(path), origin)
	if err != nil {
		return nil, zone.LoadResult{Origin: origin, Path: path, Err: err}, err
	}
	rrs := make([]dns.RR, len(recs))
	for i, r := range recs {
		rrs[i] = r.RR
	}
	z, res, err := p.Loader.Build(origin, rrs, p.dnssec)
	res.Path = path
	return z, res, err
}
