package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const testSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ=="

func TestTransferConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"undefined key in primaries", "zones:\n  - origin: a.\n    primaries: [{address: 192.0.2.1, key: nokey}]\n",
			[]string{`c.yaml:3: zones[0].primaries[0].key: key "nokey" is not defined in tsig-keys`}},
		{"primary address", "zones:\n  - origin: a.\n    primaries:\n      - address: primary.example\n",
			[]string{`c.yaml:4: zones[0].primaries[0].address: "primary.example" is not an address or address:port`}},
		{"acl rule", "zones:\n  - origin: a.\n    file: a.zone\n    allow-transfer: [\"10.0.0.0/33\"]\n",
			[]string{`c.yaml:4: zones[0].allow-transfer[0]: rule "10.0.0.0/33"`}},
		{"acl key undefined", "zones:\n  - origin: a.\n    file: a.zone\n    allow-notify: [\"key k1\"]\n",
			[]string{`zones[0].allow-notify[0]: key "k1." is not defined in tsig-keys`}},
		{"catalog without primaries", "zones:\n  - origin: cat.\n    file: cat.zone\n    catalog: true\n",
			[]string{"zones[0].catalog: a catalog zone needs primaries"}},
		{"key without secret", "tsig-keys:\n  - name: k1\n", []string{"c.yaml:2: tsig-keys[0]: no secret"}},
		{"key secret twice", "tsig-keys:\n  - {name: k1, secret: " + testSecret + ", secret-env: X}\n", []string{"tsig-keys[0]: secret set twice"}},
		{"key algorithm", "tsig-keys:\n  - {name: k1, algorithm: hmac-md5, secret: " + testSecret + "}\n", []string{`tsig-keys[0]: algorithm "hmac-md5"`}},
		{"key secret not base64", "tsig-keys:\n  - {name: k1, secret: 'not base64!'}\n", []string{"tsig-keys[0]: secret of key k1. is not base64"}},
		{"key env unset", "tsig-keys:\n  - {name: k1, secret-env: ANYCASTDNS_TEST_UNSET_SECRET}\n", []string{"variable ANYCASTDNS_TEST_UNSET_SECRET is not set"}},
		{"key twice", "tsig-keys:\n  - {name: k1, secret: " + testSecret + "}\n  - {name: K1., secret: " + testSecret + "}\n", []string{"tsig-keys[1].name: key k1. is defined twice"}},
		{"jitter", "transfer: {jitter: 0.9}\n", []string{"c.yaml:1: transfer.jitter: 0.9; want 0 to 0.5"}},
		{"refresh bounds", "transfer:\n  refresh-min: 1h\n  refresh-max: 1m\n", []string{"c.yaml:3: transfer.refresh-max: 1m0s; want at least transfer.refresh-min (1h0m0s)"}},
		{"source family", "transfer: {source-ipv4: '2001:db8::1'}\n", []string{"transfer.source-ipv4: 2001:db8::1 is not an IPv4 address"}},
		{"max-lag", "health: {max-lag: -1s}\n", []string{"health.max-lag: -1s"}},
		{"unknown zone key", "zones:\n  - origin: a.\n    primary: [192.0.2.1]\n", []string{`c.yaml:3: unknown key "zones[0].primary"`}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantConfigError(t, tc.yaml, tc.want) })
	}
}

func TestTransferConfigValues(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k2.secret"), []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANYCASTDNS_TEST_SECRET", testSecret)
	text := `
tsig-keys:
  - {name: k1, secret: ` + testSecret + `}
  - {name: k2, algorithm: hmac-sha512, secret-file: k2.secret}
  - {name: k3, algorithm: hmac-sha1, secret-env: ANYCASTDNS_TEST_SECRET}
transfer:
  source-ipv4: 192.0.2.10
  state-dir: /var/lib/x
zones:
  - origin: example.com.
    primaries: [{address: "192.0.2.1:5300", key: k1}, {address: "2001:db8::1"}]
    allow-notify: ["192.0.2.1", "key k2"]
    notify: [{address: "192.0.2.7", key: k3}]
    required: false
  - origin: example.org.
    file: example.org.zone
    allow-transfer: ["127.0.0.0/8 key k1"]
`
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := loadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ring, err := c.Keyring()
	if err != nil {
		t.Fatal(err)
	}
	for name, alg := range map[string]string{"k1": dns.HmacSHA256, "k2": dns.HmacSHA512, "k3": dns.HmacSHA1} {
		if k, ok := ring.Key(name); !ok || k.Algorithm != alg || k.Secret != testSecret {
			t.Errorf("key %s: got %v %v, want %s with the secret", name, k, ok, alg)
		}
	}
	sec := c.Zones[0]
	if !sec.Secondary() || sec.IsRequired() || c.Zones[1].Secondary() || !c.Zones[1].IsRequired() {
		t.Errorf("zones: secondary %v required %v; %v %v", sec.Secondary(), sec.IsRequired(), c.Zones[1].Secondary(), c.Zones[1].IsRequired())
	}
	if ap, err := sec.Primaries[1].AddrPort(); err != nil || ap.String() != "[2001:db8::1]:53" {
		t.Errorf("primary 2: %v %v, want port 53 by default", ap, err)
	}
	if files := c.ZoneFiles(); len(files) != 1 || !strings.HasSuffix(files[0].Source.Path, "example.org.zone") {
		t.Errorf("ZoneFiles: %+v, want the file zone only", files)
	}
	if c.Transfer.SourceIPv4.String() != "192.0.2.10" || c.Transfer.StateDir != "/var/lib/x" {
		t.Errorf("transfer section: %+v", c.Transfer)
	}
}
