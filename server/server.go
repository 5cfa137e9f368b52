package server

import (
	"context"
	"errors"
	"net"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// Server answers DNS queries from the zones published in a zone.Store.
type Server struct {
	cfg     Config
	zones   *zone.Store
	metrics *Metrics
	log     *zap.Logger
}

// New returns a Server; it opens nothing until Start. metrics may be nil.
func New(cfg Config, zones *zone.Store, metrics *Metrics, log *zap.Logger) (*Server, error) {
	return &Server{cfg: cfg, zones: zones, metrics: metrics, log: log}, nil
}

// Start opens every listener (UDP and TCP on each address) and serves in the
// background. It returns an error naming the address that could not be opened.
func (s *Server) Start() error { return errors.New("server: not implemented yet") }

// Addrs returns the addresses actually bound (useful with port 0), UDP then TCP.
func (s *Server) Addrs() []net.Addr { return nil }

// Shutdown closes the listeners and waits for queries in flight, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error { return nil }
