package main

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/transfer"
)

// fleetZones are the transfer settings of every configured zone, as newFleet
// and a reload read them from a configuration.
type fleetZones struct {
	policies    map[string]transfer.Policy   // every configured zone, by canonical name
	notify      map[string][]transfer.Remote // the zones read from files
	exempt      []netip.Prefix               // server.Options.RateLimitExempt
	secondaries map[string]secondarySettings // by canonical name
	order       []string                     // the secondaries in configuration order
	configured  map[string]bool              // every configured zone
}

// secondarySettings are the settings of one configured secondary zone.
type secondarySettings struct {
	zone   transfer.SecondaryZone
	policy transfer.Policy
	groups map[string][]transfer.Remote // catalog-groups
}

// fleetZonesOf reads the transfer settings of the zones of cfg.
func fleetZonesOf(cfg *config.Config) (fleetZones, error) {
	zs := fleetZones{
		policies:    map[string]transfer.Policy{},
		notify:      map[string][]transfer.Remote{},
		secondaries: map[string]secondarySettings{},
		configured:  map[string]bool{},
	}
	for i, z := range cfg.Zones {
		sz, pol, err := secondaryZone(z)
		if err != nil {
			return zs, fmt.Errorf("zones[%d]: %w", i, err)
		}
		origin := canonicalName(z.Origin)
		zs.policies[origin] = pol
		zs.exempt = append(zs.exempt, pol.AllowNotify.Prefixes()...)
		zs.exempt = append(zs.exempt, pol.AllowTransfer.Prefixes()...)
		for _, r := range sz.Notify {
			a := r.Addr.Addr().Unmap()
			zs.exempt = append(zs.exempt, netip.PrefixFrom(a, a.BitLen()))
		}
		zs.configured[origin] = true
		if !z.Secondary() {
			zs.notify[origin] = sz.Notify
			continue
		}
		groups := map[string][]transfer.Remote{}
		for _, g := range z.CatalogGroups {
			if groups[g.Group], err = remotes(g.Primaries); err != nil {
				return zs, fmt.Errorf("zones[%d]: %w", i, err)
			}
		}
		zs.secondaries[origin] = secondarySettings{zone: sz, policy: pol, groups: groups}
		zs.order = append(zs.order, origin)
	}
	return zs, nil
}

// setZones makes zs the settings the fleet answers from: the zones' policies, the
// notify targets of the file zones, the configured zones (which a catalog cannot
// take) and the prefixes exempt from rate limiting. The policy of a zone no
// longer configured is forgotten.
func (f *fleet) setZones(zs fleetZones) {
	f.mu.Lock()
	old := f.configured
	f.current = zs
	f.notify, f.configured, f.exempt = zs.notify, zs.configured, zs.exempt
	f.mu.Unlock()
	for origin, pol := range zs.policies {
		f.policies.Set(origin, pol)
	}
	for origin := range old {
		if !zs.configured[origin] {
			f.policies.Delete(origin)
		}
	}
}

// isConfigured reports whether origin is a zone of the configuration (never a
// catalog member).
func (f *fleet) isConfigured(origin string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.configured[canonicalName(origin)]
}

// zonesNow returns the settings of the zones the fleet runs with.
func (f *fleet) zonesNow() fleetZones {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current
}

// rateLimitExempt returns the prefixes exempt from rate limiting for the zones'
// transfer peers.
func (f *fleet) rateLimitExempt() []netip.Prefix {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.exempt)
}

// removeSecondaries is the first part of a reload of the zones: the secondary
// zones of old that are not in new (as secondaries) stop being served and
// their copies are deleted; a catalog takes its members with it. It runs
// before the file zones change, so that an origin freed here can be taken.
func (f *fleet) removeSecondaries(old, new fleetZones) {
	for _, origin := range old.order {
		if _, ok := new.secondaries[origin]; ok {
			continue
		}
		if old.secondaries[origin].zone.Catalog {
			f.catalogs.RemoveCatalog(origin)
		}
		f.secondary.Remove(origin)
		f.log.Info("secondary zone removed by a reload", zap.String("zone", origin))
	}
}

// reconfigure is the second part of a reload of the zones, after the file zones
// changed: new TSIG keys (when keysChanged), the new policies, notify targets
// and exemptions, and the secondary zones of new that are new or whose settings
// changed (a zone changed keeps its copy serving while its loop restarts with
// the new primaries; a catalog's members take its new settings).
func (f *fleet) reconfigure(cfg *config.Config, old, new fleetZones, keysChanged bool) error {
	if keysChanged {
		keys, err := cfg.Keyring()
		if err != nil {
			return err
		}
		f.keys.Replace(keys)
	}
	f.setZones(new)
	for _, origin := range new.order {
		s := new.secondaries[origin]
		was, existed := old.secondaries[origin]
		if existed && reflect.DeepEqual(was, s) {
			continue
		}
		switch {
		case s.zone.Catalog:
			f.catalogs.SetCatalog(origin, s.zone, s.policy, s.groups)
		case existed && was.zone.Catalog:
			f.catalogs.RemoveCatalog(origin)
		}
		f.secondary.Update(s.zone)
		if existed {
			f.log.Info("secondary zone changed by a reload", zap.String("zone", origin))
		} else {
			f.log.Info("secondary zone added by a reload", zap.String("zone", origin))
		}
	}
	return nil
}
