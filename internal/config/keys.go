package config

import (
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/internal/config/field"
	"github.com/anycastdns/anycastdns/transfer"
)

// validateKeys checks every TSIG key (its secret read from where it says, never
// shown) and returns the set of names defined, fully qualified and lower-case.
func (c *Config) validateKeys(errs *field.Errors) map[string]bool {
	names := map[string]bool{}
	for i, kc := range c.TSIGKeys {
		key := field.Index("tsig-keys", i)
		k, err := kc.Key(c.dir())
		if err != nil {
			errs.Add(key, "%v", err)
		}
		name := strings.ToLower(dns.Fqdn(kc.Name))
		if kc.Name != "" && names[name] {
			errs.Add(field.Join(key, "name"), "key %s is defined twice", name)
		}
		if k.Name != "" || kc.Name != "" {
			names[name] = true
		}
	}
	return names
}

// Keyring returns the TSIG keys, their secrets read. Validate has checked them.
func (c *Config) Keyring() (*transfer.Keyring, error) {
	keys := make([]transfer.Key, 0, len(c.TSIGKeys))
	for _, kc := range c.TSIGKeys {
		k, err := kc.Key(c.dir())
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return transfer.NewKeyring(keys...)
}

// dir is the folder relative file names of the configuration are read from.
func (c *Config) dir() string {
	if c.file == "" {
		return ""
	}
	return filepath.Dir(c.file)
}
