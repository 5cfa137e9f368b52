package health

import (
	"encoding/json"
	"net/http"
)

// AdminState is the JSON body of every admin endpoint's answer.
type AdminState struct {
	Ready       bool           `json:"ready"`
	NotReady    []string       `json:"not_ready,omitempty"`
	Maintenance AdminSwitch    `json:"maintenance"`
	Prefixes    []PrefixStatus `json:"prefixes"`
}

// AdminSwitch shows both sources of the maintenance switch.
type AdminSwitch struct {
	File  bool `json:"file"`
	Admin bool `json:"admin"`
}

// AdminHandler returns the operator's maintenance endpoints, meant for the
// localhost metrics listener (mount it at "/admin/"):
//
//	POST /admin/drain    turn the admin maintenance switch on: drain every prefix
//	POST /admin/undrain  turn it off: prefixes return after Rise passing rounds
//	GET  /admin/state    readiness, both maintenance switches, every prefix's state
//
// Each answers with the state as JSON. The maintenance file, when present,
// keeps the node drained whatever the admin switch says.
func (m *Monitor) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/drain", func(w http.ResponseWriter, r *http.Request) {
		m.log.Info("admin maintenance switch on")
		m.SetMaintenance(true)
		m.writeState(w)
	})
	mux.HandleFunc("POST /admin/undrain", func(w http.ResponseWriter, r *http.Request) {
		m.log.Info("admin maintenance switch off")
		m.SetMaintenance(false)
		m.writeState(w)
	})
	mux.HandleFunc("GET /admin/state", func(w http.ResponseWriter, r *http.Request) {
		m.writeState(w)
	})
	return mux
}

// AdminState returns the state the admin endpoints report.
func (m *Monitor) AdminState() AdminState {
	ready, why := m.Ready()
	file, admin := m.Maintenance()
	return AdminState{
		Ready:       ready,
		NotReady:    why,
		Maintenance: AdminSwitch{File: file, Admin: admin},
		Prefixes:    m.Status(),
	}
}

func (m *Monitor) writeState(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(m.AdminState()) // a failed write means the client went away
}
