package anycast

import (
	"errors"
	"slices"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/anycastdns/anycastdns/internal/config/field"
)

func TestDefaultConfig(t *testing.T) {
	if got, want := DefaultConfig(), (Config{Grace: 5 * time.Second, Linger: 2 * time.Second}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// The section decodes from YAML over the defaults: a key left out keeps its
// default, and 0 is a value (no wait), not "unset".
func TestConfigYAML(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want Config
	}{
		{"{}", DefaultConfig()},
		{"grace: 1s", Config{Grace: time.Second, Linger: DefaultLinger}},
		{"{grace: 0s, linger: 500ms}", Config{Grace: 0, Linger: 500 * time.Millisecond}},
	} {
		got := DefaultConfig()
		if err := yaml.Unmarshal([]byte(tc.yaml), &got); err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v, want %+v", tc.yaml, got, err, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want []string // each error, key first
	}{
		{DefaultConfig(), nil},
		{Config{}, nil},
		{Config{Grace: -time.Second}, []string{"grace: -1s; want 0 or a positive duration"}},
		{Config{Grace: time.Second, Linger: -2 * time.Second}, []string{"linger: -2s; want 0 or a positive duration"}},
		{Config{Grace: -1, Linger: -1}, []string{
			"grace: -1ns; want 0 or a positive duration",
			"linger: -1ns; want 0 or a positive duration",
		}},
	} {
		err := tc.cfg.Validate()
		var got []string
		if err != nil {
			for _, e := range field.List(err) {
				var fe *field.Error
				if !errors.As(e, &fe) {
					t.Errorf("%+v: error %v names no key (*field.Error)", tc.cfg, e)
				}
				got = append(got, e.Error())
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got errors %q, want %q", tc.cfg, got, tc.want)
		}
	}
}
