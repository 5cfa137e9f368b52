package transfer

import (
	"reflect"

	"go.uber.org/zap"
)

// SetCatalog declares the catalog zone origin as AddCatalog does, or, for a
// catalog declared already, gives it new settings (a reload of the
// configuration): its members keep their copies serving and take the new
// primaries, notify targets, required flag and access lists at once, without
// waiting for a new version of the catalog.
func (c *CatalogConsumer) SetCatalog(origin string, template SecondaryZone, policy Policy, groups map[string][]Remote) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.catalogs[canonical(origin)]
	if st == nil {
		c.catalogs[canonical(origin)] = &catalogState{template: template, groups: groups, policy: policy,
			current: Catalog{Origin: canonical(origin)}}
		return
	}
	same := reflect.DeepEqual(st.template, template) && reflect.DeepEqual(st.groups, groups)
	st.template, st.groups, st.policy = template, groups, policy
	for _, m := range st.current.Members {
		if c.owner[m.Zone] != st.current.Origin {
			continue
		}
		c.policies.Set(m.Zone, policy)
		if same {
			continue
		}
		member := template
		member.Origin, member.File, member.Catalog = m.Zone, "", false
		if ps, ok := groups[m.Group]; ok && m.Group != "" {
			member.Primaries = ps
		}
		c.secondary.Update(member)
	}
}

// RemoveCatalog forgets the catalog zone origin and removes its members, as if
// the catalog had listed none: they stop being served and their copies are
// deleted. A catalog not declared is no error.
func (c *CatalogConsumer) RemoveCatalog(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.catalogs[canonical(origin)]
	if st == nil {
		return
	}
	delete(c.catalogs, canonical(origin))
	for _, m := range st.current.Members {
		if c.owner[m.Zone] != st.current.Origin {
			continue
		}
		delete(c.owner, m.Zone)
		c.secondary.Remove(m.Zone)
		c.policies.Delete(m.Zone)
		c.log.Info("catalog member removed with its catalog", zap.String("catalog", st.current.Origin), zap.String("zone", m.Zone))
	}
}
