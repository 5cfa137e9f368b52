package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/anycastdns/anycastdns/zone"
)

// Server answers DNS queries from the zones published in a zone.Store.
type Server struct {
	cfg     Config
	zones   *zone.Store
	metrics *Metrics
	log     *zap.Logger
	// transfers serves zone transfers, NOTIFY and signed messages; nil: AXFR and
	// IXFR are refused, NOTIFY is not implemented.
	transfers Transfers
	// expireOf is Options.ZoneExpire (nil: the SOA's EXPIRE).
	expireOf func(*zone.Zone) uint32
	// id holds the identity answers (identity.go); SetIdentity swaps them.
	id atomic.Pointer[identity]
	// cookies are the cookie secrets (cookie.go); SetCookies replaces them.
	cookies atomic.Pointer[cookies]
	// rrl is Response Rate Limiting of UDP replies (rrl.go), nil when off;
	// SetRateLimit replaces it.
	rrl atomic.Pointer[rateLimiter]
	// rrlExempt is Options.RateLimitExempt, as SetRateLimitExempt last set it.
	rrlExempt []netip.Prefix
	// slowOnly makes every reply go through the miekg/dns path (respond.go), so
	// that tests can compare it with the fast path (fast.go).
	slowOnly bool

	// scratches holds the per-query memory of TCP queries (UDP readers own theirs).
	scratches sync.Pool

	closing atomic.Bool
	wg      sync.WaitGroup // every serving goroutine

	mu      sync.Mutex
	started bool
	udp     []*udpListener
	tcp     []*net.TCPListener
	ports   []int       // the port bound for each address of cfg.Listen
	bound   []boundAddr // the listeners of each address of cfg.Listen
	conns   connTable   // open TCP connections (tcp_conns.go)
}

// Options are the optional collaborators of a Server.
type Options struct {
	// Metrics receives the per-query metrics; nil counts nothing.
	Metrics *Metrics
	// Logger receives the server's log; nil logs nothing.
	Logger *zap.Logger
	// Transfers serves zone transfers (AXFR, IXFR), NOTIFY and TSIG-signed
	// messages; nil keeps them out: AXFR and IXFR are REFUSED, NOTIFY is NOTIMP,
	// and a signed query is answered as an unsigned one.
	Transfers Transfers
	// ZoneExpire returns the value of the EDNS EXPIRE option (RFC 7314 section 3)
	// for z: the seconds until this node's copy expires for a secondary zone;
	// nil answers the SOA EXPIRE field of every zone, a primary's value.
	ZoneExpire func(z *zone.Zone) uint32
	// RateLimitExempt are source prefixes whose replies Response Rate Limiting
	// never limits, besides Config.RateLimit.Exempt: the transfer and NOTIFY
	// peers that the zones' access lists admit, say.
	RateLimitExempt []netip.Prefix
}

// New returns a Server answering from zones; it opens nothing until Start. The zero
// fields of cfg take their defaults (an empty Identity the host name, see
// DefaultIdentity), and the identity answers (hostname.bind, id.server,
// version.bind, NSID) are computed here, once.
func New(cfg Config, zones *zone.Store, opts Options) (*Server, error) {
	if zones == nil {
		return nil, errors.New("server: no zone store")
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	if cfg.Identity == "" {
		id, err := DefaultIdentity()
		if err != nil {
			return nil, err
		}
		cfg.Identity = id
	}
	for _, a := range cfg.Listen {
		if _, err := net.ResolveUDPAddr("udp", a); err != nil {
			return nil, fmt.Errorf("server: listen address %q: %w", a, err)
		}
	}
	ck, err := newCookies(cfg.Cookies, log)
	if err != nil {
		return nil, fmt.Errorf("server: cookies: %w", err)
	}
	s := &Server{
		cfg:       cfg,
		zones:     zones,
		metrics:   opts.Metrics,
		log:       log,
		transfers: opts.Transfers,
		expireOf:  opts.ZoneExpire,
	}
	s.id.Store(newIdentity(cfg))
	s.cookies.Store(&ck)
	s.rrlExempt = opts.RateLimitExempt
	s.rrl.Store(newRateLimiter(cfg.RateLimit, opts.RateLimitExempt, opts.Metrics, log))
	s.scratches.New = func() any { return newTCPScratch() }
	return s, nil
}

// Start opens every listener (UDP and TCP on each address) and serves in the
// background. It returns an error naming the address that could not be opened, and
// then leaves nothing open. With port 0, UDP and TCP get the same port.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closing.Load() {
		return errors.New("server: already started or shut down")
	}
	bound, err := s.open(s.cfg.Listen)
	if err != nil {
		return err
	}
	s.started = true
	s.setBound(bound)
	for _, b := range bound {
		s.serve(b)
	}
	return nil
}

