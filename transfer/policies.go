package transfer

import (
	"sync"
)

// Policies holds the Policy of every zone of this node by origin: the configured
// zones', and those of catalog members added and removed at run time. Its Policy
// method is a ResponderConfig.Policy. The zero value holds none; it is safe for
// concurrent use.
type Policies struct {
	mu sync.RWMutex
	m  map[string]Policy
}

// Set sets the policy of origin.
func (p *Policies) Set(origin string, pol Policy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]Policy{}
	}
	p.m[canonical(origin)] = pol
}

// Delete forgets the policy of origin.
func (p *Policies) Delete(origin string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, canonical(origin))
}

// Policy returns the policy of origin, and false when origin is not a zone of ours.
func (p *Policies) Policy(origin string) (Policy, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	pol, ok := p.m[canonical(origin)]
	return pol, ok
}
