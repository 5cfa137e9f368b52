package main

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// sendNotify tells the server at addr that origin has changed: a NOTIFY of the SOA
// (RFC 1996 section 3.7) over UDP, retried as RFC 1996 section 3.6 has a primary do
// until the server acknowledges it. It returns when the first NOTIFY was sent.
func sendNotify(addr *net.UDPAddr, origin string) (time.Time, error) {
	m := new(dns.Msg)
	m.SetNotify(origin)
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	target := net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
	var first time.Time
	var err error
	for try := 0; try < 3; try++ {
		if try == 0 {
			first = time.Now()
		}
		var r *dns.Msg
		if r, _, err = c.Exchange(m, target); err != nil {
			continue
		}
		if r.Opcode != dns.OpcodeNotify || r.Rcode != dns.RcodeSuccess {
			return first, fmt.Errorf("NOTIFY %s to %s: answered opcode %s, rcode %s", origin, target,
				dns.OpcodeToString[r.Opcode], dns.RcodeToString[r.Rcode])
		}
		return first, nil
	}
	return first, fmt.Errorf("NOTIFY %s to %s: %v", origin, target, err)
}
