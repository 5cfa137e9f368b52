package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/anycastdns/anycastdns/internal/config"
	"github.com/anycastdns/anycastdns/zone"
)

// reloadReport says what a reload did: the configuration's changes applied and
// those that wait for a restart, each zone tried with its serial serving
// afterwards (the old one when it failed) and why it failed.
type reloadReport struct {
	// Config is what the reload did with the configuration file; nil when the
	// node reloads zone files only.
	Config   *configReport  `json:"config,omitempty"`
	Zones    []reloadedZone `json:"zones"`
	Reloaded int            `json:"reloaded"`
	Failed   int            `json:"failed"`
	Error    string         `json:"error,omitempty"` // a failure of no one zone
}

// configReport is the configuration part of a reloadReport.
type configReport struct {
	// File is the configuration file read ("" for the built-in defaults).
	File string `json:"file,omitempty"`
	// Applied are the changes made at run time: "zones[ORIGIN]", "listen",
	// "identity", "log.level", "tsig-keys", ...
	Applied []string `json:"applied"`
	// Restart are the keys changed in the file that the running node keeps
	// until a restart ("metrics", "bgp.router-id"); every reload names them
	// again until then.
	Restart []string `json:"restart_required,omitempty"`
	// Error says why the configuration was refused; then nothing changed.
	Error string `json:"error,omitempty"`
}

// reloadedZone is one zone of a reloadReport.
type reloadedZone struct {
	Zone    string `json:"zone"`
	Serial  uint32 `json:"serial"`
	Records int    `json:"records"`
	Error   string `json:"error,omitempty"`
}

// addError adds err to the errors of no one zone.
func (r *reloadReport) addError(err error) {
	if r.Error != "" {
		r.Error += "; "
	}
	r.Error += err.Error()
}

// failed reports whether the reload refused the configuration or a zone failed.
func (r reloadReport) failed() bool {
	return r.Failed > 0 || r.Error != "" || (r.Config != nil && r.Config.Error != "")
}

// reload is the SIGHUP action and POST /admin/reload: read the configuration
// again and apply what changed (reloadConfig), then load again the zones whose
// files changed. A configuration that does not load or validate changes
// nothing; a zone that fails keeps its old version serving. Reloads run one at
// a time.
func (n *node) reload() reloadReport {
	n.reloading.Lock()
	defer n.reloading.Unlock()
	start := time.Now()
	var rep reloadReport
	if n.loadConfig != nil {
		n.reloadConfig(&rep)
	}
	if rep.Config == nil || rep.Config.Error == "" {
		results, err := n.loader.Reload()
		for _, r := range results {
			n.reportZone(&rep, r, "zone reloaded")
		}
		if err != nil && !anyZoneFailed(results) { // not a zone's failure, e.g. building the set
			rep.addError(err)
			n.log.Error("reload failed", zap.Error(err))
		}
	}
	fields := []zap.Field{zap.Int("reloaded", rep.Reloaded), zap.Int("failed", rep.Failed),
		zap.Duration("took", time.Since(start))}
	if rep.Config != nil {
		fields = append(fields, zap.Strings("applied", rep.Config.Applied), zap.Strings("restart_required", rep.Config.Restart))
	}
	n.log.Info("reload done", fields...)
	return rep
}

// anyZoneFailed reports whether one of results is a zone's failure.
func anyZoneFailed(results []zone.LoadResult) bool {
	return slices.ContainsFunc(results, func(r zone.LoadResult) bool { return r.Err != nil })
}

// reportZone adds the outcome of one zone load to rep and logs it, with msg
// when it loaded.
func (n *node) reportZone(rep *reloadReport, r zone.LoadResult, msg string) {
	rz := reloadedZone{Zone: r.Origin, Serial: r.Serial, Records: r.Records}
	if r.Err != nil {
		rep.Failed++
		rz.Error = r.Err.Error()
		n.logErrors("zone reload failed; the old version keeps serving (a new zone is not served)", r,
			zap.Uint32("serial", r.Serial), zap.Int("records", r.Records))
	} else {
		rep.Reloaded++
		n.log.Info(msg, zoneFields(r)...)
		n.logWarnings(r)
	}
	rep.Zones = append(rep.Zones, rz)
}

