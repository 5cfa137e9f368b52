package transfer

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Key is a TSIG key (RFC 8945 section 4): a name shared by both ends, an HMAC
// algorithm and a secret. Its String and GoString never show the secret, so that
// a key printed or logged by mistake does not leak it.
type Key struct {
	// Name is the key's name, fully qualified and lower-case (RFC 8945 section 4.2:
	// compared without regard to case).
	Name string
	// Algorithm is the algorithm's name as dns writes it, e.g. dns.HmacSHA256.
	Algorithm string
	// Secret is the shared secret, base64 as in a key file (what dns.TsigSecret takes).
	Secret string
}

// Algorithms maps the names an operator writes (as BIND, Knot and NSD spell them)
// to the TSIG algorithm names of RFC 8945 section 6. hmac-md5 is not among them:
// RFC 8945 section 6 says it MUST NOT be used to sign.
var Algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
	"hmac-sha1":   dns.HmacSHA1,
}

// DefaultAlgorithm is the algorithm of a key that names none: hmac-sha256, which
// RFC 8945 section 6 says MUST be implemented.
const DefaultAlgorithm = "hmac-sha256"

// NewKey returns the key name with the algorithm named alg ("" for
// DefaultAlgorithm) and the base64 secret. It checks all three, naming what is
// wrong without showing the secret.
func NewKey(name, alg, secret string) (Key, error) {
	fqdn := canonical(name)
	if _, ok := dns.IsDomainName(fqdn); !ok || name == "" {
		return Key{}, fmt.Errorf("key name %q is not a domain name", name)
	}
	if alg == "" {
		alg = DefaultAlgorithm
	}
	a, ok := Algorithms[strings.TrimSuffix(strings.ToLower(alg), ".")]
	if !ok {
		return Key{}, fmt.Errorf("algorithm %q is not one of hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1", alg)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
	if err != nil {
		return Key{}, fmt.Errorf("secret of key %s is not base64", fqdn)
	}
	if len(raw) == 0 {
		return Key{}, fmt.Errorf("secret of key %s is empty", fqdn)
	}
	return Key{Name: fqdn, Algorithm: a, Secret: base64.StdEncoding.EncodeToString(raw)}, nil
}

// String names the key and its algorithm, never its secret.
func (k Key) String() string { return k.Name + " (" + k.Algorithm + ")" }

// GoString is String, so that %#v does not print the secret either.
func (k Key) GoString() string { return k.String() }

// Keyring holds the TSIG keys by name. The zero value holds none. It is safe for
// concurrent use: Replace swaps the keys of a running node.
type Keyring struct {
	mu   sync.RWMutex
	keys map[string]Key
}

// NewKeyring returns a Keyring of keys; a name given twice is an error.
func NewKeyring(keys ...Key) (*Keyring, error) {
	r := &Keyring{keys: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if _, dup := r.keys[k.Name]; dup {
			return nil, fmt.Errorf("key %s is defined twice", k.Name)
		}
		r.keys[k.Name] = k
	}
	return r, nil
}

// Key returns the key called name (any case, final dot optional).
func (r *Keyring) Key(name string) (Key, bool) {
	if r == nil {
		return Key{}, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.keys[canonical(name)]
	return k, ok
}

// Replace makes the keys of o those of r, for a reload of the configuration: a
// message signed or checked afterwards uses them; a transfer under way keeps the
// key it started with.
func (r *Keyring) Replace(o *Keyring) {
	var keys map[string]Key
	if o != nil {
		o.mu.RLock()
		keys = o.keys
		o.mu.RUnlock()
	}
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
}

// Secrets returns the secrets by key name, as dns.Client and dns.Transfer take them
// (TsigSecret).
func (r *Keyring) Secrets() map[string]string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	m := make(map[string]string, len(r.keys))
	for n, k := range r.keys {
		m[n] = k.Secret
	}
	return m
}
