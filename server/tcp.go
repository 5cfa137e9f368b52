package server

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// serveTCP accepts connections on l until it is closed.
func (s *Server) serveTCP(l *net.TCPListener) {
	defer s.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off a little.
			s.log.Warn("tcp accept", zap.Error(err))
			time.Sleep(10 * time.Millisecond)
			continue
		}
		tc := s.admit(c)
		if tc == nil {
			c.Close()
			continue
		}
		s.wg.Add(1)
		go s.serveConn(tc)
	}
}

// serveConn serves one TCP connection until it closes.
func (s *Server) serveConn(tc *tcpConn) {
	defer s.wg.Done()
	defer s.untrack(tc)
	if s.readQueries(tc) {
		tc.setReason(closeMaxQueries)
		s.lingerClose(tc.c)
	}
}

// readQueries reads length-prefixed queries from tc (RFC 1035 section 4.2.2) and
// answers them. Pipelined queries are processed concurrently, up to
// tcpPipelineDepth at a time, and each reply is written as soon as it is ready, so
// replies may come out of order (RFC 7766 sections 6.2.1.1 and 7). It stops after
// the idle timeout without a query (RFC 7766 section 6.2.3; shorter when busy, see
// idleTimeout), when a message is not complete TCP.IOTimeout after its first
// octet, on a read error, at shutdown, or after TCP.MaxQueries queries when set
// (then it returns true); it returns when the replies to the queries read are
// written. It records on tc why it stopped.
func (s *Server) readQueries(tc *tcpConn) (capped bool) {
	c := tc.c
	cw := &connWriter{tc: tc}
	from := addrPort(c.RemoteAddr()).Addr()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	sem := make(chan struct{}, tcpPipelineDepth)
	held := newPipelineBudget(tcpPipelineBytes)
	var hdr [2]byte
	for n := 0; s.cfg.TCP.MaxQueries == 0 || n < s.cfg.TCP.MaxQueries; n++ {
		c.SetReadDeadline(time.Now().Add(s.idleTimeout()))
		// Checked after setting the deadline: Shutdown sets closing, then a deadline
		// in the past, so one of the two is seen.
		if s.closing.Load() {
			tc.setReason(closeShutdown)
			return false
		}
		// The first octet starts the message's clock: read what is there.
		k, err := c.Read(hdr[:])
		if k == 0 || err != nil {
			if k == 0 && cw.transferring() && isTimeout(err) {
				// Idle, but a transfer is being written (RFC 7766 section
				// 6.2.3: the connection is in use): keep waiting for queries.
				n--
				continue
			}
			switch {
			case s.closing.Load():
				tc.setReason(closeShutdown)
			case isTimeout(err):
				tc.setReason(closeIdle)
			}
			return false
		}
		// The rest of the message must come within TCP.IOTimeout: a client
		// sends a query at once, so one that trickles in holds a connection
		// without using it.
		tc.partial.Store(true)
		c.SetReadDeadline(time.Now().Add(s.cfg.TCP.IOTimeout))
		if k < len(hdr) {
			if _, err := io.ReadFull(c, hdr[k:]); err != nil {
				s.readFailed(tc, err)
				return false
			}
		}
		sc := s.scratches.Get().(*scratch)
		size := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(sc.in) < size {
			sc.in = make([]byte, max(size, 512))
		}
		q := sc.in[:size]
		if _, err := io.ReadFull(c, q); err != nil {
			s.putScratch(sc)
			s.readFailed(tc, err)
			return false
		}
		tc.busy.Add(1)
		tc.partial.Store(false)
		start := time.Now()
		sem <- struct{}{}
		cost := cap(sc.in) + cap(sc.out)
		tc.peak(held.take(cost))
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer func() { <-sem }()
			defer held.give(cost)
			defer tc.busy.Add(-1)
			defer s.putScratch(sc)
			reply := s.respond(sc, sc.out[2:], q, tcp, from)
			if reply == nil {
				if sc.handoff {
					s.serveTransferTCP(sc, cw, q, start)
				}
				return
			}
			if err := cw.write(sc, reply, s.cfg.TCP.IOTimeout); err != nil {
				// The peer is gone or stuck: stop reading from it too.
				cw.failed(err)
				return
			}
			s.metrics.observe(tcp, &sc.res, len(reply), start)
		}()
	}
	return true
}

