package config

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/internal/testutil"
	"github.com/anycastdns/anycastdns/server"
)

// writeFile writes content to name in dir and returns its path.
var writeFile = testutil.WriteFile

// testVersion is the default of version in the tests.
const testVersion = "anycastdns test"

// loadFile loads the configuration file at path, with no environment or flag.
func loadFile(path string) (*Config, error) { return Load(Sources{File: path, Version: testVersion}) }

func TestDefaultConfig(t *testing.T) {
	c := Default(testVersion)
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Server.Listen, []string{"127.0.0.1:5353", "[::1]:5353"}},
		{"metrics.listen", c.Metrics.Listen, "127.0.0.1:9153"},
		{"udp-size", c.Server.UDPSize, uint16(1232)},
		{"nsid", c.Server.NSID, true},
		{"hide-version", c.Server.HideVersion, false},
		{"tcp.idle-timeout", c.Server.TCP.IdleTimeout, 10 * time.Second},
		{"tcp.max-connections", c.Server.TCP.MaxConns, 1000},
		{"tcp.max-queries-per-connection", c.Server.TCP.MaxQueries, 0},
		{"tcp.max-connections-per-source", c.Server.TCP.MaxConnsPerSource, 0},
		{"tcp.io-timeout", c.Server.TCP.IOTimeout, 500 * time.Millisecond},
		{"tcp.busy-idle-timeout", c.Server.TCP.BusyIdleTimeout, 200 * time.Millisecond},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "console"},
		{"shutdown-timeout", c.ShutdownTimeout, 5 * time.Second},
		{"version", c.Server.Version, testVersion},
		{"zones (nil: the built-in examples)", c.Zones == nil, true},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	var origins []string
	for _, zf := range c.ZoneFiles() {
		origins = append(origins, zf.Origin)
	}
	if want := []string{"example.org.", "example.net."}; !slices.Equal(origins, want) {
		t.Errorf("default zones: got %v, want %v", origins, want)
	}
}

// The annotated example under deploy/ must show the defaults: parsed, it equals the
// built-in configuration except for its zones, which name the example files.
func TestExampleConfigShowsTheDefaults(t *testing.T) {
	path := filepath.Join("..", "..", "deploy", "anycastdns.example.yaml")
	c, err := loadFile(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	d := Default(testVersion)
	got, want := *c, *d
	got.Zones, got.file, got.line, got.set = nil, "", nil, nil
	want.file, want.line, want.set = "", nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example config:\n got %+v\nwant %+v", got, want)
	}
	var files []string
	for _, z := range c.Zones {
		files = append(files, filepath.ToSlash(z.path))
	}
	if want := []string{"../../zones/example.org.zone", "../../zones/example.net.zone"}; !slices.Equal(files, want) {
		t.Errorf("example zone paths: got %v, want %v", files, want)
	}
}

func TestParseConfigValues(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "a.yaml", `
identity: pop1.example
version: "v9"
hide-version: true
nsid: false
listen: ["192.0.2.1:53", "[2001:db8::1]:53", ":5300"]
udp-size: 1400
udp-sockets: 3
tcp: {idle-timeout: 3s, max-connections: 7, max-queries-per-connection: 9}
metrics:
  listen: ""
log: {level: debug, format: json}
shutdown-timeout: 1m30s
zones:
  - origin: Example.ORG
    file: z/example.org.zone
  - origin: example.net.
    file: /abs/example.net.zone
`)
	c, err := loadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"identity", c.Server.Identity, "pop1.example"},
		{"version", c.Server.Version, "v9"},
		{"hide-version", c.Server.HideVersion, true},
		{"nsid", c.Server.NSID, false},
		{"listen", c.Server.Listen, []string{"192.0.2.1:53", "[2001:db8::1]:53", ":5300"}},
		{"udp-size", c.Server.UDPSize, uint16(1400)},
		{"udp-sockets", c.Server.UDPSockets, 3},
		{"tcp", c.Server.TCP, server.TCPConfig{IdleTimeout: 3 * time.Second, MaxConns: 7, MaxQueries: 9,
			IOTimeout: 500 * time.Millisecond, BusyIdleTimeout: 200 * time.Millisecond}},
		{"metrics.listen", c.Metrics.Listen, ""},
		{"log", c.Log, Log{Level: "debug", Format: "json"}},
		{"shutdown-timeout", c.ShutdownTimeout, 90 * time.Second},
		{"zone 0 path (relative to the config folder)", c.Zones[0].path, filepath.Join(dir, "z", "example.org.zone")},
		{"zone 1 path (absolute)", c.Zones[1].path, "/abs/example.net.zone"},
		{"line of tcp", c.line["tcp"], 9},
		{"line of zones[1].file", c.line["zones[1].file"], 18},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseConfigEmptyFileIsDefaults(t *testing.T) {
	for _, content := range []string{"", "# only a comment\n", "---\n"} {
		c, err := Parse([]byte(content), "empty.yaml", testVersion)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if !reflect.DeepEqual(c.Server, Default(testVersion).Server) || c.Zones != nil {
			t.Errorf("%q: got %+v zones %v, want the defaults", content, c.Server, c.Zones)
		}
	}
}

