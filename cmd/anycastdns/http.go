package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// readiness holds the conditions that keep the node from being ready, by name. The node
// is ready when none is pending. /readyz lists the pending ones.
type readiness struct {
	mu      sync.Mutex
	pending map[string]string         // name → why it is not ready
	sources []func() (bool, []string) // more conditions, e.g. the health monitor's
}

// newReadiness returns a readiness with the given conditions pending.
func newReadiness(pending map[string]string) *readiness {
	return &readiness{pending: pending}
}

// set marks the condition name as met (why == "") or pending (why says what is missing).
func (r *readiness) set(name, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if why == "" {
		delete(r.pending, name)
	} else {
		r.pending[name] = why
	}
}

// addSource adds a condition computed on each request: ready reports whether it is
// met, and why lists, one item per line, what is missing.
func (r *readiness) addSource(src func() (ready bool, why []string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sources = append(r.sources, src)
}

// notReady returns "name: why" for each pending condition, sorted, then the lines of
// each source that is not ready; empty when ready.
func (r *readiness) notReady() []string {
	r.mu.Lock()
	out := make([]string, 0, len(r.pending))
	for name, why := range r.pending {
		out = append(out, name+": "+why)
	}
	sources := slices.Clone(r.sources)
	r.mu.Unlock()
	slices.Sort(out)
	for _, src := range sources {
		if ok, why := src(); !ok {
			out = append(out, why...)
		}
	}
	return out
}

// lateHandler serves a handler set once the node has built it (the admin endpoints
// exist only once the listeners are open); until then it answers 503.
type lateHandler struct {
	h atomic.Pointer[http.Handler]
}

// set installs h.
func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

// ServeHTTP serves the installed handler, or 503 when there is none yet.
func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := l.h.Load()
	if h == nil {
		http.Error(w, "not available: the node is starting", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}

// newHTTPHandler serves /metrics from reg, /healthz (the process is alive: always 200),
// /readyz (200 when ready, else 503 listing what is not ready) and, below /admin/, the
// operator's endpoints of admin (nil: none).
func newHTTPHandler(reg *prometheus.Registry, ready *readiness, admin http.Handler, log *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	if admin != nil {
		mux.Handle("/admin/", admin)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: zap.NewStdLog(log), Registry: reg, Timeout: 10 * time.Second,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if nr := ready.notReady(); len(nr) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready\n%s\n", strings.Join(nr, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// httpServer is the metrics and health listener.
type httpServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error // the result of Serve

	once sync.Once
	err  error // of the first shutdown
}

// startHTTP listens on addr and serves h in the background.
func startHTTP(addr string, h http.Handler, log *zap.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	s := &httpServer{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 5 * time.Second,
			IdleTimeout:       time.Minute,
			ErrorLog:          zap.NewStdLog(log),
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// addr returns the bound address (useful with port 0).
func (s *httpServer) addr() net.Addr { return s.ln.Addr() }

// shutdown stops accepting, lets requests in flight finish (or ctx end) and waits for
// the serving goroutine. Calls after the first return the first one's result.
func (s *httpServer) shutdown(ctx context.Context) error {
	s.once.Do(func() {
		s.err = s.srv.Shutdown(ctx)
		if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
			s.err = errors.Join(s.err, serr)
		}
	})
	return s.err
}
