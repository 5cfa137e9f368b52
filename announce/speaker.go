package announce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Options holds a Speaker's collaborators.
type Options struct {
	// Logger receives the speaker's decisions and, under the name
	// "gobgp", GoBGP's own logs. Default: no logging.
	Logger *zap.Logger
	// Level is the AtomicLevel Logger was built with; GoBGP reads and sets
	// its level through it. Default: a new level at info.
	Level zap.AtomicLevel
	// Registerer receives the speaker's metrics and GoBGP's collector.
	// Default: none.
	Registerer prometheus.Registerer
}

// prefixState is what the speaker currently announces for one prefix.
type prefixState uint8

const (
	withdrawn prefixState = iota
	announced
	draining // announced with GRACEFUL_SHUTDOWN
)

type prefixEntry struct {
	state prefixState
	uuid  []byte // GoBGP's id of the announced path
}

// PeerStatus is a snapshot of one BGP session.
type PeerStatus struct {
	Address netip.Addr
	// State is the session state: "idle", "connect", "active", "opensent",
	// "openconfirm", "established", or "unknown".
	State string
}

// Speaker announces this node's service prefixes to its routers. Its
// methods are safe for concurrent use; decisions are applied in the order
// they are made.
type Speaker struct {
	cfg         Config
	log         *zap.Logger
	srv         *server.BgpServer
	m           *speakerMetrics
	communities []uint32

	mu       sync.Mutex // serialises decisions and guards the fields below
	started  bool
	stopped  bool
	prefixes map[netip.Prefix]*prefixEntry
	peers    map[netip.Addr]api.PeerState_SessionState
	unwatch  context.CancelFunc
}

// New validates cfg and builds a speaker; nothing is dialled before Start.
// Zero optional fields of cfg take their defaults.
func New(cfg Config, opts Options) (*Speaker, error) {
	cfg = cfg.WithDefaults()
	if !cfg.Enabled() {
		return nil, errors.New("announce: at least one peer is required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("announce: %w", err)
	}
	s := &Speaker{
		cfg:      cfg,
		log:      opts.Logger,
		m:        newSpeakerMetrics(),
		prefixes: make(map[netip.Prefix]*prefixEntry),
		peers:    make(map[netip.Addr]api.PeerState_SessionState),
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	level := opts.Level
	if level == (zap.AtomicLevel{}) {
		level = zap.NewAtomicLevelAt(zap.InfoLevel)
	}
	for _, c := range cfg.Communities {
		v, _ := ParseCommunity(c) // checked by Validate
		s.communities = append(s.communities, v)
	}
	for _, p := range cfg.Prefixes {
		s.prefixes[p] = &prefixEntry{}
		s.m.announced.WithLabelValues(p.String()).Set(0)
		s.m.draining.WithLabelValues(p.String()).Set(0)
	}
	for _, p := range cfg.Peers {
		s.m.peerState.WithLabelValues(p.Address.String()).Set(0)
	}
	s.srv = server.NewBgpServer(server.LoggerOption(newZapLogger(s.log, level)))
	// GoBGP serves every API call from this loop; it must run before the
	// first call, including a metrics scrape. It never returns.
	go s.srv.Serve()
	if err := s.m.register(opts.Registerer, s.srv); err != nil {
		return nil, fmt.Errorf("announce: registering metrics: %w", err)
	}
	return s, nil
}

// Start starts BGP and adds every peer; sessions come up in the background.
func (s *Speaker) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("announce: speaker already started")
	}
	global := &api.Global{
		Asn:        s.cfg.LocalAS,
		RouterId:   s.cfg.RouterID.String(),
		ListenPort: s.cfg.ListenPort,
	}
	for _, a := range s.cfg.ListenAddresses {
		global.ListenAddresses = append(global.ListenAddresses, a.String())
	}
	if err := s.srv.StartBgp(ctx, &api.StartBgpRequest{Global: global}); err != nil {
		return fmt.Errorf("announce: starting BGP: %w", err)
	}
	s.started = true
	watchCtx, cancel := context.WithCancel(context.Background())
	s.unwatch = cancel
	if err := s.srv.WatchEvent(watchCtx, &api.WatchEventRequest{Peer: &api.WatchEventRequest_Peer{}}, s.peerEvent); err != nil {
		return fmt.Errorf("announce: watching peers: %w", err)
	}
	for _, p := range s.cfg.Peers {
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.apiPeer(p)}); err != nil {
			return fmt.Errorf("announce: adding peer %v: %w", p.Address, err)
		}
		s.log.Info("bgp peer added", zap.Stringer("peer", p.Address), zap.Uint32("peer_as", p.AS),
			zap.Uint32("local_as", s.cfg.LocalAS), zap.Duration("hold", p.HoldTime))
	}
	return nil
}

