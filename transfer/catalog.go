package transfer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Catalog is what a catalog zone (RFC 9432) says: its member zones, each with the
// unique label that identifies its entry and its group, if any.
type Catalog struct {
	Origin  string
	Members []Member // in the order of their owner names
}

// Member is one member zone of a catalog (RFC 9432 section 4.1).
type Member struct {
	Zone  string // the member zone's name, fully qualified, lower-case
	ID    string // the unique label of its entry: a new ID is a zone reset (section 5.6)
	Group string // the group property (section 4.4.2); "" when absent
}

// ParseCatalog reads the catalog zone origin from its records. The zone must say
// it is version 2 (RFC 9432 section 4.2.1: a consumer MUST NOT process a version it
// does not know); entries that break the rules of section 4.1 are skipped and
// reported in the returned warnings, the rest is processed (section 5 asks a
// consumer to carry on with what it understands).
func ParseCatalog(origin string, rrs []dns.RR) (Catalog, []string, error) {
	origin = canonical(origin)
	cat := Catalog{Origin: origin}
	versionName := "version." + origin
	zonesSuffix := ".zones." + origin
	var warnings []string
	version := ""
	ptrs := map[string][]string{}   // unique label -> member names
	groups := map[string][]string{} // unique label -> group names
	for _, rr := range rrs {
		owner := strings.ToLower(rr.Header().Name)
		switch {
		case owner == versionName:
			if txt, ok := rr.(*dns.TXT); ok {
				if version != "" {
					return cat, nil, fmt.Errorf("catalog %s: more than one version TXT record (RFC 9432 section 4.2.1)", origin)
				}
				version = strings.Join(txt.Txt, "")
			}
		case strings.HasSuffix(owner, zonesSuffix):
			labels := dns.SplitDomainName(strings.TrimSuffix(owner, zonesSuffix))
			switch {
			case len(labels) == 1:
				if ptr, ok := rr.(*dns.PTR); ok {
					ptrs[labels[0]] = append(ptrs[labels[0]], strings.ToLower(ptr.Ptr))
				}
			case len(labels) == 2 && labels[0] == "group":
				if txt, ok := rr.(*dns.TXT); ok {
					groups[labels[1]] = append(groups[labels[1]], strings.Join(txt.Txt, ""))
				}
			}
		}
	}
	if version != "2" {
		return cat, nil, fmt.Errorf("catalog %s: version %q, want \"2\" (RFC 9432 section 4.2.1)", origin, version)
	}
	ids := make([]string, 0, len(ptrs))
	for id := range ptrs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	seen := map[string]string{} // member zone -> unique label
	for _, id := range ids {
		names := ptrs[id]
		if len(names) != 1 {
			// Section 4.1: exactly one PTR record per member entry.
			warnings = append(warnings, fmt.Sprintf("entry %s has %d PTR records, want 1: ignored", id, len(names)))
			continue
		}
		m := Member{Zone: names[0], ID: id}
		if _, ok := dns.IsDomainName(m.Zone); !ok || m.Zone == origin {
			warnings = append(warnings, fmt.Sprintf("entry %s names %q, not a member zone: ignored", id, m.Zone))
			continue
		}
		if other, dup := seen[m.Zone]; dup {
			// Section 4.1: a member zone appears once; keep the first entry.
			warnings = append(warnings, fmt.Sprintf("entry %s repeats member %s of entry %s: ignored", id, m.Zone, other))
			continue
		}
		seen[m.Zone] = id
		switch g := groups[id]; len(g) {
		case 0:
		case 1:
			m.Group = g[0]
		default:
			warnings = append(warnings, fmt.Sprintf("entry %s has %d group properties: none used", id, len(g)))
		}
		cat.Members = append(cat.Members, m)
	}
	return cat, warnings, nil
}

// Member returns the member entry for zone, and false when zone is not a member.
func (c Catalog) Member(zone string) (Member, bool) {
	zone = canonical(zone)
	for _, m := range c.Members {
		if m.Zone == zone {
			return m, true
		}
	}
	return Member{}, false
}

// CatalogChanges compares two versions of a catalog: the members to add (new, or
// reset with a new unique label, RFC 9432 section 5.6), and those to remove
// (gone, or reset).
func CatalogChanges(old, new Catalog) (added, removed []Member) {
	for _, m := range new.Members {
		if o, ok := old.Member(m.Zone); !ok || o.ID != m.ID || o.Group != m.Group {
			if ok {
				removed = append(removed, o)
			}
			added = append(added, m)
		}
	}
	for _, o := range old.Members {
		if _, ok := new.Member(o.Zone); !ok {
			removed = append(removed, o)
		}
	}
	return added, removed
}
