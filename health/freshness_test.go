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
	for _, c := range []struct {
		name   string
		policy FreshnessPolicy
		zone   func(z *ZoneFreshness)
		want   string // "" for fresh, else a part of the error
	}{
		{"fresh", FreshnessPolicy{}, func(*ZoneFreshness) {}, ""},
		{"not transferred", FreshnessPolicy{}, func(z *ZoneFreshness) { z.Loaded = false }, "not transferred"},
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
	} {
		z := fresh
		c.zone(&z)
		err := c.policy.Check([]ZoneFreshness{{Origin: "other.", Required: true}, z}, now)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want fresh", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "example.org.")):
			t.Errorf("%s: %v, want an error naming example.org. and %q", c.name, err, c.want)
		}
	}
}
