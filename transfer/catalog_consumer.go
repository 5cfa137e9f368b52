package transfer

import (
	"sync"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// CatalogConsumer makes the member zones of catalog zones (RFC 9432) secondary
// zones of this node, and removes them again, as each new version of a catalog
// is published: adding a zone to the fleet is one change on the primary. A
// member takes the settings of its catalog (primaries, allow lists, notify
// targets, required). Feed it from zone.LoaderOptions.Published.
type CatalogConsumer struct {
	secondary *Secondary
	policies  *Policies
	log       *zap.Logger

	mu       sync.Mutex
	catalogs map[string]*catalogState // by catalog origin
	owner    map[string]string        // member origin -> the catalog that has it
	fixed    func(origin string) bool // zones of the configuration, never members
}

// catalogState is one catalog zone: the settings its members take, and the
// members of the version last processed.
type catalogState struct {
	template SecondaryZone
	groups   map[string][]Remote // the primaries of members of a group
	policy   Policy
	current  Catalog
}

// NewCatalogConsumer returns a consumer adding members to secondary and their
// policies to policies. configured reports the zones of the configuration, which a
// catalog cannot take over (RFC 9432 section 5.4 leaves a conflict to the
// consumer; the operator's own configuration wins).
func NewCatalogConsumer(secondary *Secondary, policies *Policies, configured func(origin string) bool, log *zap.Logger) *CatalogConsumer {
	if log == nil {
		log = zap.NewNop()
	}
	return &CatalogConsumer{secondary: secondary, policies: policies, log: log,
		catalogs: map[string]*catalogState{}, owner: map[string]string{}, fixed: configured}
}

// AddCatalog declares the catalog zone origin, whose members take the primaries,
// notify targets and required flag of template and the access lists of policy;
// the members of a group listed in groups take that group's primaries instead.
func (c *CatalogConsumer) AddCatalog(origin string, template SecondaryZone, policy Policy, groups map[string][]Remote) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catalogs[canonical(origin)] = &catalogState{template: template, groups: groups, policy: policy,
		current: Catalog{Origin: canonical(origin)}}
}

// Published processes a new version of a zone (zone.LoaderOptions.Published): for
// a catalog, the members it gained become secondary zones and those it lost are
// removed, their copies deleted. A version that is not a valid catalog changes
// nothing (RFC 9432 section 5: the consumer keeps what it has), and neither does a
// catalog that stops being served (expired): its members expire on their own
// timers.
func (c *CatalogConsumer) Published(origin string, _, z *zone.Zone) {
	if z == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.catalogs[canonical(origin)]
	if st == nil {
		return
	}
	cat, warnings, err := ParseCatalog(origin, z.Records())
	log := c.log.With(zap.String("catalog", st.current.Origin), zap.Uint32("serial", z.Serial()))
	if err != nil {
		log.Error("catalog zone not processed; its members stay as they were", zap.Error(err))
		return
	}
	for _, w := range warnings {
		log.Warn("catalog entry skipped", zap.String("problem", w))
	}
	added, removed := CatalogChanges(st.current, cat)
	for _, m := range removed {
		if c.owner[m.Zone] != st.current.Origin {
			continue
		}
		delete(c.owner, m.Zone)
		c.secondary.Remove(m.Zone)
		c.policies.Delete(m.Zone)
		log.Info("catalog member removed", zap.String("zone", m.Zone), zap.String("id", m.ID))
	}
	kept := cat.Members[:0:0]
	for _, m := range cat.Members {
		if other, ok := c.owner[m.Zone]; (ok && other != st.current.Origin) || c.fixed(m.Zone) {
			log.Warn("catalog member is already a zone of this node: ignored", zap.String("zone", m.Zone))
			continue
		}
		kept = append(kept, m)
	}
	st.current = Catalog{Origin: cat.Origin, Members: kept}
	for _, m := range added {
		if _, ok := st.current.Member(m.Zone); !ok {
			continue
		}
		c.owner[m.Zone] = st.current.Origin
		c.policies.Set(m.Zone, st.policy)
		member := st.template
		member.Origin, member.File, member.Catalog = m.Zone, "", false
		if ps, ok := st.groups[m.Group]; ok && m.Group != "" {
			member.Primaries = ps
		}
		c.secondary.Add(member)
		log.Info("catalog member added", zap.String("zone", m.Zone), zap.String("id", m.ID), zap.String("group", m.Group))
	}
}
