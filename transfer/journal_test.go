package transfer

import (
	"fmt"
	"testing"

	"github.com/anycastdns/anycastdns/zone"
	"github.com/miekg/dns"
)

// soaRR returns the SOA of example. with serial.
func soaRR(serial uint32) *dns.SOA {
	rr, err := dns.NewRR(fmt.Sprintf("example. 300 IN SOA ns1.example. hostmaster.example. %d 7200 3600 1209600 300", serial))
	if err != nil {
		panic(err)
	}
	return rr.(*dns.SOA)
}

// delta returns a delta from serial from to serial to that replaces one TXT
// record.
func delta(from, to uint32) zone.Diff {
	txt := func(s uint32) dns.RR {
		rr, _ := dns.NewRR(fmt.Sprintf("v.example. 300 IN TXT \"%d\"", s))
		return rr
	}
	return zone.Diff{Removed: []dns.RR{soaRR(from), txt(from)}, Added: []dns.RR{soaRR(to), txt(to)}}
}

func serialsOf(ds []zone.Diff) []uint32 {
	var s []uint32
	for _, d := range ds {
		from, to, _ := diffSerials(d)
		if len(s) == 0 {
			s = append(s, from)
		}
		s = append(s, to)
	}
	return s
}

func TestJournalChain(t *testing.T) {
	var j Journal
	for s := uint32(1); s < 4; s++ {
		j.Add("Example", delta(s, s+1))
	}
	for _, c := range []struct {
		from uint32
		want []uint32
		ok   bool
	}{
		{1, []uint32{1, 2, 3, 4}, true},
		{3, []uint32{3, 4}, true},
		{4, nil, true},   // up to date
		{0, nil, false},  // older than the chain
		{99, nil, false}, // unknown
	} {
		ds, ok := j.Since("example.", c.from)
		if ok != c.ok || fmt.Sprint(serialsOf(ds)) != fmt.Sprint(c.want) {
			t.Errorf("Since(%d) = %v, %v; want %v, %v", c.from, serialsOf(ds), ok, c.want, c.ok)
		}
	}
	// A delta that does not follow starts the chain anew.
	j.Add("example.", delta(10, 11))
	if _, ok := j.Since("example.", 1); ok {
		t.Error("the old chain survived a delta that does not follow it")
	}
	if ds, ok := j.Since("example.", 10); !ok || len(ds) != 1 {
		t.Errorf("Since(10) = %v, %v", serialsOf(ds), ok)
	}
	j.Drop("EXAMPLE.")
	if _, ok := j.Since("example.", 10); ok {
		t.Error("Drop kept the chain")
	}
}

func TestJournalBounds(t *testing.T) {
	j := Journal{MaxDiffs: 3}
	for s := uint32(1); s <= 10; s++ {
		j.Add("example.", delta(s, s+1))
	}
	if _, ok := j.Since("example.", 7); ok {
		t.Error("kept more deltas than MaxDiffs")
	}
	if ds, ok := j.Since("example.", 8); !ok || len(ds) != 3 {
		t.Errorf("Since(8) = %v, %v; want 3 deltas", serialsOf(ds), ok)
	}
	size := diffBytes(delta(1, 2))
	j = Journal{MaxBytes: 2 * size}
	for s := uint32(1); s <= 5; s++ {
		j.Add("example.", delta(s, s+1))
	}
	if ds, ok := j.Since("example.", 4); !ok || len(ds) != 2 {
		t.Errorf("Since(4) = %v, %v; want the 2 deltas that fit", serialsOf(ds), ok)
	}
	if _, ok := j.Since("example.", 3); ok {
		t.Error("kept more bytes than MaxBytes")
	}
	j = Journal{MaxBytes: size - 1}
	j.Add("example.", delta(1, 2))
	if _, ok := j.Since("example.", 1); ok {
		t.Error("kept a delta larger than MaxBytes")
	}
}
