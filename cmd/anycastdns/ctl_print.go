package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anycastdns/anycastdns/health"
)

// printCtl writes the node's JSON answer to command for a person to read.
func printCtl(w io.Writer, command string, body []byte) error {
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return nil // ctl returns it, printed on stderr
	}
	now := time.Now()
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	defer tw.Flush()
	switch command {
	case "status":
		var st nodeStatus
		if err := json.Unmarshal(body, &st); err != nil {
			return err
		}
		printStatus(tw, st, now)
	case "zone-status":
		var z zoneStatus
		if err := json.Unmarshal(body, &z); err != nil {
			return err
		}
		fmt.Fprintln(tw, "zone\tsource\tserial\trecords\tfreshness")
		printZone(tw, z, now)
	case "reload":
		var rep reloadReport
		if err := json.Unmarshal(body, &rep); err != nil {
			return err
		}
		printConfigReport(tw, rep.Config)
		fmt.Fprintf(tw, "reloaded %d zone(s), %d failed\n", rep.Reloaded, rep.Failed)
		for _, z := range rep.Zones {
			if z.Error != "" {
				fmt.Fprintf(tw, "  %s\tfailed, serial %d keeps serving:\t%s\n", z.Zone, z.Serial, z.Error)
			} else {
				fmt.Fprintf(tw, "  %s\tserial %d\t%d records\n", z.Zone, z.Serial, z.Records)
			}
		}
		if rep.Error != "" {
			fmt.Fprintln(tw, "error:", rep.Error)
		}
	case "drain", "undrain":
		var st health.AdminState
		if err := json.Unmarshal(body, &st); err != nil {
			return err
		}
		fmt.Fprintf(tw, "maintenance\t%s\n", maintenanceText(&st.Maintenance))
		printPrefixes(tw, st.Prefixes, now)
	}
	return nil
}

// printStatus writes a node's status.
func printStatus(w io.Writer, st nodeStatus, now time.Time) {
	fmt.Fprintf(w, "identity\t%s\n", st.Identity)
	fmt.Fprintf(w, "version\t%s\n", st.Version)
	fmt.Fprintf(w, "uptime\t%s (since %s)\n", ago(st.Started, now), st.Started.UTC().Format(time.RFC3339))
	if st.Ready {
		fmt.Fprintln(w, "ready\tyes")
	} else {
		fmt.Fprintf(w, "ready\tno: %s\n", strings.Join(st.NotReady, "; "))
	}
	fmt.Fprintf(w, "listeners\t%s\n", strings.Join(st.Listeners, " "))
	if !st.Anycast {
		fmt.Fprintln(w, "anycast\tnone (no bgp.prefixes)")
	} else {
		fmt.Fprintf(w, "maintenance\t%s\n", maintenanceText(st.Maintenance))
		printPrefixes(w, st.Prefixes, now)
		if len(st.Peers) == 0 {
			fmt.Fprintln(w, "bgp\toff (no bgp.peers)")
		}
		for _, p := range st.Peers {
			fmt.Fprintf(w, "bgp peer\t%s\t%s\n", p.Address, p.State)
		}
	}
	fmt.Fprintln(w, "\nzone\tsource\tserial\trecords\tfreshness")
	for _, z := range st.Zones {
		printZone(w, z, now)
	}
}

// printPrefixes writes one line per service prefix: state, since when, why.
func printPrefixes(w io.Writer, ps []health.PrefixStatus, now time.Time) {
	for _, p := range ps {
		line := fmt.Sprintf("prefix\t%s\t%s for %s", p.Prefix, p.StateName, ago(p.Since, now))
		if p.Reason != "" {
			line += fmt.Sprintf(" (%s)", p.Reason)
		}
		if p.LastError != "" {
			line += ": " + p.LastError
		}
		fmt.Fprintln(w, line)
	}
}

// printZone writes one zone line.
func printZone(w io.Writer, z zoneStatus, now time.Time) {
	serial, records := fmt.Sprint(z.Serial), fmt.Sprint(z.Records)
	if !z.Loaded {
		serial, records = "-", "-"
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", z.Zone, z.Source, serial, records, freshnessText(z, now))
}

// freshnessText says how fresh a zone is: for a secondary zone when it was last
// refreshed and when it expires; for a signed zone when its signatures expire.
func freshnessText(z zoneStatus, now time.Time) string {
	var parts []string
	if s := z.Secondary; s != nil {
		switch {
		case s.Expired:
			parts = append(parts, "EXPIRED (answering SERVFAIL)")
		case s.Joining:
			parts = append(parts, "joining: no transfer yet")
		case !z.Loaded:
			parts = append(parts, "not transferred yet")
		}
		if s.LastRefresh != nil {
			parts = append(parts, "refreshed "+ago(*s.LastRefresh, now)+" ago")
		}
		if s.Expires != nil && !s.Expired {
			parts = append(parts, "expires in "+ago(now, *s.Expires))
		}
		if s.LaggingSince != nil {
			parts = append(parts, fmt.Sprintf("primary has serial %d since %s", s.PrimarySerial, ago(*s.LaggingSince, now)))
		}
	}
	if z.SignatureExpiry != nil {
		parts = append(parts, "signatures expire in "+ago(now, *z.SignatureExpiry))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// maintenanceText says which maintenance switches are on.
func maintenanceText(m *health.AdminSwitch) string {
	switch {
	case m == nil:
		return "-"
	case m.File && m.Admin:
		return "on (file and admin)"
	case m.File:
		return "on (file)"
	case m.Admin:
		return "on (admin: anycastdns ctl drain)"
	}
	return "off"
}

// ago returns to - from, rounded for reading.
func ago(from, to time.Time) string {
	d := to.Sub(from)
	switch {
	case d < 0:
		return "-" + ago(to, from)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < 48*time.Hour:
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%dd%s", d/(24*time.Hour), (d % (24 * time.Hour)).Round(time.Hour))
}

// printConfigReport writes what a reload did with the configuration file.
func printConfigReport(w io.Writer, c *configReport) {
	if c == nil {
		return
	}
	file := orDefault(c.File, "built-in defaults")
	switch {
	case c.Error != "":
		fmt.Fprintf(w, "configuration %s refused, nothing changed:\n", file)
		for line := range strings.SplitSeq(c.Error, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	case len(c.Applied) == 0:
		fmt.Fprintf(w, "configuration %s: no change\n", file)
	default:
		fmt.Fprintf(w, "configuration %s: applied %s\n", file, strings.Join(c.Applied, ", "))
	}
	if len(c.Restart) > 0 {
		fmt.Fprintf(w, "restart required for: %s (the node runs with their old values)\n", strings.Join(c.Restart, ", "))
	}
}
