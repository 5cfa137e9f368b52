package server

import (
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// tcpConn is one open TCP connection: its place in the server's table and what
// it is doing, which decides whether it may be evicted.
type tcpConn struct {
	c   net.Conn
	src netip.Prefix // sourceOf its remote address
	// prev and next link the open connections from the oldest to the newest;
	// they and tracked are guarded by Server.mu.
	prev, next *tcpConn
	tracked    bool
	// busy counts the messages read and not yet answered (transfers included).
	busy atomic.Int32
	// partial is set while a message is partly read.
	partial atomic.Bool
	// reason is 1 + the closeReason the server decided first, 0 while none.
	reason atomic.Uint32
	// peakBusy and peakHeld are the most queries and octets of scratch that
	// were in progress at once, for the tests.
	peakBusy, peakHeld atomic.Int64
}

// peak records the queries in progress and the octets they hold after a query
// started; only the reader calls it.
func (tc *tcpConn) peak(held int) {
	if n := int64(tc.busy.Load()); n > tc.peakBusy.Load() {
		tc.peakBusy.Store(n)
	}
	if n := int64(held); n > tc.peakHeld.Load() {
		tc.peakHeld.Store(n)
	}
}

// setReason records r as why the connection closes, unless a reason is set.
func (tc *tcpConn) setReason(r closeReason) {
	tc.reason.CompareAndSwap(0, uint32(r)+1)
}

// closeFor records r and closes the connection: its reader stops.
func (tc *tcpConn) closeFor(r closeReason) {
	tc.setReason(r)
	tc.c.Close()
}

// closeReason returns the reason recorded, or closeClient.
func (tc *tcpConn) closeReason() closeReason {
	if r := tc.reason.Load(); r > 0 {
		return closeReason(r - 1)
	}
	return closeClient
}

// idle reports whether the connection waits for a query with nothing in
// progress.
func (tc *tcpConn) idle() bool { return tc.busy.Load() == 0 && !tc.partial.Load() }

// sourceOf returns the source a connection counts against for
// TCP.MaxConnsPerSource: its IPv4 address, or the /64 of its IPv6 address (the
// smallest prefix given to an end site, RFC 6177, which one host may use whole).
func sourceOf(a net.Addr) netip.Prefix {
	ip := addrPort(a).Addr().Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// connTable holds the open TCP connections in the order they were accepted, and
// the count of each source; guarded by Server.mu, but for open.
type connTable struct {
	oldest, newest *tcpConn
	perSource      map[netip.Prefix]int
	// open is the number of connections, also read without the lock.
	open atomic.Int32
	// capLog limits the log of the caps to one line per capLogEvery.
	capLog capCounts
}

// capCounts counts what the caps did since the last log line.
type capCounts struct {
	last                     time.Time
	evicted, full, perSource int
}

// capLogEvery is the least time between two log lines about the TCP caps.
const capLogEvery = 10 * time.Second

func (t *connTable) add(tc *tcpConn) {
	if t.perSource == nil {
		t.perSource = map[netip.Prefix]int{}
	}
	tc.prev, tc.next, tc.tracked = t.newest, nil, true
	if t.newest != nil {
		t.newest.next = tc
	} else {
		t.oldest = tc
	}
	t.newest = tc
	t.perSource[tc.src]++
	t.open.Add(1)
}

func (t *connTable) remove(tc *tcpConn) {
	if tc.prev != nil {
		tc.prev.next = tc.next
	} else {
		t.oldest = tc.next
	}
	if tc.next != nil {
		tc.next.prev = tc.prev
	} else {
		t.newest = tc.prev
	}
	tc.prev, tc.next, tc.tracked = nil, nil, false
	if n := t.perSource[tc.src] - 1; n > 0 {
		t.perSource[tc.src] = n
	} else {
		delete(t.perSource, tc.src)
	}
	t.open.Add(-1)
}

// victim returns the connection to close to make room for a new one: the oldest
// idle one, else the oldest one stuck in the middle of a message, else nil (each
// is answering queries). Idle means nothing in progress and nothing received:
// a new client whose query waits in the socket buffer for its reader to run is
// not idle (hasUnread), else clients opening connections as fast as they are
// closed would evict it before it is read. It scans the table, from the
// oldest, only when the table is full: at most TCP.MaxConns steps and as many
// peeks (system calls), and one or a few when idle connections fill it.
func (t *connTable) victim() *tcpConn {
	var stuck *tcpConn
	for tc := t.oldest; tc != nil; tc = tc.next {
		if tc.idle() {
			if !hasUnread(tc.c) {
				return tc
			}
			continue
		}
		if stuck == nil && tc.partial.Load() {
			stuck = tc
		}
	}
	return stuck
}

// admit registers c as open and returns it, or returns nil and c must be
// closed: when the server is stopping, when c's source has
// TCP.MaxConnsPerSource open, or when TCP.MaxConns are open and none can be
// evicted for TCP.IOTimeout. At TCP.MaxConns the oldest idle connection is
// closed to make room (victim), so that clients holding connections cannot lock
// new ones out. When none can go, accepting waits (polling every millisecond)
// and the connections behind c stay in the kernel's listen queue, as Knot DNS
// leaves them: the readers of the connections just accepted run meanwhile, and
// their connections become idle or stuck, so evictable, or close.
func (s *Server) admit(c net.Conn) *tcpConn {
	tc := &tcpConn{c: c, src: sourceOf(c.RemoteAddr())}
	deadline := time.Now().Add(s.cfg.TCP.IOTimeout)
	for {
		ok, refused := s.track(tc)
		if ok {
			s.metrics.tcpOpened()
			return tc
		}
		if s.closing.Load() {
			return nil
		}
		if refused == refuseFull && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			continue
		}
		s.mu.Lock()
		if refused == refuseFull {
			s.conns.capLog.full++
		} else {
			s.conns.capLog.perSource++
		}
		s.logCaps()
		s.mu.Unlock()
		s.metrics.tcpRefused(refused)
		return nil
	}
}

// track adds tc to the table, evicting a victim at TCP.MaxConns, and reports
// whether it did, else why not (nothing is counted for a refusal; while the
// server stops, refuseFull).
func (s *Server) track(tc *tcpConn) (ok bool, refused refuseReason) {
	var victim *tcpConn
	s.mu.Lock()
	t := &s.conns
	switch {
	case s.closing.Load():
		s.mu.Unlock()
		return false, refuseFull
	case t.perSource[tc.src] >= s.cfg.TCP.MaxConnsPerSource:
		s.mu.Unlock()
		return false, refusePerSource
	case int(t.open.Load()) >= s.cfg.TCP.MaxConns:
		if victim = t.victim(); victim == nil {
			s.mu.Unlock()
			return false, refuseFull
		}
		t.remove(victim)
		t.capLog.evicted++
		s.logCaps()
	}
	t.add(tc)
	s.mu.Unlock()
	if victim != nil {
		victim.closeFor(closeEvicted)
		s.metrics.tcpClosed(closeEvicted)
	}
	return true, 0
}

// logCaps logs what the TCP caps did since the last line, at most once per
// capLogEvery; s.mu is held.
func (s *Server) logCaps() {
	l := &s.conns.capLog
	if l.evicted+l.full+l.perSource == 0 {
		return
	}
	now := time.Now()
	if now.Sub(l.last) < capLogEvery {
		return
	}
	s.log.Warn("tcp connection caps reached",
		zap.Int("max-connections", s.cfg.TCP.MaxConns),
		zap.Int("max-connections-per-source", s.cfg.TCP.MaxConnsPerSource),
		zap.Int("evicted", l.evicted), zap.Int("refused-full", l.full),
		zap.Int("refused-per-source", l.perSource))
	*l = capCounts{last: now}
}

// untrack closes tc and removes it from the table, unless it was evicted.
func (s *Server) untrack(tc *tcpConn) {
	s.mu.Lock()
	was := tc.tracked
	if was {
		s.conns.remove(tc)
	}
	s.mu.Unlock()
	tc.c.Close()
	if was {
		s.metrics.tcpClosed(tc.closeReason())
	}
}

// idleTimeout returns the time a connection may wait for its next query:
// TCP.BusyIdleTimeout, when shorter, once more than half of TCP.MaxConns are
// open (RFC 7766 section 6.2.3), else TCP.IdleTimeout.
func (s *Server) idleTimeout() time.Duration {
	if int(s.conns.open.Load()) > s.cfg.TCP.MaxConns/2 {
		return min(s.cfg.TCP.IdleTimeout, s.cfg.TCP.BusyIdleTimeout)
	}
	return s.cfg.TCP.IdleTimeout
}
