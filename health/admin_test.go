package health

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"
)

func TestAdminHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMonitor(t, Config{}, true, v4)
		h.after(1500 * time.Millisecond)
		admin := h.mon.AdminHandler()

		call := func(method, path string) (int, AdminState) {
			t.Helper()
			rec := httptest.NewRecorder()
			admin.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			synctest.Wait()
			var st AdminState
			if rec.Code == http.StatusOK {
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s %s: got content type %q, want application/json", method, path, ct)
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
			}
			return rec.Code, st
		}

		code, st := call("GET", "/admin/state")
		if code != http.StatusOK || !st.Ready || len(st.Prefixes) != 1 || st.Prefixes[0].StateName != "healthy" {
			t.Errorf("GET state: got %d %+v, want 200, ready, one healthy prefix", code, st)
		}

		if code, _ := call("POST", "/admin/drain"); code != http.StatusOK {
			t.Errorf("POST drain: got %d, want 200", code)
		}
		h.wantState(v4, Draining)
		_, st = call("GET", "/admin/state")
		if st.Ready || !st.Maintenance.Admin || st.Maintenance.File || st.Prefixes[0].StateName != "draining" {
			t.Errorf("after drain: got %+v, want not ready, admin switch on, draining", st)
		}

		if code, _ := call("GET", "/admin/drain"); code != http.StatusMethodNotAllowed {
			t.Errorf("GET drain: got %d, want 405", code)
		}
		if code, _ := call("POST", "/admin/nothing"); code != http.StatusNotFound {
			t.Errorf("POST unknown: got %d, want 404", code)
		}

		if code, _ := call("POST", "/admin/undrain"); code != http.StatusOK {
			t.Errorf("POST undrain: got %d, want 200", code)
		}
		h.wantState(v4, Unhealthy)
		h.after(2 * time.Second)
		_, st = call("GET", "/admin/state")
		if !st.Ready || st.Maintenance.Admin || st.Prefixes[0].Reason != ReasonRise {
			t.Errorf("after undrain and rise: got %+v, want ready, switch off, reason rise", st)
		}
	})
}