// tcpPipelineBytes bounds the query and reply buffers of the queries of one
// connection in progress (their scratches), with tcpPipelineDepth: 32 queries of
// up to 512 octets fit (about 150 KiB), three of 65535 octets. A client that
// does not read its replies holds at most this much, plus the goroutines, until
// a write times out; before, 32 scratches of 64 KiB each.
const tcpPipelineBytes = 256 << 10

// maxKeptIn is the largest query buffer a scratch keeps when it goes back to
// the pool: a rare large query (a signed UPDATE, padding) must not leave 64 KiB
// in every pooled scratch.
const maxKeptIn = 4096

// putScratch returns sc to the pool, dropping a large query buffer.
func (s *Server) putScratch(sc *scratch) {
	if cap(sc.in) > maxKeptIn {
		sc.in = nil
	}
	s.scratches.Put(sc)
}

// pipelineBudget is a count of octets that the reader of one connection takes
// before it starts a query and the query gives back when it is done; take
// waits while too few are left. Only the reader takes, so a take larger than
// the whole budget is allowed once nothing else is held.
type pipelineBudget struct {
	mu         sync.Mutex
	cond       sync.Cond
	total, use int
}

func newPipelineBudget(total int) *pipelineBudget {
	b := &pipelineBudget{total: total}
	b.cond.L = &b.mu
	return b
}

// take waits for n octets and returns the octets then held.
func (b *pipelineBudget) take(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.use > 0 && b.use+n > b.total {
		b.cond.Wait()
	}
	b.use += n
	return b.use
}

func (b *pipelineBudget) give(n int) {
	b.mu.Lock()
	b.use -= n
	b.mu.Unlock()
	b.cond.Signal()
}

// readFailed records why reading the rest of a message failed: a timeout is a
// message not completed within TCP.IOTimeout.
func (s *Server) readFailed(tc *tcpConn, err error) {
	if isTimeout(err) && !s.closing.Load() {
		tc.setReason(closeIO)
	}
}

// lingerTimeout bounds the wait for the peer to close after we stopped reading.
const lingerTimeout = time.Second

// lingerClose ends a connection whose peer may still be sending queries: closing a
// socket with unread data makes the kernel send a reset, and the peer may then
// lose the replies it has not read yet. So send FIN first and discard what comes
// until the peer closes too, for lingerTimeout at most.
func (s *Server) lingerClose(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok || tc.CloseWrite() != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(lingerTimeout))
	if s.closing.Load() {
		return
	}
	io.Copy(io.Discard, io.LimitReader(c, 1<<20))
}

// connWriter serializes the replies written to one TCP connection.
type connWriter struct {
	mu sync.Mutex
	tc *tcpConn
	// transfers counts the messages handed to Transfers being served: while
	// one is, the connection is not idle.
	transfers atomic.Int32
}

// transferring reports whether a message handed to Transfers is being served.
func (w *connWriter) transferring() bool { return w.transfers.Load() > 0 }

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// failed closes the connection after a write failed with err: a client that
// does not take its replies within the write timeout (write-timeout), or one
// gone.
func (w *connWriter) failed(err error) {
	if isTimeout(err) {
		w.tc.closeFor(closeWrite)
		return
	}
	w.tc.c.Close()
}

// write sends reply with its 2-octet length prefix in one write, which must
// complete within timeout: a client that does not read its replies cannot keep
// them, and the memory of their queries, for longer.
func (w *connWriter) write(sc *scratch, reply []byte, timeout time.Duration) error {
	var msg []byte
	if len(reply) > 0 && &reply[0] == &sc.out[2] {
		// Packed in place, after the room left for the prefix.
		msg = sc.out[:2+len(reply)]
	} else {
		msg = make([]byte, 2+len(reply))
		copy(msg[2:], reply)
	}
	binary.BigEndian.PutUint16(msg, uint16(len(reply)))
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tc.c.SetWriteDeadline(time.Now().Add(timeout))
	_, err := w.tc.c.Write(msg)
	return err
}
