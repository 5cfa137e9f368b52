package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/health"
)

// Sources are where a configuration comes from, in increasing precedence: the
// defaults, the file, the environment, the flags.
type Sources struct {
	// File is the configuration file; "" means the defaults.
	File string
	// Getenv reads the ANYCASTDNS_* variables (env.go); nil reads none.
	Getenv func(name string) string
	// Flags are the values given on the command line.
	Flags Flags
	// Version is the answer to version.bind when the file sets none (Default).
	Version string
}

// Load reads the configuration of s, applies the environment and then the flags,
// and validates the whole. A new configuration is always built and checked whole,
// so that a reload can compare it with the running one (Diff).
func Load(s Sources) (*Config, error) {
	c := Default(s.Version)
	if s.File != "" {
		data, err := os.ReadFile(s.File)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if c, err = Parse(data, s.File, s.Version); err != nil {
			return nil, err
		}
	}
	if s.Getenv != nil {
		if err := c.applyEnv(s.Getenv); err != nil {
			return nil, err
		}
	}
	if err := c.applyFlags(s.Flags); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// Parse decodes data, the content of the file named file, over the defaults (see
// Default for version). It rejects unknown keys, naming each with its line. It does
// not validate values.
func Parse(data []byte, file, version string) (*Config, error) {
	c := Default(version)
	c.file = file
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, c.yamlError(err)
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file: all defaults
	}
	var errs []error
	c.walk(&doc, reflect.TypeOf(*c), "", &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, c.yamlError(err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, fmt.Errorf("%s: more than one YAML document; want one", file)
	}
	c.fileDefaults(version)
	c.resolvePaths(file)
	return c, nil
}

// fileDefaults fills in, after decoding, the defaults of keys left out that depend
// on other keys or sit in list items, and maps the values of the file that mean
// "none" to the zero value of their field.
func (c *Config) fileDefaults(version string) {
	if c.Server.Version == "" {
		c.Server.Version = version
	}
	if !c.has("health.timeout") {
		c.Health.Timeout = min(health.DefaultTimeout, c.Health.Interval)
	}
	b := &c.BGP.Config
	for i := range b.Peers {
		c.itemDefaults("bgp.peers["+strconv.Itoa(i)+"]", reflect.ValueOf(&b.Peers[i]).Elem(), announce.DefaultPeer())
	}
	// bgp.med: 0 sends none.
	if b.MED != nil && *b.MED == 0 {
		b.MED = nil
	}
	// An empty list and a list left out mean the same here.
	if len(b.Peers) == 0 {
		b.Peers = nil
	}
	if len(b.Prefixes) == 0 {
		b.Prefixes = nil
	}
	if len(b.Communities) == 0 {
		b.Communities = nil
	}
	if len(c.Server.Cookies.PreviousSecrets) == 0 {
		c.Server.Cookies.PreviousSecrets = nil
	}
	if len(c.Server.RateLimit.Exempt) == 0 {
		c.Server.RateLimit.Exempt = nil
	}
}

// itemDefaults sets each field of the list item v at key that the file left out to
// its value in def.
func (c *Config) itemDefaults(key string, v reflect.Value, def any) {
	d := reflect.ValueOf(def)
	for _, f := range fieldsOf(v.Type()) {
		if !c.has(key + "." + f.key) {
			v.FieldByIndex(f.index).Set(d.FieldByIndex(f.index))
		}
	}
}

// has reports whether the configuration file set key.
func (c *Config) has(key string) bool {
	_, ok := c.line[key]
	return ok
}