// reloadConfig reads the configuration again and applies what changed, each
// part by its owner, in an order that never leaves a query unanswered:
//  1. the listeners: new sockets open before old ones close (server.SetListen),
//     then the probes move to them; a socket that cannot be opened refuses the
//     whole reload, with nothing changed;
//  2. the identity answers, cookies, rate limiting (accounts afresh), the log
//     level and the health settings (each prefix keeps its state);
//  3. BGP (anycast.reconfigure): peers added and removed, every announced prefix
//     announced again with new communities, prepend, MED; prefixes added are
//     watched and announced once healthy, prefixes removed withdrawn; what is
//     announced still follows health;
//  4. the zones: secondaries removed, then the file zones set (zone.Loader.Configure:
//     new ones served once loaded, removed ones dropped, moved ones loaded beside
//     the version serving), then the TSIG keys, policies, notify targets and the
//     secondaries added or changed (package transfer), the rate-limit exemptions
//     of their peers, and the zones the probes query.
//
// The keys that need a restart (config.Plan) are named in the report and the
// log, and the running configuration keeps their old values.
func (n *node) reloadConfig(rep *reloadReport) {
	old := n.config()
	cr := &configReport{File: old.File()}
	rep.Config = cr
	refuse := func(err error) {
		cr.Error = err.Error()
		n.log.Error("configuration not reloaded; nothing changed", zap.Error(err))
	}
	next, err := n.loadConfig()
	if err != nil {
		refuse(err)
		return
	}
	plan := config.NewPlan(old, next)
	applied := plan.Applied(old, next)

	if len(plan.ListenersAdded)+len(plan.ListenersRemoved) > 0 {
		// The probes move to the new addresses once they serve, before the
		// removed ones close.
		var probeErr error
		moveProbes := func(ports []int) {
			if n.anycast != nil {
				probeErr = n.anycast.setListen(next.Server.Listen, ports)
			}
		}
		if err := n.dns.SetListen(next.Server.Listen, moveProbes); err != nil {
			refuse(fmt.Errorf("listen: %w", err))
			return
		}
		if probeErr != nil {
			n.log.Error("health probe targets not changed", zap.Error(probeErr))
		}
		n.log.Info("listeners changed", zap.Strings("added", plan.ListenersAdded),
			zap.Strings("removed", plan.ListenersRemoved), zap.Strings("listeners", addrStrings(n.dns.Addrs())))
	}
	if slices.ContainsFunc(plan.Keys, func(k string) bool {
		return k == "identity" || k == "version" || k == "hide-version" || k == "nsid"
	}) {
		if err := n.dns.SetIdentity(next.Server); err != nil {
			n.log.Error("identity not changed", zap.Error(err))
			rep.addError(err)
			applied.Server.Identity, applied.Server.Version = old.Server.Identity, old.Server.Version
			applied.Server.HideVersion, applied.Server.NSID = old.Server.HideVersion, old.Server.NSID
		} else {
			n.log.Info("identity changed", zap.String("identity", n.dns.Identity()))
		}
	}
	if slices.Contains(plan.Keys, "cookies") {
		if err := n.dns.SetCookies(applied.Server.Cookies); err != nil {
			n.log.Error("cookie settings not changed", zap.Error(err))
			rep.addError(err)
			applied.Server.Cookies = old.Server.Cookies
		}
	}
	if slices.Contains(plan.Keys, "rate-limit") {
		if err := n.dns.SetRateLimit(applied.Server.RateLimit); err != nil {
			n.log.Error("rate-limit settings not changed", zap.Error(err))
			rep.addError(err)
			applied.Server.RateLimit = old.Server.RateLimit
		}
	}
	if slices.Contains(plan.Keys, "log.level") {
		if lv, err := zapcore.ParseLevel(next.Log.Level); err == nil {
			n.level.SetLevel(lv)
		}
	}
	if slices.Contains(plan.Keys, "health") && n.anycast != nil {
		if err := n.anycast.setHealth(applied); err != nil {
			n.log.Error("health settings not changed", zap.Error(err))
			rep.addError(err)
			applied.Health = old.Health
		} else {
			n.log.Info("health settings changed", zap.Int("rise", applied.Health.Rise), zap.Int("fall", applied.Health.Fall),
				zap.Duration("interval", applied.Health.Interval))
		}
	}
	if slices.Contains(plan.Keys, "bgp.drain") || slices.Contains(plan.Keys, "shutdown-timeout") {
		if n.anycast != nil {
			if err := n.anycast.setDrain(applied); err != nil {
				n.log.Error("drain settings not changed", zap.Error(err))
				rep.addError(err)
				applied.BGP.Drain, applied.ShutdownTimeout = old.BGP.Drain, old.ShutdownTimeout
			}
		}
	}
	if plan.RuntimeBGP() && n.anycast != nil {
		ctx, cancel := context.WithTimeout(context.Background(), bgpReloadTimeout)
		err := n.anycast.reconfigure(ctx, applied, plan.PrefixesAdded, plan.PrefixesRemoved, n.dns.ListenPorts())
		cancel()
		if err != nil {
			// What did apply stays; the next reload compares with the old
			// values and tries the rest again.
			n.log.Error("bgp not reconfigured", zap.Error(err))
			rep.addError(err)
			applied.BGP.Config = old.BGP.Config
		} else {
			n.log.Info("bgp reconfigured",
				zap.Stringers("prefixes_added", plan.PrefixesAdded), zap.Stringers("prefixes_removed", plan.PrefixesRemoved),
				zap.Stringers("peers_added", plan.PeersAdded), zap.Stringers("peers_removed", plan.PeersRemoved),
				zap.Stringers("peers_changed", plan.PeersChanged))
		}
	}
	if err := n.reloadZones(rep, plan, old, applied); err != nil {
		// The zones of old keep serving; the rest applied.
		n.log.Error("zones not reconfigured", zap.Error(err))
		rep.addError(err)
	}

	cr.Applied = plan.Summary()
	cr.Applied = slices.DeleteFunc(cr.Applied, func(k string) bool { return slices.Contains(plan.Restart, k) })
	cr.Restart = plan.Restart
	if len(plan.Restart) > 0 {
		n.log.Warn("configuration keys changed that need a restart; the node keeps their running values",
			zap.Strings("keys", plan.Restart))
	}
	n.mu.Lock()
	n.cfg = applied
	n.mu.Unlock()
	if n.anycast != nil {
		n.anycast.setZones(sortedKeys(requiredZones(applied)))
	}
}

