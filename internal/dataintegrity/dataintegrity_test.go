package dataintegrity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// didKey returns a fresh key of alg named by its did:key verification
// method.
func didKey(t testing.TB, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	d := did.KeyDID(k.Public())
	return k.WithKeyID(d + "#" + d[len("did:key:"):])
}

// Every cryptosuite signs and verifies; a change to the document, a key
// of the other type, another purpose, an expired proof and a wrong
// challenge are refused with their errors.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	ed, p256 := didKey(t, keys.EdDSA), didKey(t, keys.ES256)
	for _, cs := range Cryptosuites() {
		t.Run(cs, func(t *testing.T) {
			k := ed
			if suites[cs].alg == keys.ES256 {
				k = p256
			}
			doc := readJSON(t, "unsigned.json")
			signed, err := Sign(ctx, doc, k, Options{Cryptosuite: cs, Challenge: "c-1", Domain: "seoul.example", Expires: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := doc["proof"]; ok {
				t.Fatal("Sign modified its input")
			}
			v, err := Verify(ctx, signed, did.LocalResolver{}, VerifyOptions{Challenge: "c-1", Domain: "seoul.example"})
			if err != nil {
				t.Fatal(err)
			}
			if v.Key.Thumbprint() != k.Public().Thumbprint() || v.VerificationMethod != k.KeyID() {
				t.Errorf("verified %+v", v)
			}
			refused := func(name string, want error, edit func(m map[string]any), opts VerifyOptions) {
				t.Helper()
				m := deepCopy(t, signed)
				edit(m)
				if _, err := Verify(ctx, m, did.LocalResolver{}, opts); !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", name, err, want)
				}
			}
			none := func(map[string]any) {}
			refused("a changed claim", ErrSignature, func(m map[string]any) { m["name"] = "Forged" }, VerifyOptions{})
			refused("another purpose", ErrPurpose, none, VerifyOptions{Purpose: "authentication"})
			refused("another challenge", ErrChallenge, none, VerifyOptions{Challenge: "c-2"})
			refused("another domain", ErrChallenge, none, VerifyOptions{Domain: "elsewhere.example"})
			refused("an expired proof", ErrExpired, none, VerifyOptions{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
			refused("a suite not accepted", ErrSuite, none, VerifyOptions{Cryptosuites: []string{"none-2020"}})
			refused("an unknown suite", ErrSuite, func(m map[string]any) { m["proof"].(map[string]any)["cryptosuite"] = "bbs-2023" }, VerifyOptions{})
			refused("another type", ErrMalformed, func(m map[string]any) { m["proof"].(map[string]any)["type"] = "Ed25519Signature2020" }, VerifyOptions{})
			refused("a proof set with a broken proof", ErrSignature, func(m map[string]any) {
				bad := deepCopy(t, m)["proof"].(map[string]any)
				bad["created"] = "2020-01-01T00:00:00Z"
				m["proof"] = []any{m["proof"], bad}
			}, VerifyOptions{Challenge: "c-1", Domain: "seoul.example"})
			refused("an empty proof set", ErrMalformed, func(m map[string]any) { m["proof"] = []any{} }, VerifyOptions{})
			refused("a chain to a proof not in the set", ErrMalformed, func(m map[string]any) { m["proof"].(map[string]any)["previousProof"] = "urn:uuid:gone" }, VerifyOptions{})
			refused("no proofValue", ErrMalformed, func(m map[string]any) { delete(m["proof"].(map[string]any), "proofValue") }, VerifyOptions{})
			refused("a proofValue not base58btc", ErrMalformed, func(m map[string]any) { m["proof"].(map[string]any)["proofValue"] = "u" + "AAAA" }, VerifyOptions{})
			other := ed
			if k == ed {
				other = p256
			}
			refused("a key of the other type", ErrKey, func(m map[string]any) { m["proof"].(map[string]any)["verificationMethod"] = other.KeyID() }, VerifyOptions{})
			refused("a method that is not a DID URL", ErrKey, func(m map[string]any) { m["proof"].(map[string]any)["verificationMethod"] = "https://example.com/key" }, VerifyOptions{})
		})
	}
	// A proof set, and a chain: the second proof covers the first.
	doc := readJSON(t, "unsigned.json")
	one, err := Sign(ctx, doc, ed, Options{Cryptosuite: EdDSARDFC2022, ID: "urn:uuid:first"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := Sign(ctx, one, p256, Options{Cryptosuite: ECDSAJCS2019, PreviousProof: "urn:uuid:first"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, chain, did.LocalResolver{}, VerifyOptions{}); err != nil {
		t.Errorf("a proof chain: %v", err)
	}
	if len(chain["proof"].([]any)) != 2 {
		t.Errorf("the chain's proofs: %v", chain["proof"])
	}
	// The first proof dropped from the set: the second's previousProof is gone.
	broken := deepCopy(t, chain)
	broken["proof"] = broken["proof"].([]any)[1:]
	if _, err := Verify(ctx, broken, did.LocalResolver{}, VerifyOptions{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("a chain without its first proof: %v", err)
	}
	// The first proof changed: the second no longer covers it.
	broken = deepCopy(t, chain)
	broken["proof"].([]any)[0].(map[string]any)["created"] = "2020-01-01T00:00:00Z"
	if _, err := Verify(ctx, broken, did.LocalResolver{}, VerifyOptions{}); !errors.Is(err, ErrSignature) {
		t.Errorf("a chain whose first proof changed: %v", err)
	}
	if _, err := Sign(ctx, one, ed, Options{Cryptosuite: EdDSARDFC2022}); !errors.Is(err, ErrMalformed) {
		t.Errorf("a second proof without previousProof: %v", err)
	}
	if _, err := Sign(ctx, readJSON(t, "unsigned.json"), ed, Options{Cryptosuite: ECDSARDFC2019}); !errors.Is(err, ErrSuite) {
		t.Errorf("an Ed25519 key for ecdsa-rdfc-2019: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	k := didKey(f, keys.EdDSA)
	doc, err := jsonx.ParseObject([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":["VerifiableCredential"],"issuer":"did:example:1","credentialSubject":{"id":"did:example:2","name":"x"}}`))
	if err != nil {
		f.Fatal(err)
	}
	for _, cs := range []string{EdDSARDFC2022, EdDSAJCS2022} {
		signed, err := Sign(ctx, doc, k, Options{Cryptosuite: cs})
		if err != nil {
			f.Fatal(err)
		}
		b, _ := jsonx.Marshal(signed)
		f.Add(b)
	}
	f.Add([]byte(`{"@context":"https://example.com/x","proof":{"type":"DataIntegrityProof"}}`))
	f.Add([]byte(`{"proof":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := jsonx.ParseObjectWithLimits(data, jsonx.Limits{MaxBytes: 1 << 14})
		if err != nil {
			return
		}
		v, err := Verify(ctx, m, did.LocalResolver{}, VerifyOptions{})
		if err == nil && (v == nil || v.Key == nil) {
			t.Fatal("verified without a key")
		}
	})
}