// apiPeer converts p to GoBGP's peer configuration.
func (s *Speaker) apiPeer(p Peer) *api.Peer {
	ap := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: p.Address.String(),
			PeerAsn:         p.AS,
			LocalAsn:        s.cfg.LocalAS,
			AuthPassword:    p.Password,
		},
		Transport: &api.Transport{RemotePort: uint32(p.Port)},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime:          uint64(p.HoldTime / time.Second),
			KeepaliveInterval: uint64(p.Keepalive / time.Second),
			ConnectRetry:      uint64(p.ConnectRetry / time.Second),
		}},
	}
	if p.LocalAddress.IsValid() {
		ap.Transport.LocalAddress = p.LocalAddress.String()
	}
	if p.MultihopTTL > 0 {
		ap.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.MultihopTTL)}
	}
	fams := p.Families
	if len(fams) == 0 {
		for _, pfx := range s.cfg.Prefixes {
			f := FamilyIPv6
			if pfx.Addr().Is4() {
				f = FamilyIPv4
			}
			if !slices.Contains(fams, f) {
				fams = append(fams, f)
			}
		}
	}
	for _, f := range fams {
		fam := family(netip.MustParsePrefix("::/0"))
		if f == FamilyIPv4 {
			fam = family(netip.MustParsePrefix("0.0.0.0/0"))
		}
		ap.AfiSafis = append(ap.AfiSafis, &api.AfiSafi{Config: &api.AfiSafiConfig{Family: fam, Enabled: true}})
	}
	return ap
}

// peerEvent records a session state change reported by GoBGP.
func (s *Speaker) peerEvent(r *api.WatchEventResponse) {
	ev := r.GetPeer()
	if ev == nil || ev.GetPeer().GetState() == nil {
		return
	}
	st := ev.GetPeer().GetState()
	addr, err := netip.ParseAddr(st.GetNeighborAddress())
	if err != nil {
		return
	}
	addr = addr.Unmap()
	state := st.GetSessionState()
	s.mu.Lock()
	if !s.configuredPeer(addr) {
		// A peer a reload removed: its last events are not news.
		s.mu.Unlock()
		return
	}
	old, known := s.peers[addr]
	s.peers[addr] = state
	s.mu.Unlock()
	s.m.peerState.WithLabelValues(addr.String()).Set(float64(state))
	if known && old == state {
		return
	}
	fields := []zap.Field{zap.Stringer("peer", addr), zap.String("state", sessionState(state))}
	if known {
		fields = append(fields, zap.String("from", sessionState(old)))
	}
	if old == api.PeerState_ESTABLISHED && state != api.PeerState_ESTABLISHED {
		s.log.Warn("bgp peer state", fields...)
	} else {
		s.log.Info("bgp peer state", fields...)
	}
	// A session that falls to Idle after the TCP connection was made (established,
	// or refused by the router's NOTIFICATION in OpenSent or OpenConfirm) is dialled
	// again after connect-retry rather than after GoBGP's fixed idle hold (redial.go).
	if state == api.PeerState_IDLE && known && (old == api.PeerState_ESTABLISHED ||
		old == api.PeerState_OPENSENT || old == api.PeerState_OPENCONFIRM) {
		go s.redial(addr)
	}
}

func sessionState(st api.PeerState_SessionState) string {
	switch st {
	case api.PeerState_IDLE:
		return "idle"
	case api.PeerState_CONNECT:
		return "connect"
	case api.PeerState_ACTIVE:
		return "active"
	case api.PeerState_OPENSENT:
		return "opensent"
	case api.PeerState_OPENCONFIRM:
		return "openconfirm"
	case api.PeerState_ESTABLISHED:
		return "established"
	}
	return "unknown"
}

// Peers returns the state of every configured peer, in configuration order.
func (s *Speaker) Peers() []PeerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PeerStatus, 0, len(s.cfg.Peers))
	for _, p := range s.cfg.Peers {
		out = append(out, PeerStatus{Address: p.Address, State: sessionState(s.peers[p.Address.Unmap()])})
	}
	return out
}

// Prefixes returns the configured prefixes.
func (s *Speaker) Prefixes() []netip.Prefix { return slices.Clone(s.cfg.Prefixes) }

// Stop withdraws whatever is still announced, then closes every session with a
// NOTIFICATION Cease, Administrative Shutdown (RFC 4486 section 4) carrying the
// shutdown communication ShutdownCommunication (RFC 9003), so that the router's
// operator reads why the node left, and stops BGP. It is idempotent and returns
// early with ctx's error if GoBGP does not finish in time.
func (s *Speaker) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped || !s.started {
		s.stopped = true
		s.mu.Unlock()
		return nil
	}
	var errs []error
	for _, p := range s.cfg.Prefixes {
		errs = append(errs, s.withdrawLocked(p, "stop"))
	}
	s.stopped = true
	s.unwatch()
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		defer close(done)
		s.shutdownSessions(ctx)
		_ = s.srv.StopBgp(context.Background(), &api.StopBgpRequest{}) // always nil in GoBGP v3
	}()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("announce: stopping BGP: %w", ctx.Err()))
	}
	for _, p := range s.cfg.Peers {
		s.m.peerState.WithLabelValues(p.Address.String()).Set(0)
	}
	s.log.Info("bgp stopped")
	return errors.Join(errs...)
}
