// Command tcpmem opens n TCP connections to a DNS server (from 127.0.2.x) that
// pipeline queries for www.example.org A and never read the replies, and samples
// the server's RSS (from /proc/PID/status) and its heap and goroutines (from its
// /metrics) for the run. It measured issue 13's non-reading clients (README, TCP
// under attack):
//
//	go build -o /tmp/anycastdns ./cmd/anycastdns
//	/tmp/anycastdns serve -config cfg.yaml & # listen 127.0.0.1:15353, metrics 127.0.0.1:19153
//	go run ./server/testdata/tcpmem -pid $! -n 100 -size 65535 -rcvbuf 4096 -d 6s
//	kill $!
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func query(id uint16, size int) []byte {
	q := []byte{byte(id >> 8), byte(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	q = append(q, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1)
	if size > len(q) {
		// OPT record with a PADDING option (RFC 7830) up to size octets.
		q[11] = 1
		pad := size - len(q) - 11 - 4
		opt := []byte{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0}
		opt = binary.BigEndian.AppendUint16(opt, uint16(pad+4))
		opt = binary.BigEndian.AppendUint16(opt, 12)
		opt = binary.BigEndian.AppendUint16(opt, uint16(pad))
		q = append(q, opt...)
		q = append(q, make([]byte, pad)...)
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)
}

func rss(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// scrape returns go_memstats_heap_inuse_bytes and go_goroutines.
func scrape(url string) (heap, goroutines float64) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_memstats_heap_inuse_bytes":
			heap = v
		case "go_goroutines":
			goroutines = v
		}
	}
	return heap, goroutines
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5353", "server")
	pid := flag.Int("pid", 0, "server pid")
	n := flag.Int("n", 100, "connections")
	size := flag.Int("size", 0, "query size (0: a plain query)")
	dur := flag.Duration("d", 12*time.Second, "duration")
	rcvbuf := flag.Int("rcvbuf", 0, "SO_RCVBUF of the client sockets (0: the kernel's)")
	metrics := flag.String("metrics", "http://127.0.0.1:19153/metrics", "the server's metrics")
	flag.Parse()
	base := rss(*pid)
	var open atomic.Int32
	var sent atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(*dur)
	for i := range *n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := &net.TCPAddr{IP: net.IPv4(127, 0, 2, byte(1+i%100))}
			d := net.Dialer{LocalAddr: src, Timeout: 2 * time.Second}
			c, err := d.Dial("tcp", *addr)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return
			}
			defer c.Close()
			if *rcvbuf > 0 {
				c.(*net.TCPConn).SetReadBuffer(*rcvbuf)
			}
			open.Add(1)
			defer open.Add(-1)
			q := query(uint16(i), *size)
			for off := 0; time.Now().Before(stop); {
				c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
				k, err := c.Write(q[off:])
				off += k
				if err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						continue // the rest of the same query
					}
					return // closed by the server
				}
				off = 0
				sent.Add(1)
			}
		}()
	}
	peak := base
	heapPeak, gPeak := 0.0, 0.0
	start := time.Now()
	for time.Now().Before(stop) {
		time.Sleep(250 * time.Millisecond)
		r := rss(*pid)
		peak = max(peak, r)
		h, g := scrape(*metrics)
		heapPeak, gPeak = max(heapPeak, h), max(gPeak, g)
		fmt.Printf("t=%4.1fs rss=%6.1f MiB heap=%6.1f MiB goroutines=%5.0f client conns open=%d queries sent=%d\n", time.Since(start).Seconds(), float64(r)/1024, h/(1<<20), g, open.Load(), sent.Load())
	}
	wg.Wait()
	fmt.Printf("RESULT n=%d size=%d rcvbuf=%d: rss base=%.1f MiB peak=%.1f MiB growth=%.1f MiB; peak heap in use %.1f MiB, peak goroutines %.0f\n",
		*n, *size, *rcvbuf, float64(base)/1024, float64(peak)/1024, float64(peak-base)/1024, heapPeak/(1<<20), gPeak)
}
