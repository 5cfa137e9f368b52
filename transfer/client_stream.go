package transfer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// stream is a TCP connection carrying DNS messages, each after its two-byte length
// (RFC 1035 section 4.2.2, RFC 7766 section 8). It counts what it reads and stops
// at a cap, and waits at most idle for each message.
type stream struct {
	conn     net.Conn
	idle     time.Duration
	max      int64 // bytes of messages allowed in all
	bytes    int64 // bytes of messages read so far
	messages int
	stop     func() bool // stops the context watch
	ctx      context.Context
}

// openStream connects to p over TCP; the connection is closed when ctx ends, so
// that a read waiting on it returns.
func (c *Client) openStream(ctx context.Context, p Remote) (*stream, error) {
	conn, err := c.dial(ctx, "tcp", p)
	if err != nil {
		return nil, err
	}
	s := &stream{conn: conn, idle: c.timeout(), max: c.maxSize(), ctx: ctx}
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	return s, nil
}

// close ends the connection.
func (s *stream) close() {
	s.stop()
	s.conn.Close()
}

// send writes one message.
func (s *stream) send(wire []byte) error {
	if len(wire) > 0xffff {
		return fmt.Errorf("query of %d bytes does not fit a TCP message", len(wire))
	}
	buf := make([]byte, 2+len(wire))
	binary.BigEndian.PutUint16(buf, uint16(len(wire)))
	copy(buf[2:], wire)
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.idle)); err != nil {
		return s.err(err)
	}
	_, err := s.conn.Write(buf)
	return s.err(err)
}

// next reads one message, in a buffer of its own.
func (s *stream) next() ([]byte, error) {
	if err := s.conn.SetReadDeadline(time.Now().Add(s.idle)); err != nil {
		return nil, s.err(err)
	}
	var n [2]byte
	if _, err := io.ReadFull(s.conn, n[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("primary closed the connection after %d messages", s.messages)
		}
		return nil, s.err(err)
	}
	size := int64(binary.BigEndian.Uint16(n[:]))
	if s.bytes+size > s.max {
		return nil, fmt.Errorf("transfer exceeds the cap of %d bytes", s.max)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(s.conn, msg); err != nil {
		return nil, s.err(err)
	}
	s.bytes += size
	s.messages++
	return msg, nil
}

// err prefers the context's error to that of the closed connection.
func (s *stream) err(err error) error {
	if err != nil && s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	return err
}
