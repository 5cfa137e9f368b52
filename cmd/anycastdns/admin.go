package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// adminHandler serves the operator's endpoints below /admin/ on the metrics
// listener (loopback by default; whoever reaches it controls the node, as with
// knotc's socket):
//
//	GET  /admin/status        nodeStatus: identity, readiness, prefixes, BGP, zones
//	GET  /admin/zones/{zone}  one zone's zoneStatus; 404 for a zone not served
//	POST /admin/reload        reload the configuration and the changed zone files (as
//	                          SIGHUP): 200, or 422 when the configuration was refused or a
//	                          zone failed; the reloadReport names the keys needing a restart
//	POST /admin/drain         maintenance on: drain every prefix (health.Monitor)
//	POST /admin/undrain       maintenance off
//	GET  /admin/state         readiness, maintenance switches, prefix states
//
// a is the anycast part; without it the last three answer 409 Conflict.
func (n *node) adminHandler(a *anycast) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/status", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, n.status(a, time.Now()))
	})
	mux.HandleFunc("GET /admin/zones/{zone}", func(w http.ResponseWriter, r *http.Request) {
		name := canonicalName(r.PathValue("zone"))
		for _, z := range n.zoneStatuses() {
			if strings.EqualFold(z.Zone, name) {
				writeJSON(w, http.StatusOK, z)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "zone " + name + " is not served by this node"})
	})
	mux.HandleFunc("POST /admin/reload", func(w http.ResponseWriter, _ *http.Request) {
		n.log.Info("reload requested", zap.String("by", "POST /admin/reload"))
		rep := n.reload()
		code := http.StatusOK
		if rep.failed() {
			code = http.StatusUnprocessableEntity
		}
		writeJSON(w, code, rep)
	})
	if a != nil {
		mux.Handle("/admin/", a.mon.AdminHandler())
	} else {
		mux.HandleFunc("/admin/", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "no bgp.prefixes configured: nothing to drain"})
		})
	}
	return mux
}

// writeJSON answers v as indented JSON with code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // a failed write means the client went away
}
