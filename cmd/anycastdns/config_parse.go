package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration is decoded with gopkg.in/yaml.v3 for its strict mode
// (KnownFields) and for the line numbers of its nodes: every error names file:line.

// loadConfig reads and validates the configuration file at path.
func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := parseConfig(data, path)
	if err != nil {
		return nil, err
	}
	return c, c.validate()
}

// parseConfig decodes data, the content of the file named file, over the defaults. It
// rejects unknown keys, naming each with its line. It does not validate values.
func parseConfig(data []byte, file string) (*Config, error) {
	c := defaultConfig()
	c.file = file
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, c.yamlError(err)
	}
	if len(doc.Content) == 0 {
		return c, nil // an empty file: all defaults
	}
	var unknown []error
	c.walk(&doc, reflect.TypeOf(*c), "", &unknown)
	if len(unknown) > 0 {
		return nil, errors.Join(unknown...)
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
	if c.Version == "" {
		c.Version = defaultConfig().Version
	}
	c.applyAnycastDefaults()
	dir := filepath.Dir(file)
	for i := range c.Zones {
		if f := c.Zones[i].File; f != "" && !filepath.IsAbs(f) {
			c.Zones[i].path = filepath.Join(dir, f)
		} else {
			c.Zones[i].path = f
		}
	}
	return c, nil
}

// walk records the line of every key below n, which decodes into a value of type t at
// path, and appends an error for each key t does not have.
func (c *Config) walk(n *yaml.Node, t reflect.Type, path string, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, k := range n.Content {
			c.walk(k, t, path, errs)
		}
	case yaml.AliasNode:
		c.walk(n.Alias, t, path, errs)
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct {
			return // a type error, which the decoder reports with its line
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := joinKey(path, k.Value)
			f, ok := fieldByKey(t, k.Value)
			if !ok {
				*errs = append(*errs, fmt.Errorf("%s:%d: unknown key %q; known keys%s: %s",
					c.file, k.Line, key, inSection(path), strings.Join(keysOf(t), ", ")))
				continue
			}
			c.line[key] = k.Line
			c.walk(v, f.Type, key, errs)
		}
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return
		}
		for i, item := range n.Content {
			key := path + "[" + strconv.Itoa(i) + "]"
			c.line[key] = item.Line
			c.walk(item, t.Elem(), key, errs)
		}
	}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func inSection(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

// fieldByKey returns the field of struct type t whose yaml key is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keysOf lists the yaml keys of struct type t.
func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

// yamlLine matches the "line N: message" of the errors of gopkg.in/yaml.v3.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites an error of gopkg.in/yaml.v3 as "file:line: key: message" lines.
func (c *Config) yamlError(err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		sm := yamlLine.FindStringSubmatch(strings.TrimSpace(m))
		if sm == nil {
			errs = append(errs, fmt.Errorf("%s: %s", c.file, strings.TrimPrefix(m, "yaml: ")))
			continue
		}
		line, _ := strconv.Atoi(sm[1])
		msg := sm[2]
		switch {
		case strings.HasSuffix(msg, "into time.Duration"):
			msg = strings.TrimPrefix(msg, "cannot unmarshal ") + ": want a duration such as 10s or 1m30s"
		case strings.HasPrefix(msg, "cannot unmarshal "):
			msg = strings.TrimPrefix(msg, "cannot unmarshal ")
		}
		if key := c.keyAt(line); key != "" {
			msg = key + ": " + msg
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", c.file, line, msg))
	}
	return errors.Join(errs...)
}

// keyAt returns the deepest key path on line, or "".
func (c *Config) keyAt(line int) string {
	best := ""
	for k, l := range c.line {
		if l == line && len(k) > len(best) {
			best = k
		}
	}
	return best
}

// where names the place that set key: "flag -listen", "environment ANYCASTDNS_LISTEN",
// "file:line", or the file.
func (c *Config) where(key string) string {
	for k := key; k != ""; k = parentKey(k) {
		if f, ok := c.set[k]; ok {
			if strings.HasPrefix(f, "ANYCASTDNS_") {
				return "environment " + f
			}
			return "flag -" + f
		}
	}
	// A value without a line of its own (in a flow list) is placed at its parent's.
	for k := key; k != ""; k = parentKey(k) {
		if l, ok := c.line[k]; ok {
			return c.file + ":" + strconv.Itoa(l)
		}
	}
	if c.file != "" {
		return c.file
	}
	return "default"
}

// parentKey returns the path of the key holding key: "tcp" for "tcp.idle-timeout",
// "zones" for "zones[1]", "" at the top.
func parentKey(key string) string {
	if i := strings.LastIndexAny(key, ".["); i >= 0 {
		return key[:i]
	}
	return ""
}
