package w3c_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/vcdm"
	"github.com/seoulid/seoulid/w3c"
)

func didKey(t testing.TB, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	d := did.KeyDID(k.Public())
	return k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
}

func credential(t testing.TB, issuer string) map[string]any {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
	  "type": ["VerifiableCredential", "ResidentCredential"],
	  "issuer": "` + issuer + `",
	  "validFrom": "2026-01-01T00:00:00Z",
	  "validUntil": "2027-01-01T00:00:00Z",
	  "credentialSubject": {"id": "did:example:jeong", "residentOf": "Seoul"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func deepCopy(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	b, _ := jsonx.Marshal(m)
	out, err := jsonx.ParseObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every securing mechanism issues what Verify accepts; what is changed,
// expired, not yet valid, or signed by someone other than the issuer is
// refused with its error.
func TestIssueVerify(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) }
	ed, p256 := didKey(t, keys.EdDSA), didKey(t, keys.ES256)
	for _, suite := range append(dataintegrity.Cryptosuites(), w3c.JOSE) {
		t.Run(suite, func(t *testing.T) {
			k := ed
			if strings.HasPrefix(suite, "ecdsa") {
				k = p256
			}
			is, err := w3c.NewIssuer(k, suite, now)
			if err != nil {
				t.Fatal(err)
			}
			vc, err := is.Issue(ctx, credential(t, is.DID()))
			if err != nil {
				t.Fatal(err)
			}
			v, err := w3c.Verify(ctx, vc, did.LocalResolver{}, w3c.VerifyOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if v.Issuer != is.DID() || v.Mechanism != suite || v.Credential["credentialSubject"].(map[string]any)["residentOf"] != "Seoul" {
				t.Errorf("verified %+v", v)
			}
			if _, err := w3c.Verify(ctx, vc, did.LocalResolver{}, w3c.VerifyOptions{Now: func() time.Time { return now().AddDate(1, 0, 0) }}); !errors.Is(err, w3c.ErrExpired) {
				t.Errorf("a year later: %v", err)
			}
			if _, err := w3c.Verify(ctx, vc, did.LocalResolver{}, w3c.VerifyOptions{Now: func() time.Time { return now().AddDate(-1, 0, 0) }}); !errors.Is(err, w3c.ErrNotYetValid) {
				t.Errorf("a year earlier: %v", err)
			}
			if _, err := is.Issue(ctx, credential(t, "did:example:someone-else")); !errors.Is(err, w3c.ErrNotIssuer) {
				t.Errorf("another issuer's credential: %v", err)
			}
			bad := credential(t, is.DID())
			delete(bad, "credentialSubject")
			if _, err := is.Issue(ctx, bad); !errors.Is(err, w3c.ErrInput) {
				t.Errorf("a credential without subject: %v", err)
			}
			if suite == w3c.JOSE {
				tampered := deepCopy(t, vc)
				id := []byte(tampered["id"].(string))
				i := len(id) - 10 // inside the signature
				id[i] = map[bool]byte{true: 'B', false: 'A'}[id[i] == 'A']
				tampered["id"] = string(id)
				if _, err := w3c.Verify(ctx, tampered, did.LocalResolver{}, w3c.VerifyOptions{Now: now}); !errors.Is(err, w3c.ErrProof) {
					t.Errorf("a tampered vc+jwt: %v", err)
				}
				for _, c := range []any{[]any{}, "https://www.w3.org/ns/credentials/examples/v2", nil} {
					bad := deepCopy(t, vc)
					bad["@context"] = c
					if _, err := w3c.Verify(ctx, bad, did.LocalResolver{}, w3c.VerifyOptions{Now: now}); !errors.Is(err, w3c.ErrInput) {
						t.Errorf("an envelope whose @context is %v: %v", c, err)
					}
				}
				return
			}
			tampered := deepCopy(t, vc)
			tampered["credentialSubject"].(map[string]any)["residentOf"] = "Busan"
			if _, err := w3c.Verify(ctx, tampered, did.LocalResolver{}, w3c.VerifyOptions{Now: now}); !errors.Is(err, w3c.ErrProof) {
				t.Errorf("a changed claim: %v", err)
			}
			// Signed by a key of another DID, naming is.DID() as issuer.
			other := didKey(t, k.Algorithm())
			forged, err := dataintegrity.Sign(ctx, credential(t, is.DID()), other, dataintegrity.Options{Cryptosuite: suite})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w3c.Verify(ctx, forged, did.LocalResolver{}, w3c.VerifyOptions{Now: now}); !errors.Is(err, w3c.ErrProof) {
				t.Errorf("a proof by another DID than the issuer's: %v", err)
			}
		})
	}
	// An issuer that is an https URL: verified, with a warning that nothing
	// binds it to the key.
	urlIssued, err := dataintegrity.Sign(ctx, credential(t, "https://vc.example/issuers/5678"), ed, dataintegrity.Options{Cryptosuite: dataintegrity.EdDSARDFC2022})
	if err != nil {
		t.Fatal(err)
	}
	v, err := w3c.Verify(ctx, urlIssued, did.LocalResolver{}, w3c.VerifyOptions{Now: now})
	if err != nil || len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], "not a DID") {
		t.Errorf("an https issuer: %+v %v", v, err)
	}
	if _, err := w3c.NewIssuer(ed, "none-2020", nil); err == nil {
		t.Error("an unknown mechanism")
	}
}

