package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/anycastdns/anycastdns/announce"
	"github.com/anycastdns/anycastdns/transfer"
)

// exampleFile is the annotated configuration that documents every key.
var exampleFile = filepath.Join("..", "..", "deploy", "anycastdns.example.yaml")

// leafKeys lists the key paths of a schema type, e.g. "tcp.idle-timeout", each
// section before its keys; list items are not entered.
func leafKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for _, f := range fieldsOf(t) {
		key := joinKey(prefix, f.key)
		keys = append(keys, key)
		if f.typ.Kind() == reflect.Struct && !isText(f.typ) {
			keys = append(keys, leafKeys(f.typ, key)...)
		}
	}
	return keys
}

// Every key of the example maps to exactly one field of the schema, and every field
// has its key in the example: no key is undocumented, none is declared twice (an
// inline section cannot shadow a key of the struct that holds it).
func TestExampleKeysMapToOneField(t *testing.T) {
	c, err := loadFile(exampleFile)
	if err != nil {
		t.Fatalf("Load(%s): %v", exampleFile, err)
	}
	keys := leafKeys(reflect.TypeFor[Config](), "")
	for _, key := range keys {
		if n := countOf(keys, key); n != 1 {
			t.Errorf("key %q maps to %d fields, want 1", key, n)
		}
		if !c.has(key) {
			t.Errorf("key %q is missing from %s", key, exampleFile)
		}
	}
	for key := range c.line {
		if !strings.Contains(key, "[") && !slices.Contains(keys, key) {
			t.Errorf("key %q of %s maps to no field", key, exampleFile)
		}
	}
	// The keys of a peer are documented in a comment under bgp.peers.
	peerKeys := leafKeys(reflect.TypeFor[announce.Peer](), "")
	documented := commentedPeer(t)
	for _, key := range peerKeys {
		if n := countOf(peerKeys, key); n != 1 {
			t.Errorf("peer key %q maps to %d fields, want 1", key, n)
		}
		if !slices.Contains(documented, key) {
			t.Errorf("peer key %q is not documented in %s", key, exampleFile)
		}
	}
	for _, key := range documented {
		if !slices.Contains(peerKeys, key) {
			t.Errorf("documented peer key %q maps to no field of announce.Peer", key)
		}
	}
}

func countOf(keys []string, key string) int {
	n := 0
	for _, k := range keys {
		if k == key {
			n++
		}
	}
	return n
}

// commentedPeer returns the keys of the peer shown in the comment above bgp.peers
// ("#   - address: 192.0.2.1 ...").
func commentedPeer(t *testing.T) []string {
	t.Helper()
	return commentedItem(t, "  ", "address")
}

// commentedItem returns the keys of the list item documented in a comment of the
// example, indented by indent, whose first key is first.
func commentedItem(t *testing.T, indent, first string) []string {
	t.Helper()
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	item := regexp.MustCompile(`(?m)^` + indent + `#   (- [a-z-]+:.*?|  [a-z-]+:.*?)(\s+#.*)?$`)
	var text strings.Builder
	started := false
	for _, m := range item.FindAllStringSubmatch(string(data), -1) {
		if strings.HasPrefix(m[1], "- ") {
			if started {
				break
			}
			started = strings.HasPrefix(m[1], "- "+first+":")
		}
		if started {
			text.WriteString(m[1] + "\n")
		}
	}
	var items []map[string]any
	if err := yaml.Unmarshal([]byte(text.String()), &items); err != nil || len(items) != 1 {
		t.Fatalf("the commented item (%s) of %s: %v (%d items)\n%s", first, exampleFile, err, len(items), text.String())
	}
	var keys []string
	for k := range items[0] {
		keys = append(keys, k)
	}
	return keys
}

