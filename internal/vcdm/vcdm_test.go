package vcdm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

const example = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
  "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
  "type": ["VerifiableCredential", "AlumniCredential"],
  "name": "Alumni Credential",
  "issuer": "https://vc.example/issuers/5678",
  "validFrom": "2023-01-01T00:00:00Z",
  "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}
}`

func parse(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Each normative statement of the data model that Check enforces, broken
// on its own, is refused naming its section; the example passes.
func TestCheck(t *testing.T) {
	if err := Check(parse(t, example)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, section string
		edit          func(m map[string]any)
	}{
		{"no @context", "§4.3", func(m map[string]any) { delete(m, "@context") }},
		{"the v2 context not first", "§4.3", func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/ns/credentials/examples/v2", ContextV2}
		}},
		{"a context that is a number", "§4.3", func(m map[string]any) { m["@context"] = []any{ContextV2, 7.0} }},
		{"an id that is not a URL", "§4.4", func(m map[string]any) { m["id"] = "not a url" }},
		{"no VerifiableCredential type", "§4.5", func(m map[string]any) { m["type"] = []any{"AlumniCredential"} }},
		{"a name that is a number", "§4.6", func(m map[string]any) { m["name"] = 1.0 }},
		{"a language value without @value", "§4.6", func(m map[string]any) { m["description"] = map[string]any{"@language": "ko"} }},
		{"no issuer", "§4.7", func(m map[string]any) { delete(m, "issuer") }},
		{"an issuer object without id", "§4.7", func(m map[string]any) { m["issuer"] = map[string]any{"name": "x"} }},
		{"no credentialSubject", "§4.8", func(m map[string]any) { delete(m, "credentialSubject") }},
		{"an empty credentialSubject", "§4.8", func(m map[string]any) { m["credentialSubject"] = map[string]any{} }},
		{"a validFrom without time zone", "§4.9", func(m map[string]any) { m["validFrom"] = "2023-01-01T00:00:00" }},
		{"validUntil before validFrom", "§4.9", func(m map[string]any) { m["validUntil"] = "2022-01-01T00:00:00Z" }},
		{"a credentialStatus without type", "§4.10", func(m map[string]any) { m["credentialStatus"] = map[string]any{"id": "https://example.com/status/1#3"} }},
		{"a credentialSchema without type", "§4.11", func(m map[string]any) { m["credentialSchema"] = map[string]any{"id": "https://example.com/schema"} }},
		{"a credentialSchema without id", "§4.11", func(m map[string]any) { m["credentialSchema"] = map[string]any{"type": "JsonSchema"} }},
		{"a refreshService without type", "§5.4", func(m map[string]any) { m["refreshService"] = map[string]any{"id": "https://example.com/refresh"} }},
		{"termsOfUse without type", "§5.5", func(m map[string]any) { m["termsOfUse"] = []any{map[string]any{"id": "https://example.com/tou"}} }},
		{"evidence without type", "§5.6", func(m map[string]any) { m["evidence"] = map[string]any{"id": "https://example.com/evidence"} }},
		{"a relatedResource without digest", "§5.3", func(m map[string]any) { m["relatedResource"] = map[string]any{"id": "https://example.com/logo.png"} }},
		{"a relatedResource repeated", "§5.3", func(m map[string]any) {
			r := map[string]any{"id": "https://example.com/logo.png", "digestSRI": "sha384-abc"}
			m["relatedResource"] = []any{r, r}
		}},
		{"a relatedResource whose id is not a URL", "§5.3", func(m map[string]any) { m["relatedResource"] = map[string]any{"id": "logo", "digestSRI": "sha384-abc"} }},
	} {
		m := parse(t, example)
		c.edit(m)
		err := Check(m)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.section) {
			t.Errorf("%s: %v, want a refusal citing %s", c.name, err, c.section)
		}
	}
}

func TestCheckPresentation(t *testing.T) {
	vp := parse(t, `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"did:example:holder"}`)
	if err := CheckPresentation(vp); err != nil {
		t.Fatal(err)
	}
	vp["verifiableCredential"] = []any{parse(t, example), map[string]any{"@context": []any{ContextV2}, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,eyJ..."}}
	if err := CheckPresentation(vp); err != nil {
		t.Fatal(err)
	}
	bad := parse(t, example)
	delete(bad, "issuer")
	vp["verifiableCredential"] = bad
	if err := CheckPresentation(vp); !errors.Is(err, ErrInvalid) {
		t.Errorf("a presentation of an invalid credential: %v", err)
	}
	vp["verifiableCredential"] = "eyJ..."
	if err := CheckPresentation(vp); !errors.Is(err, ErrInvalid) {
		t.Errorf("a credential that is a string: %v", err)
	}
	vp["type"] = "VerifiableCredential"
	if err := CheckPresentation(vp); !errors.Is(err, ErrInvalid) {
		t.Errorf("a presentation without its type: %v", err)
	}
}

func TestJOSE(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	cred := parse(t, example)
	cred["issuer"] = d
	tok, err := SignJOSE(ctx, cred, k)
	if err != nil {
		t.Fatal(err)
	}
	algs := []keys.Algorithm{keys.EdDSA, keys.ES256}
	got, err := VerifyJOSE(ctx, tok, did.LocalResolver{}, algs)
	if err != nil {
		t.Fatal(err)
	}
	if got["issuer"] != d {
		t.Errorf("verified %v", got)
	}
	// Tampered, another issuer, not allowed, not the credential type.
	if _, err := VerifyJOSE(ctx, tok[:len(tok)-3]+"AAA", did.LocalResolver{}, algs); !errors.Is(err, ErrJOSE) {
		t.Errorf("tampered: %v", err)
	}
	if _, err := VerifyJOSE(ctx, tok, did.LocalResolver{}, []keys.Algorithm{keys.ES256}); !errors.Is(err, ErrJOSE) {
		t.Errorf("an algorithm not allowed: %v", err)
	}
	other := parse(t, example)
	if _, err := SignJOSE(ctx, other, k); err == nil {
		t.Error("signed a credential of another issuer")
	}
	delete(cred, "credentialSubject")
	if _, err := SignJOSE(ctx, cred, k); !errors.Is(err, ErrInvalid) {
		t.Errorf("signed an invalid credential: %v", err)
	}
}

func FuzzVerifyJOSE(f *testing.F) {
	k, _ := keys.Generate(keys.EdDSA)
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	cred := parse(f, example)
	cred["issuer"] = d
	tok, err := SignJOSE(context.Background(), cred, k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	vpTok, err := SignJOSEPresentation(context.Background(), map[string]any{"@context": []any{ContextV2}, "type": "VerifiablePresentation"}, k, "n", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vpTok)
	f.Fuzz(func(t *testing.T, s string) {
		// (Each fuzzing process makes its own key: the seed verifies only in
		// the process that signed it.)
		got, err := VerifyJOSE(context.Background(), s, did.LocalResolver{}, []keys.Algorithm{keys.EdDSA})
		if err == nil && (Check(got) != nil || !strings.HasPrefix(IssuerID(got), "did:key:")) {
			t.Fatalf("verified %v", got)
		}
		vp, signer, err := VerifyJOSEPresentation(context.Background(), s, did.LocalResolver{}, []keys.Algorithm{keys.EdDSA}, "n", "")
		if err == nil && (CheckPresentation(vp) != nil || !strings.HasPrefix(signer, "did:key:") || vp["nonce"] != "n") {
			t.Fatalf("verified %v by %s", vp, signer)
		}
	})
}
