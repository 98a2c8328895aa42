package issuer

import (
	"context"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/keys"
)

// memSecrets is the part of a Store that nonces use; the rest panics.
type memSecrets struct {
	Store
	secrets map[string][]byte
}

func (m *memSecrets) Secret(_ context.Context, name string, candidate []byte) ([]byte, error) {
	if v, ok := m.secrets[name]; ok {
		return v, nil
	}
	m.secrets[name] = candidate
	return candidate, nil
}

type noTrust struct{}

func (noTrust) IssuerAuthorised(context.Context, string, string) (bool, error) { return false, nil }

func nonceIssuer(t *testing.T, st Store, now *time.Time) *Issuer {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	const did = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	is, err := New(k.WithKeyID(did+"#key-1"), st, noTrust{}, nil, nil, Config{
		URL: "https://gwanak.example", DID: did, Types: []string{"urn:seoulid:vct:residency-status:1"},
		NonceTTL: time.Minute, Now: func() time.Time { return *now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// TestNonces: a nonce is good until its expiry, at this issuer and every
// other process sharing its store; any change to it, or another store's
// key, makes it unknown.
func TestNonces(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	shared := &memSecrets{secrets: map[string][]byte{}}
	is := nonceIssuer(t, shared, &now)
	n, err := is.Nonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check := func(is *Issuer, n string, at time.Time) bool {
		t.Helper()
		_, ok, err := is.checkNonce(ctx, n, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if exp, ok, _ := is.checkNonce(ctx, n, now); !ok || !exp.Equal(now.Add(time.Minute)) {
		t.Fatalf("a fresh nonce: ok %v, expiry %s", ok, exp)
	}
	if !check(is, n, now.Add(time.Minute-time.Second)) || check(is, n, now.Add(time.Minute)) {
		t.Error("a nonce is good until its expiry, not at it")
	}
	if !check(nonceIssuer(t, shared, &now), n, now) {
		t.Error("another process sharing the store refuses the nonce")
	}
	if check(nonceIssuer(t, &memSecrets{secrets: map[string][]byte{}}, &now), n, now) {
		t.Error("an issuer with another store accepts the nonce")
	}
	raw, _ := b64url.Decode(n)
	for i := range raw {
		for bit := range 8 {
			c := append([]byte(nil), raw...)
			c[i] ^= 1 << bit
			if check(is, b64url.Encode(c), now) {
				t.Fatalf("byte %d bit %d changed: accepted", i, bit)
			}
		}
	}
	for _, bad := range []string{"", "made-up", n + "A", n[:len(n)-1], "*" + n[1:], string(make([]byte, 4096))} {
		if check(is, bad, now) {
			t.Errorf("%q accepted", bad)
		}
	}
	n2, _ := is.Nonce(ctx)
	if n2 == n {
		t.Error("two nonces are the same")
	}
}

// FuzzCheckNonce: a nonce is outside input; no string makes checkNonce
// fail other than by refusing, and none but the issuer's own is accepted.
func FuzzCheckNonce(f *testing.F) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	st := &memSecrets{secrets: map[string][]byte{}}
	k, _ := keys.Generate(keys.EdDSA)
	const did = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	is, err := New(k.WithKeyID(did+"#key-1"), st, noTrust{}, nil, nil, Config{
		URL: "https://gwanak.example", DID: did, Types: []string{"urn:seoulid:vct:residency-status:1"}, Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := is.Nonce(context.Background())
	for _, s := range []string{good, "", "AQ", good[:20], good + good, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, ok, err := is.checkNonce(context.Background(), s, now)
		if err != nil {
			t.Fatal(err)
		}
		if ok && s != good {
			t.Fatalf("%q accepted", s)
		}
	})
}