// boundAddr is what one listen address of Config.Listen opened: a UDP and a TCP
// listener per address family it stands for (familyAddrs), and the port bound.
type boundAddr struct {
	addr string
	udp  []*udpListener
	tcp  []*net.TCPListener
	port int
}

// close closes the listeners of b; connections already accepted carry on.
func (b boundAddr) close() {
	for _, u := range b.udp {
		u.close()
	}
	for _, t := range b.tcp {
		t.Close()
	}
}

// open opens the listeners of every address of listen, or none: on an error,
// which names the address, whatever it opened is closed again.
func (s *Server) open(listen []string) ([]boundAddr, error) {
	var bound []boundAddr
	for _, addr := range listen {
		b := boundAddr{addr: addr}
		for _, a := range familyAddrs(addr) {
			if b.port != 0 {
				a = withPort(a, b.port)
			}
			u, t, err := listenPair(a, s.cfg.UDPSockets)
			if err != nil {
				b.close()
				for _, o := range bound {
					o.close()
				}
				return nil, fmt.Errorf("server: listen on %s: %w", a, err)
			}
			b.udp = append(b.udp, u)
			b.tcp = append(b.tcp, t)
			if b.port == 0 {
				b.port = u.localAddr().(*net.UDPAddr).Port
			}
		}
		bound = append(bound, b)
	}
	return bound, nil
}

// setBound makes bound the listeners of the server: s.cfg.Listen, s.udp, s.tcp
// and s.ports follow it. s.mu is held.
func (s *Server) setBound(bound []boundAddr) {
	s.bound = bound
	s.cfg.Listen = make([]string, 0, len(bound))
	s.udp, s.tcp, s.ports = nil, nil, nil
	for _, b := range bound {
		s.cfg.Listen = append(s.cfg.Listen, b.addr)
		s.udp = append(s.udp, b.udp...)
		s.tcp = append(s.tcp, b.tcp...)
		s.ports = append(s.ports, b.port)
	}
}

// serve starts the readers and the accept loops of b.
func (s *Server) serve(b boundAddr) {
	for _, u := range b.udp {
		s.log.Info("listening", zap.String("transport", "udp"), zap.Stringer("addr", u.localAddr()),
			zap.Int("sockets", len(u.socks)))
		s.serveUDP(u)
	}
	for _, t := range b.tcp {
		s.log.Info("listening", zap.String("transport", "tcp"), zap.Stringer("addr", t.Addr()))
		s.wg.Add(1)
		go s.serveTCP(t)
	}
}

// listenPair opens the UDP sockets (socks of them where SO_REUSEPORT is
// available) and the TCP listener of one address. When the port is 0, TCP takes
// the port UDP was given, retrying a few times if it is taken.
func listenPair(addr string, socks int) (*udpListener, *net.TCPListener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		u, err := listenUDP(ua, socks)
		if err != nil {
			return nil, nil, err
		}
		ta := &net.TCPAddr{IP: ua.IP, Port: u.localAddr().(*net.UDPAddr).Port, Zone: ua.Zone}
		t, err := net.ListenTCP(tcpNetwork(ua.IP), ta)
		if err == nil {
			deferAccept(t) // tcp_linux.go
			return u, t, nil
		}
		u.close()
		if ua.Port != 0 || !errors.Is(err, syscall.EADDRINUSE) || attempt == 10 {
			return nil, nil, err
		}
	}
}

// Addrs returns the addresses actually bound (useful with port 0), UDP then TCP.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var addrs []net.Addr
	for _, u := range s.udp {
		addrs = append(addrs, u.localAddr())
	}
	for _, t := range s.tcp {
		addrs = append(addrs, t.Addr())
	}
	return addrs
}

// ListenPorts returns the port bound for each address of Config.Listen, in the same
// order (UDP and TCP of one address share it; it differs from the configured port
// only for port 0). It returns nil before Start.
func (s *Server) ListenPorts() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ports) == 0 {
		return nil
	}
	return slices.Clone(s.ports)
}

// Identity returns the node's identity: Config.Identity, or the host name.
func (s *Server) Identity() string { return s.id.Load().name }

// Shutdown closes the listeners and waits for queries in flight, or for ctx. TCP
// connections stop reading at once and close when the replies to the queries
// already read are written; when ctx ends first they are closed at once and
// ctx.Err() is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.mu.Lock()
	for _, u := range s.udp {
		u.close()
		s.log.Info("stopped listening", zap.String("transport", "udp"), zap.Stringer("addr", u.localAddr()))
	}
	for _, t := range s.tcp {
		t.Close()
		s.log.Info("stopped listening", zap.String("transport", "tcp"), zap.Stringer("addr", t.Addr()))
	}
	now := time.Now()
	for tc := s.conns.oldest; tc != nil; tc = tc.next {
		// Wake the reader; queries already read are still answered.
		tc.c.SetReadDeadline(now)
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for tc := s.conns.oldest; tc != nil; tc = tc.next {
			tc.closeFor(closeShutdown)
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}
