package transfer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestNewKey(t *testing.T) {
	k, err := NewKey("Xfr-Key", "", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "xfr-key." || k.Algorithm != dns.HmacSHA256 {
		t.Errorf("key = %s, want xfr-key. with hmac-sha256", k)
	}
	for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v", k, k, k)} {
		if strings.Contains(s, "c2Vj") {
			t.Errorf("the secret shows in %q", s)
		}
	}
	for _, c := range [][3]string{
		{"", "", "c2VjcmV0"},
		{"k", "hmac-md5", "c2VjcmV0"},
		{"k", "", "not base64!"},
		{"k", "", ""},
	} {
		if _, err := NewKey(c[0], c[1], c[2]); err == nil {
			t.Errorf("NewKey(%q, %q, ...): no error", c[0], c[1])
		} else if c[2] != "" && strings.Contains(err.Error(), c[2]) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
	r, err := NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Key("XFR-KEY"); !ok || got != k {
		t.Errorf("Key(XFR-KEY) = %v, %v", got, ok)
	}
	if _, err := NewKeyring(k, k); err == nil {
		t.Error("a key defined twice: no error")
	}
}