// Each bad file must fail, naming the file, the line and the key.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"unknown top-level key", "udp-size: 1232\nlisten-on: [\"127.0.0.1:53\"]\n",
			[]string{`c.yaml:2: unknown key "listen-on"`, "known keys: identity"}},
		{"unknown nested key", "tcp:\n  idle-timeout: 5s\n  idle: 5s\n",
			[]string{`c.yaml:3: unknown key "tcp.idle"; known keys in tcp: idle-timeout, max-connections`}},
		{"unknown key in a zone", "zones:\n  - origin: a.\n    file: a.zone\n  - origin: b.\n    fille: b.zone\n",
			[]string{`c.yaml:5: unknown key "zones[1].fille"`}},
		{"two unknown keys, both named", "bgp-peers: {}\nhealthcheck: {}\n",
			[]string{`c.yaml:1: unknown key "bgp-peers"`, `c.yaml:2: unknown key "healthcheck"`}},
		{"udp-size too small", "udp-size: 100\n", []string{"c.yaml:1: udp-size: 100; want 512 to 65535"}},
		{"udp-size too large", "\nudp-size: 70000\n", []string{"c.yaml:2: udp-size: 70000"}},
		{"udp-sockets negative", "udp-sockets: -1\n", []string{"c.yaml:1: udp-sockets: -1; want 0 (one fewer than the CPUs) to 1024"}},
		{"udp-size not a number", "udp-size: big\n", []string{"c.yaml:1: udp-size:", "big"}},
		{"duration without unit", "tcp:\n  idle-timeout: 10\n", []string{"c.yaml:2: tcp.idle-timeout:", "want a duration such as 10s"}},
		{"negative duration", "shutdown-timeout: -1s\n", []string{"c.yaml:1: shutdown-timeout: -1s; want a positive duration"}},
		{"zero max-connections", "tcp: {max-connections: 0}\n", []string{"c.yaml:1: tcp.max-connections: 0; want at least 1"}},
		{"negative max-queries-per-connection", "tcp: {max-queries-per-connection: -1}\n", []string{"c.yaml:1: tcp.max-queries-per-connection: -1; want 0 (no limit) or more"}},
		{"per-source cap over max-connections", "tcp: {max-connections: 10, max-connections-per-source: 11}\n", []string{"c.yaml:1: tcp.max-connections-per-source: 11; want at most max-connections (10)"}},
		{"zero io-timeout", "tcp:\n  io-timeout: 0s\n", []string{"c.yaml:2: tcp.io-timeout: 0s; want a positive duration"}},
		{"listen without port", "listen:\n  - 127.0.0.1\n", []string{`c.yaml:2: listen[0]: "127.0.0.1": want host:port`}},
		{"listen port out of range", "listen:\n  - 127.0.0.1:53\n  - 127.0.0.1:65536\n", []string{`c.yaml:3: listen[1]:`, "want 0 to 65535"}},
		{"listen host name", "listen: [\"localhost:53\"]\n", []string{`c.yaml:1: listen[0]:`, "is not an IP address"}},
		{"listen twice", "listen: [\"127.0.0.1:53\", \"127.0.0.1:53\"]\n", []string{"listed twice"}},
		{"listen empty", "listen: []\n", []string{"c.yaml:1: listen: no address"}},
		{"metrics.listen bad", "metrics:\n  listen: nine\n", []string{"c.yaml:2: metrics.listen:"}},
		{"log level", "log:\n  level: verbose\n", []string{`c.yaml:2: log.level: "verbose"; want debug, info, warn or error`}},
		{"log format", "log: {format: text}\n", []string{`log.format: "text"; want console or json`}},
		{"zones empty", "zones: []\n", []string{"c.yaml:1: zones: empty list"}},
		{"zone without origin", "zones:\n  - file: a.zone\n", []string{"c.yaml:2: zones[0].origin: missing"}},
		{"zone without file", "zones:\n  - origin: a.\n", []string{"c.yaml:2: zones[0].file: missing; want the zone's master file, or primaries"}},
		{"zone origin not a name", "zones:\n  - origin: a..b\n    file: a.zone\n", []string{`c.yaml:2: zones[0].origin: "a..b" is not a domain name`}},
		{"duplicate origins, any case", "zones:\n  - {origin: example.org., file: a}\n  - {origin: EXAMPLE.org, file: b}\n",
			[]string{"c.yaml:3: zones[1].origin: zone example.org. is also zones[0]"}},
		{"identity too long", "identity: " + strings.Repeat("x", 256) + "\n", []string{"c.yaml:1: identity: 256 bytes"}},
		{"wrong type for a section", "tcp: 5\n", []string{"c.yaml:1: tcp:"}},
		{"yaml syntax", "listen: [\n", []string{"c.yaml:"}},
		{"duplicate key", "udp-size: 1232\nudp-size: 1400\n", []string{"c.yaml:2:", "already defined"}},
		{"two documents", "udp-size: 1232\n---\nudp-size: 1400\n", []string{"more than one YAML document"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantConfigError(t, tc.yaml, tc.want) })
	}
}

