package server

import (
	"encoding/hex"
	"strings"

	"github.com/miekg/dns"
)

// identity holds the answers that say which node answered, computed once in New so
// that the query path only copies them (CoreDNS computes them per query).
type identity struct {
	name          string // Config.Identity
	hostname      dns.RR // hostname.bind. CH TXT
	idServer      dns.RR // id.server. CH TXT (RFC 4892 section 2.2)
	versionBind   dns.RR // version.bind. CH TXT; nil when hidden
	versionServer dns.RR // version.server. CH TXT; nil when hidden
	// nsid is the NSID option of RFC 5001 with the identity, or nil when NSID is off.
	nsid *dns.EDNS0_NSID
	// nsidWire is the NSID payload as sent (the identity's octets), or nil.
	nsidWire []byte
}

func newIdentity(cfg Config) *identity {
	id := &identity{name: cfg.Identity}
	if cfg.Identity != "" {
		id.hostname = chaosTXT("hostname.bind.", cfg.Identity)
		id.idServer = chaosTXT("id.server.", cfg.Identity)
		if cfg.NSID {
			// miekg/dns carries the NSID payload hex-encoded.
			id.nsid = &dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: hex.EncodeToString([]byte(cfg.Identity))}
			id.nsidWire = []byte(cfg.Identity)
		}
	}
	if !cfg.HideVersion && cfg.Version != "" {
		id.versionBind = chaosTXT("version.bind.", cfg.Version)
		id.versionServer = chaosTXT("version.server.", cfg.Version)
	}
	return id
}

// chaos returns the record answering a CHAOS-class question, or nil when the
// question gets REFUSED, with the Extended DNS Error that says why (RFC 8914
// sections 4.19 and 4.22): Prohibited for a hidden version, Not Supported for a
// name we do not serve or a type other than TXT and ANY (refused as Knot DNS
// does).
func (id *identity) chaos(qname string, qtype uint16) (dns.RR, int) {
	if qtype != dns.TypeTXT && qtype != dns.TypeANY {
		return nil, edeNotSupported
	}
	var rr dns.RR
	version := false
	switch {
	case strings.EqualFold(qname, "hostname.bind."):
		rr = id.hostname
	case strings.EqualFold(qname, "id.server."):
		rr = id.idServer
	case strings.EqualFold(qname, "version.bind."):
		rr, version = id.versionBind, true
	case strings.EqualFold(qname, "version.server."):
		rr, version = id.versionServer, true
	}
	switch {
	case rr != nil:
		return rr, noEDE
	case version:
		// Hidden by hide-version: the operator's policy.
		return nil, edeProhibited
	default:
		return nil, edeNotSupported
	}
}

// chaosTXT builds the CH TXT record name with text split into character-strings
// of at most 255 octets (RFC 1035 section 3.3.14).
func chaosTXT(name, text string) dns.RR {
	var txt []string
	for len(text) > 0 {
		n := min(len(text), 255)
		// miekg/dns reads backslash escapes in TXT strings when packing.
		txt = append(txt, strings.ReplaceAll(text[:n], `\`, `\\`))
		text = text[n:]
	}
	return &dns.TXT{
		Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassCHAOS, Ttl: 0},
		Txt: txt,
	}
}