// The keys of a zone and of a TSIG key are documented in comments above their
// lists; each maps to one field, and every field is documented.
func TestExampleListItemKeys(t *testing.T) {
	for _, c := range []struct {
		first  string
		schema reflect.Type
	}{
		{"origin", reflect.TypeFor[Zone]()},
		{"name", reflect.TypeFor[transfer.KeyConfig]()},
	} {
		keys := leafKeys(c.schema, "")
		documented := commentedItem(t, "", c.first)
		for _, key := range keys {
			if !slices.Contains(documented, key) {
				t.Errorf("%s key %q is not documented in %s", c.schema, key, exampleFile)
			}
		}
		for _, key := range documented {
			if !slices.Contains(keys, key) {
				t.Errorf("documented key %q maps to no field of %s", key, c.schema)
			}
		}
	}
}

// envSamples are a valid value of each variable, for TestEnvVarsMapToOneField.
var envSamples = map[string]string{
	EnvIdentity:  "pop9",
	EnvListen:    "192.0.2.9:53",
	EnvRouterID:  "192.0.2.9",
	EnvLocalAS:   "65009",
	EnvBGPPeers:  "192.0.2.1@65000",
	EnvLogFormat: "json",
	EnvLogLevel:  "debug",
}

// changedLeaves lists the key paths whose values differ between a and b, the
// deepest key of each difference.
func changedLeaves(a, b reflect.Value, path string) []string {
	var keys []string
	for _, f := range fieldsOf(a.Type()) {
		key := joinKey(path, f.key)
		va, vb := a.FieldByIndex(f.index), b.FieldByIndex(f.index)
		switch {
		case reflect.DeepEqual(va.Interface(), vb.Interface()):
		case f.typ.Kind() == reflect.Struct && !isText(f.typ) && f.typ != reflect.TypeFor[time.Duration]():
			keys = append(keys, changedLeaves(va, vb, key)...)
		default:
			keys = append(keys, key)
		}
	}
	return keys
}

// Every ANYCASTDNS_* variable maps to exactly one field: set alone, it changes that
// field and no other, and it names the key of that field. Every variable the
// deployment files use is one anycastdns reads.
func TestEnvVarsMapToOneField(t *testing.T) {
	keys := leafKeys(reflect.TypeFor[Config](), "")
	seen := map[string]string{}
	for _, e := range envVars {
		if !slices.Contains(keys, e.key) {
			t.Errorf("%s: key %q is not in the schema", e.name, e.key)
		}
		if other, dup := seen[e.key]; dup {
			t.Errorf("%s and %s both replace %s", e.name, other, e.key)
		}
		seen[e.key] = e.name
		v, ok := envSamples[e.name]
		if !ok {
			t.Errorf("%s: no sample value", e.name)
			continue
		}
		c, err := Load(Sources{Getenv: mapEnv(map[string]string{e.name: v}), Version: testVersion})
		if err != nil && e.name != EnvBGPPeers { // peers alone lack router-id and prefixes
			t.Errorf("%s=%q: %v", e.name, v, err)
		}
		if c == nil {
			continue
		}
		got := changedLeaves(reflect.ValueOf(*Default(testVersion)), reflect.ValueOf(*c), "")
		if !slices.Equal(got, []string{e.key}) {
			t.Errorf("%s=%q changed %v, want only %s", e.name, v, got, e.key)
		}
		if w := c.where(e.key); w != "environment "+e.name {
			t.Errorf("%s: where(%s) = %q, want environment %s", e.name, e.key, w, e.name)
		}
	}
	used := regexp.MustCompile(`ANYCASTDNS_[A-Z_]+`)
	files, _ := filepath.Glob(filepath.Join("..", "..", "deploy", "kubernetes", "*.yaml"))
	files = append(files, exampleFile, filepath.Join("..", "..", "deploy", "compose.yaml"),
		filepath.Join("..", "..", "deploy", "systemd", "anycastdns.service"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range used.FindAllString(string(data), -1) {
			if !slices.Contains(EnvVars(), name) {
				t.Errorf("%s uses %s, which anycastdns does not read", f, name)
			}
		}
	}
}
