package announce

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
)

// A router that restarts (the session drops while the node runs, as after a link
// flap or the node's own SIGSTOP past the hold time) is dialled again after the
// configured connect-retry (1 s here), not after GoBGP's fixed 5 s idle hold, and
// learns the announced prefix again.
func TestSpeakerRedialsAfterSessionLoss(t *testing.T) {
	router := startRouter(t)
	sp, err := New(testConfig(router.Port), Options{Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sp.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Stop(context.Background()) })
	if err := sp.Announce(pfx4, "rise"); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, router, pfx4, "the route", hasRoute)

	restarted := time.Now()
	router.Restart(t)
	_, back, err := router.Wait(t, pfx4, 15*time.Second, "the route after the restart", hasRoute)
	if err != nil {
		t.Fatal(err)
	}
	// connect-retry (1 s) plus the session set-up, with room for a busy machine;
	// GoBGP alone waits 5 s idle first (6.6 s in all).
	if took := back.Sub(restarted); took > 5*time.Second {
		t.Errorf("the route came back %v after the router restarted, want within connect-retry (1s) and the set-up, under 5s (GoBGP alone: 6.6s)", took.Round(time.Millisecond))
	} else {
		t.Logf("route back %v after the restart", took.Round(time.Millisecond))
	}
	if st := sp.Peers()[0].State; st != "established" {
		t.Errorf("session %s after the route came back, want established", st)
	}
}
