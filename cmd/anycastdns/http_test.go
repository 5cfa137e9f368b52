package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHealthEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	ready := newReadiness(map[string]string{condZones: "not loaded", condListeners: "not open"})
	var admin lateHandler
	h := newHTTPHandler(reg, ready, &admin, zap.NewNop())
	prefixOK := true

	steps := []struct {
		name       string
		change     func()
		path       string
		wantCode   int
		wantBody   []string
		unwantBody []string
	}{
		{"alive before anything", nil, "/healthz", 200, []string{"ok"}, nil},
		{"not ready lists both", nil, "/readyz", 503, []string{"not ready", "dns listeners: not open", "zones: not loaded"}, nil},
		{"zones loaded", func() { ready.set(condZones, "") }, "/readyz", 503,
			[]string{"dns listeners: not open"}, []string{"zones:"}},
		{"listeners open", func() { ready.set(condListeners, "") }, "/readyz", 200, []string{"ready"}, []string{"not ready"}},
		{"a source not ready", func() {
			ready.addSource(func() (bool, []string) {
				if prefixOK {
					return true, nil
				}
				return false, []string{"maintenance: drained by the admin endpoint", "prefix 192.0.2.53/32: draining"}
			})
			prefixOK = false
		}, "/readyz", 503, []string{"not ready\nmaintenance: drained by the admin endpoint\nprefix 192.0.2.53/32: draining\n"}, nil},
		{"the source ready again", func() { prefixOK = true }, "/readyz", 200, []string{"ready"}, []string{"not ready"}},
		{"admin before the node built it", nil, "/admin/state", 503, []string{"not available"}, nil},
		{"admin once set", func() {
			admin.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "admin "+r.URL.Path) }))
		}, "/admin/state", 200, []string{"admin /admin/state"}, nil},
		{"stopping", func() { ready.set(condStopping, "shutting down") }, "/readyz", 503, []string{"stopping: shutting down"}, nil},
		{"alive while stopping", nil, "/healthz", 200, []string{"ok"}, nil},
		{"metrics from the registry passed in", nil, "/metrics", 200, []string{"test_total 3"}, nil},
		{"unknown path", nil, "/nope", 404, nil, nil},
	}
	for _, s := range steps {
		if s.change != nil {
			s.change()
		}
		code, body := get(t, h, s.path)
		if code != s.wantCode {
			t.Errorf("%s: GET %s: got status %d, want %d (body %q)", s.name, s.path, code, s.wantCode, body)
		}
		for _, w := range s.wantBody {
			if !strings.Contains(body, w) {
				t.Errorf("%s: GET %s: got body %q, want it to contain %q", s.name, s.path, body, w)
			}
		}
		for _, w := range s.unwantBody {
			if strings.Contains(body, w) {
				t.Errorf("%s: GET %s: got body %q, want no %q", s.name, s.path, body, w)
			}
		}
	}
}