// wantConfigError parses and validates the configuration text as file c.yaml and
// checks that it fails with an error containing every string of want.
func wantConfigError(t *testing.T, yaml string, want []string) {
	t.Helper()
	c, err := Parse([]byte(yaml), "c.yaml", testVersion)
	if err == nil {
		err = c.Validate()
	}
	if err == nil {
		t.Fatalf("got no error, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got error %q, want it to contain %q", err, w)
		}
	}
}

func TestFlagOverrides(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "c.yaml", "identity: from-file\nlisten: [\"192.0.2.1:53\"]\nzones:\n  - {origin: a., file: a.zone}\n")

	cfg, err := Load(Sources{File: path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Identity != "from-file" || !slices.Equal(cfg.Server.Listen, []string{"192.0.2.1:53"}) || cfg.Zones[0].Path() != filepath.Join(dir, "a.zone") {
		t.Errorf("no flags: got identity %q listen %v zone %q, want the file's", cfg.Server.Identity, cfg.Server.Listen, cfg.Zones[0].Path())
	}

	cfg, err = Load(Sources{File: path, Flags: Flags{Listen: []string{"127.0.0.1:0", "[::1]:0"},
		Zones: []Zone{FlagZone("b.", "rel/b.zone"), FlagZone("c.", "/abs/c.zone")}, Identity: "from-flag"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Server.Listen, []string{"127.0.0.1:0", "[::1]:0"}; !slices.Equal(got, want) {
		t.Errorf("-listen: got %v, want %v", got, want)
	}
	if cfg.Server.Identity != "from-flag" {
		t.Errorf("-identity: got %q, want from-flag", cfg.Server.Identity)
	}
	var zs []string
	for _, z := range cfg.Zones {
		zs = append(zs, z.Origin+"="+z.Path())
	}
	// -zone files are relative to the current folder, not to the config file's.
	if want := []string{"b.=rel/b.zone", "c.=/abs/c.zone"}; !slices.Equal(zs, want) {
		t.Errorf("-zone: got %v, want %v (replacing the file's zones)", zs, want)
	}

	// A bad flag value is reported as coming from the flag.
	_, err = Load(Sources{File: path, Flags: Flags{Listen: []string{"nowhere"}}})
	if err == nil || !strings.Contains(err.Error(), "flag -listen: listen[0]:") {
		t.Errorf("bad -listen: got %v, want an error naming flag -listen", err)
	}
	_, err = Load(Sources{File: filepath.Join(dir, "missing.yaml")})
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing config file: got %v, want an error naming it", err)
	}
}
