package config

import "fmt"

// Flags are the command-line values that replace keys per PoP; a zero field is a
// flag not given. The command parses them; an error in a value set here names the
// flag ("flag -listen: listen[0]: ...").
type Flags struct {
	// Listen replaces listen (-listen, repeatable).
	Listen []string
	// Zones replace zones (-zone ORIGIN=FILE, repeatable; see FlagZone).
	Zones []Zone
	// Identity replaces identity (-identity).
	Identity string
	// RouterID replaces bgp.router-id (-router-id).
	RouterID string
	// LocalAS replaces bgp.local-as (-local-as).
	LocalAS uint32
}

// applyFlags sets the keys the flags replace.
func (c *Config) applyFlags(f Flags) error {
	if len(f.Listen) > 0 {
		c.Server.Listen = f.Listen
		c.set["listen"] = "listen"
	}
	if len(f.Zones) > 0 {
		c.Zones = f.Zones
		c.set["zones"] = "zone"
	}
	if f.Identity != "" {
		c.Server.Identity = f.Identity
		c.set["identity"] = "identity"
	}
	if f.RouterID != "" {
		c.set["bgp.router-id"] = "router-id"
		a, err := parseAddr(f.RouterID)
		if err != nil {
			return fmt.Errorf("%s: bgp.router-id: %v", c.where("bgp.router-id"), err)
		}
		c.BGP.RouterID = a
	}
	if f.LocalAS != 0 {
		c.BGP.LocalAS = f.LocalAS
		c.set["bgp.local-as"] = "local-as"
	}
	return nil
}
