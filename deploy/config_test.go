package deploy

import (
	"net"
	"strconv"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// configFacts are the keys of an anycastdns configuration the manifests must agree
// with. The binary's own strict parser checks the whole file (anycastdns check); this
// reads only these keys, with the defaults of deploy/anycastdns.example.yaml.
type configFacts struct {
	Listen  []string `yaml:"listen"`
	Metrics struct {
		Listen *string `yaml:"listen"`
	} `yaml:"metrics"`
	ShutdownTimeout *time.Duration `yaml:"shutdown-timeout"`
	BGP             struct {
		Drain struct {
			Grace  *time.Duration `yaml:"grace"`
			Linger *time.Duration `yaml:"linger"`
		} `yaml:"drain"`
	} `yaml:"bgp"`
}

// parseFacts reads the facts of the configuration data.
func parseFacts(t *testing.T, where string, data []byte) configFacts {
	t.Helper()
	var f configFacts
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return f
}

// metricsAddr returns the metrics listener's host and port (default 127.0.0.1:9153).
func (f configFacts) metricsAddr(t *testing.T) (string, int) {
	t.Helper()
	addr := "127.0.0.1:9153"
	if f.Metrics.Listen != nil {
		addr = *f.Metrics.Listen
	}
	return splitHostPort(t, addr)
}

// listenPorts returns the DNS ports of listen (or of the default, 5353).
func (f configFacts) listenPorts(t *testing.T) []int {
	t.Helper()
	listen := f.Listen
	if listen == nil {
		listen = []string{"127.0.0.1:5353", "[::1]:5353"}
	}
	var ports []int
	for _, l := range listen {
		_, p := splitHostPort(t, l)
		ports = append(ports, p)
	}
	return ports
}

// stopTime returns how long a stop may take: drain grace + linger + shutdown-timeout.
func (f configFacts) stopTime() time.Duration {
	d := func(p *time.Duration, def time.Duration) time.Duration {
		if p == nil {
			return def
		}
		return *p
	}
	return d(f.BGP.Drain.Grace, 5*time.Second) + d(f.BGP.Drain.Linger, 2*time.Second) +
		d(f.ShutdownTimeout, 5*time.Second)
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%q: %v", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("%q: port: %v", addr, err)
	}
	return host, p
}
