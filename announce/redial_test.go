package announce

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/anycastdns/anycastdns/internal/testutil/bgptest"
)

// A router that restarts (the session drops while the node runs, as after a link
// flap or the node's own SIGSTOP past the hold time) is dialled again after the
// configured connect-retry (1 s here), not after GoBGP's fixed 5 s idle hold, and
// learns the announced prefix again.
func TestSpeakerRedialsAfterSessionLoss(t *testing.T) {
	router := startRouter(t)
	sp := startSpeaker(t, testConfig(router.Port), Options{Logger: zap.NewNop()})
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

// A session the router refuses once the TCP connection is made (its NOTIFICATION in
// reply to the OPEN: here the router expects another AS; in the lab, FRR refusing an
// IPv6 session until its interface has a link-local address again after a link flap)
// is tried again after connect-retry too, not after GoBGP's fixed 5 s idle hold.
func TestSpeakerRedialsAfterRefusedOpen(t *testing.T) {
	router := bgptest.StartRouter(t, bgptest.Options{AS: routerAS, PeerAS: nodeAS + 1})
	core, logs := observer.New(zap.InfoLevel)
	startSpeaker(t, testConfig(router.Port), Options{Logger: zap.New(core)})
	waitFor(t, "the router refusing the node's OPEN", func() bool {
		return logs.FilterMessage("bgp peer state").Filter(func(e observer.LoggedEntry) bool {
			m := e.ContextMap()
			return m["state"] == "idle" && (m["from"] == "opensent" || m["from"] == "openconfirm")
		}).Len() > 0
	})
	fixed := time.Now()
	router.RestartWith(t, nodeAS)
	_, back, err := router.Wait(t, pfx4, 15*time.Second, "the route once the router accepts the node", hasRoute)
	if err != nil {
		t.Fatal(err)
	}
	// Dialled again within one to two connect-retry intervals (1 s here), then the
	// set-up, with room for a busy machine; without the redial, 5 s idle first.
	if took := back.Sub(fixed); took > 4*time.Second {
		t.Errorf("the route came %v after the router was corrected, want within two connect-retry intervals (1s) and the set-up, under 4s (GoBGP alone holds the peer idle 5s first)", took.Round(time.Millisecond))
	} else {
		t.Logf("route %v after the router was corrected", took.Round(time.Millisecond))
	}
}
