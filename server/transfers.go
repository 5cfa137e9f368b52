package server

import (
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Transfers serves the messages that are not standard queries answered from the
// zones: zone transfers (AXFR, RFC 5936; IXFR, RFC 1995), NOTIFY (RFC 1996) and
// messages signed with TSIG (RFC 8945), whose signature only the transfer side
// can check. The server hands each such message over, with the means to reply.
type Transfers interface {
	// ServeTransfer answers r, writing its replies with r.Reply before it
	// returns; it runs in the goroutine that read the message (for UDP, the
	// socket's reader), so it must not wait on anything slow but the client.
	ServeTransfer(r *TransferRequest)
}

// TransferRequest is one message handed to Transfers.
type TransferRequest struct {
	// Msg is the message as received; it is valid only during ServeTransfer.
	Msg []byte
	// Remote is the address of the client.
	Remote netip.AddrPort
	// TCP tells whether the message came over TCP (else UDP).
	TCP bool
	// Reply sends one reply message. Over TCP each call writes one
	// length-prefixed message, and other replies on the connection may be
	// written between two calls; over UDP only the first call sends, from the
	// address the query was sent to.
	Reply func([]byte) error
	// Answer returns the server's own reply to msg, a standard query without
	// TSIG, as if it had arrived over the same transport: how a signed query is
	// answered once its signature is verified (the reply then signed). The
	// reply is valid until the next call of Answer.
	Answer func(msg []byte) []byte
}

// handsOver reports whether q is a message for Transfers: a NOTIFY, a request
// for a zone transfer, or a message with a TSIG record.
func handsOver(q *query) bool {
	return q.tsig || q.opcode == dns.OpcodeNotify || q.qtype == dns.TypeAXFR || q.qtype == dns.TypeIXFR
}

// answerFor returns the Answer function of a request arriving over t from the
// client address from: the reply
// is built with sc, which the request's reader owns and no longer uses, and the
// message is never handed over again.
func (s *Server) answerFor(sc *scratch, t transport, from netip.Addr) func([]byte) []byte {
	return func(msg []byte) []byte {
		sc.noHandoff = true
		defer func() { sc.noHandoff = false }()
		return s.respond(sc, sc.out[2:], msg, t, from)
	}
}

// serveTransferTCP hands msg, read from the connection of cw, to Transfers. Each
// reply is written as one message under the connection's lock, so that the
// replies to other pipelined queries go out between the messages of a long
// transfer (RFC 7766 section 6.2.1.1). Each write has the full idle timeout, not
// TCP.IOTimeout: a secondary taking a large zone may be slow to read, and a
// transfer is one query holding one connection, not a pile of them.
func (s *Server) serveTransferTCP(sc *scratch, cw *connWriter, msg []byte, start time.Time) {
	cw.transfers.Add(1)
	defer cw.transfers.Add(-1)
	size := 0
	remote := addrPort(cw.tc.c.RemoteAddr())
	r := &TransferRequest{
		Msg:    msg,
		Remote: remote,
		TCP:    true,
		Reply: func(b []byte) error {
			if size == 0 {
				sc.res.rcode = replyRcode(b)
			}
			size += len(b)
			if err := cw.write(sc, b, s.cfg.TCP.IdleTimeout); err != nil {
				// The peer is gone or stuck: stop reading from it too.
				cw.failed(err)
				return err
			}
			return nil
		},
		Answer: s.answerFor(sc, tcp, remote.Addr()),
	}
	s.transfers.ServeTransfer(r)
	if size > 0 {
		s.metrics.observe(tcp, &sc.res, size, start)
	}
}

// addrPort returns the address and port of a, a *net.TCPAddr or *net.UDPAddr.
func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// replyRcode returns the rcode in the header of reply (its low four bits), for the
// metrics.
func replyRcode(reply []byte) int {
	if len(reply) < headerLen {
		return dns.RcodeServerFailure
	}
	return int(reply[3] & 0xF)
}
