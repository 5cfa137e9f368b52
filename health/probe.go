package health

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ProbeFunc probes every zone at one service address ("host:port") over
// network ("udp" or "tcp") and returns nil when all of them pass. The
// [Monitor] calls it; [Prober.Probe] is the real implementation, tests inject
// their own. It must return once ctx is done.
type ProbeFunc func(ctx context.Context, network, addr string) error

// Prober queries this node's own listeners as a client would: one SOA query
// per zone, which passes when the answer has RCODE NOERROR, the AA bit, and
// the apex SOA with exactly the serial the node has loaded.
type Prober struct {
	// Zones lists the origins of every configured zone.
	Zones []string
	// Serial returns the serial of the zone the node has loaded for origin,
	// and false when that zone is not loaded.
	Serial func(origin string) (uint32, bool)
	// Timeout bounds each query. Default [DefaultTimeout]; the context's
	// deadline, when earlier, wins.
	Timeout time.Duration
}

// Probe implements [ProbeFunc]: it queries the SOA of every zone at addr over
// network and returns the first failure.
func (p *Prober) Probe(ctx context.Context, network, addr string) error {
	if len(p.Zones) == 0 {
		return errors.New("no zones to probe")
	}
	for _, origin := range p.Zones {
		if err := p.Query(ctx, network, addr, origin); err != nil {
			return err
		}
	}
	return nil
}

// Query sends one SOA query for origin to addr over network and checks the
// answer.
func (p *Prober) Query(ctx context.Context, network, addr, origin string) error {
	origin = dns.Fqdn(origin)
	want, ok := p.Serial(origin)
	if !ok {
		return fmt.Errorf("%s: zone not loaded", origin)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	q := new(dns.Msg)
	q.SetQuestion(origin, dns.TypeSOA)
	// An authoritative server is asked without recursion (RFC 1035 4.1.1).
	q.RecursionDesired = false
	c := &dns.Client{Net: network, Timeout: timeout}
	r, _, err := c.ExchangeContext(ctx, q, addr)
	if err != nil {
		return fmt.Errorf("%s SOA over %s to %s: %w", origin, network, addr, err)
	}
	return checkSOA(r, origin, want)
}

// checkSOA verifies that r is an authoritative answer carrying the apex SOA of
// origin with serial want.
func checkSOA(r *dns.Msg, origin string, want uint32) error {
	if r.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("%s SOA: rcode %s, want NOERROR", origin, dns.RcodeToString[r.Rcode])
	}
	// The AA bit says the server answers from its own zone data
	// (RFC 1035 4.1.1); without it the node is not serving the zone.
	if !r.Authoritative {
		return fmt.Errorf("%s SOA: AA bit not set", origin)
	}
	if r.Truncated {
		return fmt.Errorf("%s SOA: truncated answer", origin)
	}
	for _, rr := range r.Answer {
		soa, ok := rr.(*dns.SOA)
		if !ok || !strings.EqualFold(soa.Hdr.Name, origin) {
			continue
		}
		if soa.Serial != want {
			return fmt.Errorf("%s SOA: serial %d, want loaded serial %d", origin, soa.Serial, want)
		}
		return nil
	}
	return fmt.Errorf("%s SOA: no SOA record in the answer section", origin)
}