// A presentation signed by its holder for a challenge and a domain
// verifies with them and not without; its credentials are verified too.
func TestPresentation(t *testing.T) {
	ctx := context.Background()
	issuerKey, holder := didKey(t, keys.EdDSA), didKey(t, keys.ES256)
	is, _ := w3c.NewIssuer(issuerKey, dataintegrity.EdDSARDFC2022, nil)
	vc, err := is.Issue(ctx, credential(t, is.DID()))
	if err != nil {
		t.Fatal(err)
	}
	holderDID, _, _ := strings.Cut(holder.KeyID(), "#")
	vp := map[string]any{
		"@context":             []any{"https://www.w3.org/ns/credentials/v2"},
		"type":                 []any{"VerifiablePresentation"},
		"holder":               holderDID,
		"verifiableCredential": []any{vc},
	}
	signed, err := dataintegrity.Sign(ctx, vp, holder, dataintegrity.Options{Cryptosuite: dataintegrity.ECDSARDFC2019, Purpose: "authentication", Challenge: "n-1", Domain: "portal.seoul.example"})
	if err != nil {
		t.Fatal(err)
	}
	opts := w3c.PresentationOptions{Challenge: "n-1", Domain: "portal.seoul.example"}
	got, err := w3c.VerifyPresentation(ctx, signed, did.LocalResolver{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Holder != holderDID || len(got.Credentials) != 1 || got.Credentials[0].Issuer != is.DID() {
		t.Errorf("verified %+v", got)
	}
	if _, err := w3c.VerifyPresentation(ctx, signed, did.LocalResolver{}, w3c.PresentationOptions{Challenge: "n-2"}); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("another challenge: %v", err)
	}
	if _, err := w3c.VerifyPresentation(ctx, vp, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("no proof, a challenge asked: %v", err)
	}
	other := deepCopy(t, signed)
	other["holder"] = "did:example:someone-else"
	if _, err := w3c.VerifyPresentation(ctx, other, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("a holder other than the signer: %v", err)
	}
	broken := deepCopy(t, vp)
	broken["verifiableCredential"].([]any)[0].(map[string]any)["credentialSubject"].(map[string]any)["residentOf"] = "Busan"
	resigned, err := dataintegrity.Sign(ctx, broken, holder, dataintegrity.Options{Cryptosuite: dataintegrity.ECDSARDFC2019, Purpose: "authentication", Challenge: "n-1", Domain: "portal.seoul.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w3c.VerifyPresentation(ctx, resigned, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("a presentation of a changed credential: %v", err)
	}
}

// An enveloped presentation (vp+jwt) by its holder, holding an enveloped
// credential, verifies for its nonce and aud; changed, for another
// challenge, or signed by someone other than its holder, it does not.
func TestEnvelopedPresentation(t *testing.T) {
	ctx := context.Background()
	issuerKey, holder := didKey(t, keys.EdDSA), didKey(t, keys.ES256)
	is, _ := w3c.NewIssuer(issuerKey, w3c.JOSE, nil)
	vc, err := is.Issue(ctx, credential(t, is.DID()))
	if err != nil {
		t.Fatal(err)
	}
	holderDID, _, _ := strings.Cut(holder.KeyID(), "#")
	vp := map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"VerifiablePresentation"},
		"holder": holderDID, "verifiableCredential": []any{vc}}
	envelope := func(k *keys.PrivateKey, doc map[string]any) map[string]any {
		tok, err := vcdm.SignJOSEPresentation(ctx, doc, k, "n-1", "portal.seoul.example")
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": "EnvelopedVerifiablePresentation", "id": "data:application/vp+jwt," + tok}
	}
	opts := w3c.PresentationOptions{Challenge: "n-1", Domain: "portal.seoul.example", VerifyOptions: w3c.VerifyOptions{Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }}}
	got, err := w3c.VerifyPresentation(ctx, envelope(holder, vp), did.LocalResolver{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Holder != holderDID || len(got.Credentials) != 1 || got.Credentials[0].Mechanism != w3c.JOSE {
		t.Errorf("verified %+v", got)
	}
	other := opts
	other.Challenge = "n-2"
	if _, err := w3c.VerifyPresentation(ctx, envelope(holder, vp), did.LocalResolver{}, other); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("another challenge: %v", err)
	}
	noHolder := deepCopy(t, vp)
	delete(noHolder, "holder")
	if _, err := w3c.VerifyPresentation(ctx, envelope(didKey(t, keys.EdDSA), noHolder), did.LocalResolver{}, opts); err != nil {
		t.Errorf("a presentation naming no holder, by any key: %v", err)
	}
	forged := envelope(holder, vp)
	forged["id"] = forged["id"].(string)[:len(forged["id"].(string))-10] + "AAAAAAAAAA"
	if _, err := w3c.VerifyPresentation(ctx, forged, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrProof) {
		t.Errorf("a changed vp+jwt: %v", err)
	}
	if _, err := vcdm.SignJOSEPresentation(ctx, vp, didKey(t, keys.EdDSA), "", ""); err == nil {
		t.Error("signed a presentation of another holder")
	}
	bad := envelope(holder, vp)
	bad["@context"] = []any{}
	if _, err := w3c.VerifyPresentation(ctx, bad, did.LocalResolver{}, opts); !errors.Is(err, w3c.ErrInput) {
		t.Errorf("an envelope without the VC 2.0 context: %v", err)
	}
}
