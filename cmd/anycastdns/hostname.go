package main

import "go.uber.org/zap"

// warnHostnameCapability logs a warning when the BGP hostname capability will not
// name this node as its DNS identity does. GoBGP v3 (v3.37) fills the capability from
// os.Hostname() in its FSM (capabilitiesFromConfig) and has no setting or API to
// change it, so the router's operator sees the OS host name (FRR: "hostname" in `show
// bgp neighbors json`, BIRD: "Hostname:"); the fix is to give the node its identity as
// its host name (the container's hostname), which the README's router section says.
func warnHostnameCapability(log *zap.Logger, identity string, hostname func() (string, error)) {
	host, err := hostname()
	if err != nil || host == identity {
		return
	}
	log.Warn("bgp hostname capability carries the OS host name, not the identity; set the host name (the container's hostname) to the identity",
		zap.String("hostname", host), zap.String("identity", identity))
}
