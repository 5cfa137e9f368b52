package field

import (
	"errors"
	"testing"
)

func TestErrorsIn(t *testing.T) {
	var errs Errors
	errs.Add("timeout", "%v; want at most %s (%v)", "2s", Key("interval"), "1s")
	errs.Add(Join(Index("peers", 1), "address"), "%s is also %s", "10.0.0.1", Index("peers", 0))
	errs.Merge("drain", errors.New("a problem without a key"))
	err := In("bgp", errs.Err())
	got := List(err)
	want := []string{
		"bgp.timeout: 2s; want at most bgp.interval (1s)",
		"bgp.peers[1].address: 10.0.0.1 is also bgp.peers[0]",
		"a problem without a key",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Error() != want[i] {
			t.Errorf("problem %d: got %q, want %q", i, got[i], want[i])
		}
	}
	var fe *Error
	if !errors.As(got[0], &fe) || fe.Key != "bgp.timeout" || fe.Message() != "2s; want at most bgp.interval (1s)" {
		t.Errorf("got key %q message %q, want bgp.timeout and its message", fe.Key, fe.Message())
	}
}

func TestErrorsEmpty(t *testing.T) {
	var errs Errors
	errs.Merge("x", nil)
	if err := errs.Err(); err != nil {
		t.Errorf("no problem: got %v, want nil", err)
	}
	if err := In("x", nil); err != nil {
		t.Errorf("In(nil): got %v, want nil", err)
	}
	if got := Join("", "listen"); got != "listen" {
		t.Errorf("Join at the top: got %q, want listen", got)
	}
}