// bgpReloadTimeout bounds the GoBGP calls of a reload (adding and deleting
// peers, announcing again).
const bgpReloadTimeout = 10 * time.Second

// reloadZones applies the zone changes of plan: secondaries removed, file zones
// set, then the transfer settings and the secondaries added or changed. A new
// zone that did not load is left out of applied, so that the next reload tries
// it again; one whose new file did not load keeps its running settings.
func (n *node) reloadZones(rep *reloadReport, plan config.Plan, old, applied *config.Config) error {
	keysChanged := slices.Contains(plan.Keys, "tsig-keys")
	if len(plan.ZonesAdded)+len(plan.ZonesRemoved)+len(plan.ZonesChanged) == 0 && !keysChanged {
		return nil
	}
	oldZones := n.fleet.zonesNow()
	newZones, err := fleetZonesOf(applied)
	if err != nil {
		return err
	}
	n.fleet.removeSecondaries(oldZones, newZones)
	results, err := n.loader.Configure(applied.ZoneFiles())
	for _, r := range results {
		n.reportZone(rep, r, "zone loaded")
		if r.Err != nil {
			applied.KeepZone(old, r.Origin)
		}
	}
	if err != nil && !anyZoneFailed(results) {
		return err
	}
	if anyZoneFailed(results) {
		// Some zones are as before: read the settings of what runs.
		if newZones, err = fleetZonesOf(applied); err != nil {
			return err
		}
	}
	if err := n.fleet.reconfigure(applied, oldZones, newZones, keysChanged); err != nil {
		return err
	}
	n.dns.SetRateLimitExempt(n.fleet.rateLimitExempt())
	for _, origin := range plan.ZonesRemoved {
		// The IXFR history of a removed file zone goes with it (a secondary's
		// went with Secondary.Remove).
		n.fleet.journal.Drop(origin)
		n.log.Info("zone removed", zap.String("zone", origin))
	}
	for _, origin := range plan.ZonesChanged {
		n.log.Info("zone changed", zap.String("zone", origin), zap.Strings("keys", plan.ZoneKeys[origin]))
	}
	return nil
}
