package deploy

import (
	"bytes"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// composeFile holds the keys of the Compose specification deploy/compose.yaml may use:
// it is decoded strictly, so a misspelt key fails the test.
type composeFile struct {
	Extension composeService            `yaml:"x-anycastdns"`
	Services  map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image           string            `yaml:"image"`
	NetworkMode     string            `yaml:"network_mode"`
	ReadOnly        bool              `yaml:"read_only"`
	User            string            `yaml:"user"`
	CapDrop         []string          `yaml:"cap_drop"`
	CapAdd          []string          `yaml:"cap_add"`
	SecurityOpt     []string          `yaml:"security_opt"`
	Restart         string            `yaml:"restart"`
	Volumes         []string          `yaml:"volumes"`
	StopSignal      string            `yaml:"stop_signal"`
	StopGracePeriod string            `yaml:"stop_grace_period"`
	Ulimits         map[string]any    `yaml:"ulimits"`
	Healthcheck     map[string]any    `yaml:"healthcheck"`
	Profiles        []string          `yaml:"profiles"`
	Hostname        string            `yaml:"hostname"`
	Environment     map[string]string `yaml:"environment"`
	Command         []string          `yaml:"command"`
}

func TestCompose(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(mustRead(t, "compose.yaml")))
	dec.KnownFields(true)
	var cf composeFile
	if err := dec.Decode(&cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if len(cf.Services) < 2 {
		t.Fatalf("compose.yaml: %d services, want one per PoP, at least 2", len(cf.Services))
	}
	// The fleet's configuration: the Kubernetes example's, which listens on the same
	// anycast addresses; each PoP's environment must load with it.
	var cm k8sObject
	for _, o := range k8sObjects(t)["configmap.yaml"] {
		cm = o
	}
	example := parseFacts(t, "anycastdns.example.yaml", mustRead(t, "anycastdns.example.yaml"))
	wantImage := kustomizeImage(t)

	seen := map[string]map[string]string{} // variable → value → service
	for name, s := range cf.Services {
		where := "compose.yaml service " + name
		if s.Image != wantImage {
			t.Errorf("%s: image %q, want %q (make image, and the kustomization)", where, s.Image, wantImage)
		}
		if s.NetworkMode != "host" {
			t.Errorf("%s: network_mode %q, want host", where, s.NetworkMode)
		}
		if !s.ReadOnly || s.User != imageUser || !slices.Equal(s.CapDrop, []string{"ALL"}) ||
			!slices.Equal(s.CapAdd, []string{"NET_BIND_SERVICE"}) {
			t.Errorf("%s: read_only %v, user %q, cap_drop %v, cap_add %v; want true, %q, [ALL], [NET_BIND_SERVICE]",
				where, s.ReadOnly, s.User, s.CapDrop, s.CapAdd, imageUser)
		}
		if s.StopSignal != "SIGTERM" {
			t.Errorf("%s: stop_signal %q, want SIGTERM (it drains)", where, s.StopSignal)
		}
		if d, err := time.ParseDuration(s.StopGracePeriod); err != nil || d < example.stopTime() {
			t.Errorf("%s: stop_grace_period %q, want a duration of at least drain grace + linger + shutdown-timeout (%v)",
				where, s.StopGracePeriod, example.stopTime())
		}
		// GoBGP v3 advertises the OS host name in the BGP hostname capability, with no
		// setting to change it: the container's host name is the node's identity, so
		// that the router names the node as its DNS answers do.
		if id := s.Environment["ANYCASTDNS_IDENTITY"]; s.Hostname != id {
			t.Errorf("%s: hostname %q, want the identity %q (the BGP hostname capability carries the host name)", where, s.Hostname, id)
		}
		if len(s.Profiles) != 1 {
			t.Errorf("%s: profiles %v, want one (each PoP host starts its own service)", where, s.Profiles)
		}
		checkFlags(t, where+" command", append([]string{"serve"}, s.Command...))
		checkEnvNames(t, where, s.Environment)

		cfgPath := s.Environment["ANYCASTDNS_CONFIG"]
		if cfgPath == "" {
			cfgPath = imageConfig
		}
		mounted := false
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) == 3 && parts[1] == path.Dir(cfgPath) && parts[2] == "ro" {
				mounted = true
			}
		}
		if !mounted {
			t.Errorf("%s: volumes %v: want one mounted read-only at %s", where, s.Volumes, path.Dir(cfgPath))
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if k != "ANYCASTDNS_CONFIG" {
				env[k] = v
			}
		}
		checkConfig(t, where, cm.Data, filepath.Base(cfgPath), env)
		for _, k := range []string{"ANYCASTDNS_IDENTITY", "ANYCASTDNS_ROUTER_ID"} {
			v := s.Environment[k]
			if seen[k] == nil {
				seen[k] = map[string]string{}
			}
			if other, dup := seen[k][v]; dup {
				t.Errorf("%s: %s=%q, the same as service %s's; want one per PoP", where, k, v, other)
			}
			seen[k][v] = name
		}
	}
}

// kustomizeImage returns the image the kustomization names, NAME:TAG.
func kustomizeImage(t *testing.T) string {
	t.Helper()
	var kust struct {
		Images []struct {
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join("kubernetes", "kustomization.yaml")), &kust); err != nil {
		t.Fatal(err)
	}
	if len(kust.Images) != 1 {
		t.Fatalf("kustomization.yaml: %d images, want 1", len(kust.Images))
	}
	return kust.Images[0].NewName + ":" + kust.Images[0].NewTag
}
