package transfer

// The parts of other pieces of the package the secondary engine drives: the
// transfer client, package zone's feed, the journal of differences and the NOTIFY
// sender. The engine sees them only through the small interfaces of this file, so
// that its tests run against fakes and the real types plug in here alone.

import (
	"context"
	"io"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// diff is one IXFR delta (RFC 1995 section 4).
type diff = zone.Diff

// soaResult and received are the client's answers (client.go).
type (
	soaResult = SOAResult
	received  = Received
)

// unavailable says why a zone is published with no data.
type unavailable = zone.Unavailable

const (
	available = zone.Available // the version fed serves
	notReady  = zone.NotReady  // no version yet: SERVFAIL, EDE 14 (RFC 8914)
	expired   = zone.Expired   // past expire: SERVFAIL, EDE 24 (RFC 8914)
)

// fetcher asks the primaries (the transfer client, *Client).
type fetcher interface {
	QuerySOA(ctx context.Context, p Remote, origin string) (soaResult, error)
	AXFR(ctx context.Context, p Remote, origin string) (*received, error)
	IXFR(ctx context.Context, p Remote, origin string, have *dns.SOA) (*received, error)
}

// publisher checks, compiles and publishes versions (package zone: Build, Apply,
// DiffOf, Zone.Records, zonefile.Read, and the Loader's Feed, SetUnavailable and
// Remove). Build, Apply and Load check a version exactly as a master file is
// checked; a broken one is an error.
type publisher interface {
	Load(origin, path string) (*zone.Zone, zone.LoadResult, error)
	Build(origin string, rrs []dns.RR) (*zone.Zone, zone.LoadResult, error)
	Apply(z *zone.Zone, diffs []diff) (*zone.Zone, zone.LoadResult, error)
	DiffOf(old, new *zone.Zone) diff
	Records(z *zone.Zone) []dns.RR
	Feed(origin string, z *zone.Zone, res zone.LoadResult) error
	SetUnavailable(origin string, why unavailable) error
	Remove(origin string) error
}

// journal keeps the differences between versions for IXFR out (*Journal).
type journal interface {
	Add(origin string, d diff)
	Drop(origin string)
}

// notifier sends NOTIFY to a zone's targets after a new version (*Notifier, RFC
// 1996 section 3.6); it returns when every target answered or gave up.
type notifier interface {
	Notify(ctx context.Context, origin string, serial uint32, targets []Remote)
}

// writeZoneFunc writes rrs as a master file that zonefile.Read reads back
// (zonefile.Write).
type writeZoneFunc func(w io.Writer, origin string, rrs []dns.RR) error

// engineDeps are the parts the engine drives. journal and notify may be nil.
type engineDeps struct {
	fetch     fetcher
	pub       publisher
	journal   journal
	notify    notifier
	writeZone writeZoneFunc
}
