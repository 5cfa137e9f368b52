package zone

import (
	"slices"
	"testing"
	"time"

	"github.com/anycastdns/anycastdns/zone/internal/zonetest"
)

// BenchmarkCompileWakeLatency compiles a zone of 100,000 delegations over and over
// while another goroutine sleeps 200 µs at a time, the way a query waits for its
// packet, and reports how much later than asked it wakes: the time a query would
// wait for a processor while a transferred zone compiles on a serving node.
func BenchmarkCompileWakeLatency(b *testing.B) {
	recs := parseZoneText(b, "example.", zonetest.DelegationZone(300_000))
	var late []time.Duration
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 1_000_000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			time.Sleep(200 * time.Microsecond)
			late = append(late, time.Since(start)-200*time.Microsecond)
		}
	}()
	for b.Loop() {
		if _, err := Compile("example.", recs); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	<-done
	slices.Sort(late)
	b.ReportMetric(float64(late[len(late)/2].Microseconds()), "p50-late-µs")
	b.ReportMetric(float64(late[len(late)*99/100].Microseconds()), "p99-late-µs")
	b.ReportMetric(float64(late[len(late)-1].Microseconds()), "max-late-µs")
}
