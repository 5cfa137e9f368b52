package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anycastdns/anycastdns/internal/config"
)

// ctlUsage is the help of `anycastdns ctl`.
const ctlUsage = `usage: anycastdns ctl [-addr HOST:PORT | -config FILE] [-json] [-timeout D] COMMAND

Talks to a running node over its metrics listener (metrics.listen, loopback by default).

commands:
  status             identity, version, uptime, readiness, every prefix's state and reason,
                     the BGP sessions, every zone with its serial, records and freshness
  zone-status ZONE   one zone
  reload             reload the configuration file and the zone files that changed (as
                     SIGHUP): zones added, removed or changed, listen addresses (new
                     sockets before old ones close), identity, cookies, rate limiting,
                     TSIG keys, log level, health, BGP peers, prefixes, communities,
                     prepend and MED; lists what it did and the keys that need a restart
  drain              maintenance on: every prefix drains (GRACEFUL_SHUTDOWN), then is withdrawn
  undrain            maintenance off: prefixes return once their probes pass

exit status: 0 done; 1 the node refused or failed (unknown zone, a configuration that
does not validate: nothing changed, a zone that did not reload, no prefixes to drain);
2 bad command line; 3 the node could not be reached; 4 reloaded, but keys changed that
take effect only at a restart (named on stderr).
`

// restartError is a reload that applied the configuration but for the keys it
// names, which need a restart; ctl exits with status 4.
type restartError struct{ keys []string }

func (e restartError) Error() string {
	return "reload: applied, but these keys take effect only at a restart: " + strings.Join(e.keys, ", ")
}

// unreachableError is a node that did not answer; ctl exits with status 3.
type unreachableError struct{ err error }

func (e unreachableError) Error() string { return e.err.Error() }
func (e unreachableError) Unwrap() error { return e.err }

// ctl runs `anycastdns ctl`.
func (c *command) ctl(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("anycastdns ctl", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { fmt.Fprint(c.stderr, ctlUsage, "\nflags:\n"); fs.PrintDefaults() }
	addr := fs.String("addr", "", "the node's metrics listener, HOST:PORT (default: metrics.listen of -config, else 127.0.0.1:9153)")
	configFile := fs.String("config", "", "read the metrics listener from this configuration file")
	asJSON := fs.Bool("json", false, "print the node's answer as JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "give up on the node after this long")
	if err := fs.Parse(args); err != nil {
		return parseError(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usageError{errors.New("ctl: no command")}
	}
	target, err := c.ctlAddr(*addr, *configFile)
	if err != nil {
		return err
	}
	var method, path string
	switch cmd := rest[0]; {
	case cmd == "status" && len(rest) == 1:
		method, path = http.MethodGet, "/admin/status"
	case cmd == "zone-status" && len(rest) == 2:
		method, path = http.MethodGet, "/admin/zones/"+url.PathEscape(canonicalName(rest[1]))
	case (cmd == "reload" || cmd == "drain" || cmd == "undrain") && len(rest) == 1:
		method, path = http.MethodPost, "/admin/"+cmd
	default:
		fs.Usage()
		return usageError{fmt.Errorf("ctl: %q: want status, zone-status ZONE, reload, drain or undrain", strings.Join(rest, " "))}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	code, body, err := ctlRequest(ctx, method, "http://"+target+path)
	if err != nil {
		return unreachableError{fmt.Errorf("ctl: node at %s: %w", target, err)}
	}
	if *asJSON {
		_, _ = c.stdout.Write(body)
	} else if err := printCtl(c.stdout, rest[0], body); err != nil {
		return fmt.Errorf("ctl: the node's answer: %w", err)
	}
	if code != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("ctl %s: %s", rest[0], e.Error)
		}
		return fmt.Errorf("ctl %s: the node answered %d %s", rest[0], code, http.StatusText(code))
	}
	if rest[0] == "reload" {
		var rep reloadReport
		if json.Unmarshal(body, &rep) == nil && rep.Config != nil && len(rep.Config.Restart) > 0 {
			return restartError{rep.Config.Restart}
		}
	}
	return nil
}

// ctlAddr returns the metrics listener to talk to: addr, else the configuration's
// metrics.listen (an unspecified host means loopback), else the default.
func (c *command) ctlAddr(addr, configFile string) (string, error) {
	if addr == "" && (configFile != "" || c.getenv(config.EnvConfig) != "") {
		cfg, err := c.config(configFile, overrides{})
		if err != nil {
			return "", err
		}
		addr = cfg.Metrics.Listen
		if addr == "" {
			return "", usageError{errors.New("ctl: the configuration has no metrics.listen: nothing to talk to")}
		}
	}
	if addr == "" {
		addr = "127.0.0.1:9153"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usageError{fmt.Errorf("ctl: -addr %q: want HOST:PORT", addr)}
	}
	if host == "" || host == "0.0.0.0" {
		host = "127.0.0.1"
	} else if host == "::" {
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// ctlRequest sends one request and returns the status and body of the answer.
func ctlRequest(ctx context.Context, method, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, body, err
}
