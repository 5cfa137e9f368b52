//go:build linux

package server

import (
	"encoding/binary"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/anycastdns/anycastdns/internal/testutil"
)

// TestUDPNeverFragments checks RFC 9715 section 3.1 in a network namespace of its
// own whose loopback has the IPv6 minimum MTU, 1280: a reply that fits leaves with
// DF set (R1), and a reply larger than the MTU (the 50-record TXT set, offered 4096
// octets by the client and by the server) is not fragmented but sent again within
// 512 octets with TC set (R2), so the client retries over TCP.
func TestUDPNeverFragments(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "needs root for a network namespace of its own; CI runs the tests as root")
	}
	// The namespace belongs to this thread only; the thread is never unlocked, so
	// it ends with the test instead of going back to the runtime. Sockets made on
	// it (the server's and the client's) live in the namespace, whichever thread
	// uses them later.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	setLoopback(t, 1280)

	// No subtests: t.Run would run them on other goroutines, outside the namespace.
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		func() {
			cfg := testConfig()
			cfg.Listen = []string{listen}
			cfg.UDPSize = 4096
			_, udpAddr, _ := startServer(t, cfg, nil)

			small := exchange(t, "udp", udpAddr, withEDNS(newQuery("www.example.", dns.TypeA), 4096, false))
			if small.Truncated || len(small.Answer) != 1 {
				t.Fatalf("%s: www A: got TC=%v and %d answers, want the address untruncated", listen, small.Truncated, len(small.Answer))
			}

			big := withEDNS(newQuery("big.example.", dns.TypeTXT), 4096, false)
			r := exchange(t, "udp", udpAddr, big)
			packed, err := r.Pack()
			if err != nil {
				t.Fatal(err)
			}
			if !r.Truncated || len(packed) > minUDPSize || len(r.Answer) >= 50 {
				t.Errorf("%s: big TXT over a 1280 MTU: got TC=%v, %d octets, %d answers; want TC within 512 octets",
					listen, r.Truncated, len(packed), len(r.Answer))
			}
			if r.IsEdns0() == nil {
				t.Errorf("%s: big TXT: the cut reply lost its OPT record (RFC 6891 section 7)", listen)
			}
			full := exchange(t, "tcp", udpAddr, big)
			if full.Truncated || len(full.Answer) != 50 {
				t.Errorf("%s: big TXT over TCP: got TC=%v and %d answers, want all 50", listen, full.Truncated, len(full.Answer))
			}
		}()
	}

	{
		cfg := testConfig()
		_, udpAddr, _ := startServer(t, cfg, nil)
		port := uint16(mustPort(t, udpAddr))
		capture := packetSocket(t)
		exchange(t, "udp", udpAddr, newQuery("www.example.", dns.TypeA))
		hdr := readIPv4From(t, capture, port)
		if frag := binary.BigEndian.Uint16(hdr[6:8]); frag&0x4000 == 0 {
			t.Errorf("reply from port %d: flags/fragment 0x%04x, want DF (0x4000) set", port, frag)
		}
		// Linux sets DF by default too (IP_PMTUDISC_WANT), but then still draws an
		// IP ID, since the path MTU it learns may make it fragment later; with
		// IP_PMTUDISC_PROBE the datagram can never be fragmented and gets ID 0.
		if id := binary.BigEndian.Uint16(hdr[4:6]); id != 0 {
			t.Errorf("reply from port %d: IP ID %d, want 0 (a socket that never fragments)", port, id)
		}
	}
}

// setLoopback brings up lo of the current network namespace with the given MTU.
func setLoopback(t *testing.T, mtu uint32) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		t.Fatal(err)
	}
	ifr.SetUint32(mtu)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFMTU, ifr); err != nil {
		t.Fatalf("lo mtu %d: %v", mtu, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		t.Fatal(err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		t.Fatalf("lo up: %v", err)
	}
}

// packetSocket opens a socket that sees every IPv4 packet of the namespace, with a
// one-second receive timeout; it is closed when the test ends.
func packetSocket(t *testing.T) int {
	t.Helper()
	var be [2]byte
	binary.BigEndian.PutUint16(be[:], unix.ETH_P_IP)
	proto := int(binary.NativeEndian.Uint16(be[:])) // in network order, as packet(7) wants
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		t.Fatalf("packet socket: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	tv := unix.NsecToTimeval(time.Second.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// readIPv4From returns the IPv4 header of the first UDP packet from port seen on
// fd, failing after 50 packets or a receive timeout.
func readIPv4From(t *testing.T, fd int, port uint16) []byte {
	t.Helper()
	buf := make([]byte, 65536)
	for range 50 {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			t.Fatalf("no reply from port %d captured: %v", port, err)
		}
		p := buf[:n]
		if n < 20 || p[0]>>4 != 4 || p[9] != unix.IPPROTO_UDP {
			continue
		}
		ihl := int(p[0]&0x0F) * 4
		if n >= ihl+8 && binary.BigEndian.Uint16(p[ihl:]) == port {
			return p[:ihl]
		}
	}
	t.Fatalf("no reply from port %d among 50 packets", port)
	return nil
}

// mustPort returns the port of a host:port address.
func mustPort(t *testing.T, addr string) int {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return a.Port
}
