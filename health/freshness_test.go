package health

import (
	"strings"
	"testing"
	"time"
)

func TestFreshnessPolicyCheck(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	fresh := ZoneFreshness{Origin: "example.org.", Required: true, Secondary: true, Loaded: true,
		Confirmed: true, Refresh: 30 * time.Minute}
	leave := FreshnessPolicy{Margin: 3 * time.Second}
	for _, c := range []struct {
		name   string
		policy FreshnessPolicy
		zone   func(z *ZoneFreshness)
		want   string // "" for fresh, else a part of the error
	}{
		{"fresh", FreshnessPolicy{}, func(*ZoneFreshness) {}, ""},
		{"not transferred", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Loaded = false }, "not transferred"},
		{"joining, not transferred yet", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Loaded, z.Joining = false, true }, ""},
		{"joined, then expired", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Joining, z.Expired = true, true }, "expired"},
		{"expired", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Expired = true }, "expired"},
		{"copy not confirmed", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Confirmed = false }, "not confirmed"},
		{"not required", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Required, z.Expired = false, true }, ""},
		// 2 × 30 min + 5 min = 65 min: RSSAC047's threshold for the root.
		{"lag under default", FreshnessPolicy{}, func(z *ZoneFreshness) { z.LaggingSince = now.Add(-64 * time.Minute) }, ""},
		{"lag over default", FreshnessPolicy{}, func(z *ZoneFreshness) { z.LaggingSince = now.Add(-66 * time.Minute) }, "max-lag 1h5m0s"},
		{"lag over configured", FreshnessPolicy{MaxLag: time.Minute}, func(z *ZoneFreshness) { z.LaggingSince = now.Add(-2 * time.Minute) }, "behind the primary"},
		{"signatures fine", FreshnessPolicy{}, func(z *ZoneFreshness) { z.SignatureExpiry = now.Add(2 * time.Hour) }, ""},
		// max(2 × 30 min, 1 h) = 1 h.
		{"signatures close", FreshnessPolicy{}, func(z *ZoneFreshness) { z.SignatureExpiry = now.Add(59 * time.Minute) }, "signature expires"},
		{"signatures of a file zone", FreshnessPolicy{MinSignatureValidity: 3 * time.Hour}, func(z *ZoneFreshness) {
			*z = ZoneFreshness{Origin: "example.org.", Required: true, SignatureExpiry: now.Add(2 * time.Hour)}
		}, "min-signature-validity 3h0m0s"},
		{"file zone", FreshnessPolicy{}, func(z *ZoneFreshness) { *z = ZoneFreshness{Origin: "example.org.", Required: true} }, ""},

		// The expire (RFC 1034 section 4.3.5), with the 3s a node of the lab
		// needs to leave (2 × 1s interval + 1s grace) and its 10s expire.
		{"expire far", leave, func(z *ZoneFreshness) { z.Expires, z.ExpireAfter = now.Add(5*time.Second), 10*time.Second }, ""},
		{"expire just outside the margin", leave, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(3*time.Second+time.Nanosecond), 10*time.Second
		}, ""},
		{"expire at the margin", leave, func(z *ZoneFreshness) { z.Expires, z.ExpireAfter = now.Add(3*time.Second), 10*time.Second },
			"expires in 3s, within the 3s the node needs to leave before it would answer SERVFAIL"},
		{"expire within the margin", leave, func(z *ZoneFreshness) { z.Expires, z.ExpireAfter = now.Add(2*time.Second), 10*time.Second },
			"expires in 2s, within the 3s"},
		{"expire passed, not marked expired yet", leave, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(-time.Second), 10*time.Second
		}, "expires in 0s"},
		// A margin over half the expire period is cut to half: a copy just
		// refreshed is fresh.
		{"margin capped, fresh", FreshnessPolicy{Margin: 7 * time.Second}, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(6*time.Second), 10*time.Second
		}, ""},
		{"margin capped, stale", FreshnessPolicy{Margin: 7 * time.Second}, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(5*time.Second), 10*time.Second
		}, "within the 5s"},
		{"just refreshed, margin over the expire", FreshnessPolicy{Margin: time.Minute}, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(10*time.Second), 10*time.Second
		}, ""},
		{"no margin: fresh until the expire", FreshnessPolicy{}, func(z *ZoneFreshness) {
			z.Expires, z.ExpireAfter = now.Add(time.Nanosecond), 10*time.Second
		}, ""},
		{"no margin: stale at the expire", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Expires, z.ExpireAfter = now, 10*time.Second },
			"expires in 0s, within the 0s"},
		{"no expire deadline", leave, func(z *ZoneFreshness) { z.Expires, z.ExpireAfter = time.Time{}, 0 }, ""},
		{"not transferred, no expire deadline", leave, func(z *ZoneFreshness) { z.Loaded, z.Expires = false, time.Time{} }, "not transferred"},
		{"file zone, margin set", leave, func(z *ZoneFreshness) { *z = ZoneFreshness{Origin: "example.org.", Required: true} }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			z := fresh
			c.zone(&z)
			err := c.policy.Check([]ZoneFreshness{{Origin: "other.", Required: true}, z}, now)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v, want fresh", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "example.org.")):
				t.Errorf("got %v, want an error naming example.org. and %q", err, c.want)
			}
		})
	}
}
