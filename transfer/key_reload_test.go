package transfer

import "testing"

func TestKeyringReplace(t *testing.T) {
	k1, err := NewKey("k1", "hmac-sha256", "AAAAAAAAAAAAAAAAAAAAAA==")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := NewKey("k2", "hmac-sha256", "BBBBBBBBBBBBBBBBBBBBBB==")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewKeyring(k1)
	o, _ := NewKeyring(k2)
	r.Replace(o)
	if _, ok := r.Key("k1."); ok {
		t.Error("k1 is still in the ring after Replace")
	}
	if k, ok := r.Key("K2"); !ok || k.Secret != k2.Secret {
		t.Errorf("k2: got %v %v, want it", k, ok)
	}
	if s := r.Secrets(); len(s) != 1 || s["k2."] != k2.Secret {
		t.Errorf("Secrets: got %d keys, want k2 only", len(s))
	}
	r.Replace(nil)
	if _, ok := r.Key("k2"); ok {
		t.Error("Replace(nil) kept k2")
	}
}
