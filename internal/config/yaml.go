package config

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration is decoded with gopkg.in/yaml.v3 for its strict mode
// (KnownFields) and for the line numbers of its nodes: every error names file:line.
// Before decoding, walk records the line of every key and checks what the decoder
// would report without a line: unknown keys, and text it would hand to an
// UnmarshalText method (addresses, prefixes).

// schemaField is one key of a section: its name and the field it decodes into.
type schemaField struct {
	key   string
	index []int // the field's index path (reflect.Value.FieldByIndex), through inline sections
	typ   reflect.Type
}

// fieldsOf lists the keys of struct type t in order, the keys of inline sections
// (yaml ",inline") in their place.
func fieldsOf(t reflect.Type) []schemaField {
	var out []schemaField
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case name == "" && opts == "inline":
			for _, sub := range fieldsOf(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
		case name != "":
			out = append(out, schemaField{key: name, index: []int{i}, typ: f.Type})
		}
	}
	return out
}

// fieldByKey returns the field of struct type t whose yaml key is key.
func fieldByKey(t reflect.Type, key string) (schemaField, bool) {
	for _, f := range fieldsOf(t) {
		if f.key == key {
			return f, true
		}
	}
	return schemaField{}, false
}

// keysOf lists the yaml keys of struct type t.
func keysOf(t reflect.Type) []string {
	var keys []string
	for _, f := range fieldsOf(t) {
		keys = append(keys, f.key)
	}
	return keys
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// isText reports whether values of type t are decoded from text by UnmarshalText.
func isText(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textUnmarshaler) }

// textWant says what a text value of each type must be, after the value.
var textWant = map[reflect.Type]string{
	reflect.TypeFor[netip.Addr]():   "is not an IP address",
	reflect.TypeFor[netip.Prefix](): "is not a prefix; want address/length, e.g. 198.51.100.53/32 or 2001:db8:53::53/128",
}

// parseText decodes s into dst, a pointer to a TextUnmarshaler, returning what is
// wrong with s.
func parseText(dst reflect.Value, s string) error {
	err := dst.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	if err == nil {
		return nil
	}
	if want, ok := textWant[dst.Elem().Type()]; ok {
		return fmt.Errorf("%q %s", s, want)
	}
	return fmt.Errorf("%q: %v", s, err)
}

// walk records the line of every key below n, which decodes into a value of type t at
// path, and appends an error for each key t does not have and each text value its
// type does not accept.
func (c *Config) walk(n *yaml.Node, t reflect.Type, path string, errs *[]error) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, k := range n.Content {
			c.walk(k, t, path, errs)
		}
	case yaml.AliasNode:
		c.walk(n.Alias, t, path, errs)
	case yaml.ScalarNode:
		var err error
		switch {
		case isText(t) && n.Tag != "!!null":
			err = parseText(reflect.New(t), n.Value)
		case n.Tag == "!!int":
			err = checkRange(t, n.Value)
		}
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s:%d: %s: %v", c.file, n.Line, path, err))
		}
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct || isText(t) {
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
			c.walk(v, f.typ, key, errs)
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

// checkRange reports an integer s that does not fit in the integer type t, which
// the decoder would report without naming the range.
func checkRange(t reflect.Type, s string) error {
	i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	if err != nil {
		return nil // not a plain integer: left to the decoder
	}
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.OverflowInt(i) {
			bits := t.Bits()
			return fmt.Errorf("%s; want %d to %d", s, int64(math.MinInt64)>>(64-bits), int64(math.MaxInt64)>>(64-bits))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if i < 0 || v.OverflowUint(uint64(i)) {
			return fmt.Errorf("%s; want 0 to %d", s, uint64(math.MaxUint64)>>(64-t.Bits()))
		}
	}
	return nil
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
