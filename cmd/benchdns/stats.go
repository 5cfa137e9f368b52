package main

import (
	"slices"
	"time"
)

// Sample is one dnsperf run against one server and the server's CPU time during it.
type Sample struct {
	Perf Perf
	CPU  time.Duration // server CPU time (user+system, all processes and threads) during the run
	// Others is the CPU time the rest of the machine (neither the server nor dnsperf)
	// used during the run: a measure of the noise, on a machine shared with other work.
	Others time.Duration
}

// OthersPercent returns Others as a percentage of one core over the run.
func (s Sample) OthersPercent() float64 {
	if s.Perf.RunTime <= 0 {
		return 0
	}
	return 100 * s.Others.Seconds() / s.Perf.RunTime.Seconds()
}

// QPSPerCPU returns the queries answered per second of server CPU time.
func (s Sample) QPSPerCPU() float64 {
	if s.CPU <= 0 {
		return 0
	}
	return float64(s.Perf.Completed) / s.CPU.Seconds()
}

// CPUPercent returns the server's CPU time as a percentage of one core over the run.
func (s Sample) CPUPercent() float64 {
	if s.Perf.RunTime <= 0 {
		return 0
	}
	return 100 * s.CPU.Seconds() / s.Perf.RunTime.Seconds()
}

// LostPercent returns the share of the queries sent that got no answer.
func (s Sample) LostPercent() float64 {
	if s.Perf.Sent == 0 {
		return 0
	}
	return 100 * float64(s.Perf.Lost) / float64(s.Perf.Sent)
}

// RCodePercent returns the share of the answers with rcode.
func (s Sample) RCodePercent(rcode string) float64 {
	if s.Perf.Completed == 0 {
		return 0
	}
	return 100 * float64(s.Perf.RCodes[rcode]) / float64(s.Perf.Completed)
}

// values returns f of each sample.
func values[T any](samples []T, f func(T) float64) []float64 {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	return v
}

// median returns the median of f over samples; each metric's median is taken on its own.
func median[T any](samples []T, f func(T) float64) float64 {
	return medianOf(values(samples, f))
}

// medianOf returns the median of v (the mean of the middle two when there is an even
// number, 0 when there are none). It sorts v.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// minOf returns the smallest of v, 0 when there are none.
func minOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Min(v)
}

// maxOf returns the largest of v, 0 when there are none.
func maxOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}

// Metric accessors for median.
func qps(s Sample) float64       { return s.Perf.QPS }
func avgMS(s Sample) float64     { return ms(s.Perf.AvgLatency) }
func p99MS(s Sample) float64     { return ms(s.Perf.P99) }
func cpuSec(s Sample) float64    { return s.CPU.Seconds() }
func perCPU(s Sample) float64    { return s.QPSPerCPU() }
func cpuPct(s Sample) float64    { return s.CPUPercent() }
func lostPct(s Sample) float64   { return s.LostPercent() }
func othersPct(s Sample) float64 { return s.OthersPercent() }
func nxPct(s Sample) float64     { return s.RCodePercent("NXDOMAIN") }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
