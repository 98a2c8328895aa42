package w3c_test

import (
	"bytes"

	"context"
	"errors"
	"github.com/seoulid/seoulid/internal/jsonx"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/w3c"
)

// Every type of the catalogue, with its example claims, is issued as a
// W3C credential in an RDFC and a JCS cryptosuite and as vc+jwt, and
// verifies; the credential meets its credentialSchema; claims the
// catalogue refuses are refused.
func TestCatalogueTypes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ed, p256 := didKey(t, keys.EdDSA), didKey(t, keys.ES256)
	var issuers []*w3c.Issuer
	for _, c := range []struct {
		k     *keys.PrivateKey
		suite string
	}{{ed, dataintegrity.EdDSARDFC2022}, {p256, dataintegrity.ECDSAJCS2019}, {ed, w3c.JOSE}} {
		is, err := w3c.NewIssuer(c.k, c.suite, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		issuers = append(issuers, is)
	}
	opts := w3c.VerifyOptions{Now: func() time.Time { return now.Add(time.Hour) }}
	types := schemas.Default().Types()
	if len(types) < 29 {
		t.Fatalf("%d types", len(types))
	}
	for _, ty := range types {
		for _, is := range issuers {
			cred, err := w3c.FromCatalogue(ty, is.DID(), "did:example:jeong", ty.Example(), "https://issuer.example/schemas", now)
			if err != nil {
				t.Fatalf("%s: %v", ty.VCT, err)
			}
			vc, err := is.Issue(ctx, cred)
			if err != nil {
				t.Fatalf("%s, %s: %v", ty.VCT, is.Suite(), err)
			}
			v, err := w3c.Verify(ctx, vc, did.LocalResolver{}, opts)
			if err != nil {
				t.Fatalf("%s, %s: %v", ty.VCT, is.Suite(), err)
			}
			if v.Credential["type"].([]any)[1] != w3c.TypeName(ty) {
				t.Errorf("%s: types %v", ty.VCT, v.Credential["type"])
			}
		}
		// The credential meets the schema its credentialSchema names.
		doc, err := w3c.CredentialSchema(ty, "https://issuer.example/schemas/"+w3c.SchemaID(ty))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("https://issuer.example/schemas/"+w3c.SchemaID(ty), doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("https://issuer.example/schemas/" + w3c.SchemaID(ty))
		if err != nil {
			t.Fatalf("%s: the credential schema: %v", ty.VCT, err)
		}
		cred, _ := w3c.FromCatalogue(ty, issuers[0].DID(), "", ty.Example(), "https://issuer.example/schemas", now)
		if err := sch.Validate(roundTrip(t, cred)); err != nil {
			t.Errorf("%s: the credential does not meet its schema: %v", ty.VCT, err)
		}
		if err := sch.Validate(roundTrip(t, map[string]any{"credentialSubject": map[string]any{"unexpected": true}})); err == nil {
			t.Errorf("%s: the schema accepts any subject", ty.VCT)
		}
	}
	ty, _ := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	if _, err := w3c.FromCatalogue(ty, issuers[0].DID(), "", map[string]any{"nonsense": 1}, "https://issuer.example/schemas", now); !errors.Is(err, w3c.ErrInput) {
		t.Errorf("claims the catalogue refuses: %v", err)
	}
	if w3c.TypeName(ty) != "SeoulCitizenCardCredential" {
		t.Errorf("TypeName %s", w3c.TypeName(ty))
	}
}

// roundTrip makes v what a JSON decoder gives, for the schema validator.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return jsonx.Marshal(v) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

type trustOnly map[string]bool

func (t trustOnly) IssuerAuthorised(_ context.Context, _, vct string) (bool, error) {
	return t[vct], nil
}

// CatalogueOnly: the catalogue's types the ledger authorises, with claims
// the catalogue accepts, and nothing else.
func TestCatalogueOnly(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	is, _ := w3c.NewIssuer(didKey(t, keys.EdDSA), dataintegrity.EdDSAJCS2022, nil)
	card, _ := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	med, _ := schemas.Default().Lookup("urn:seoulid:vct:medication-list:1")
	is.CatalogueOnly(trustOnly{card.VCT: true})
	ok, _ := w3c.FromCatalogue(card, is.DID(), "", card.Example(), "https://x/schemas", now)
	if _, err := is.Issue(ctx, ok); err != nil {
		t.Fatal(err)
	}
	notAuthorised, _ := w3c.FromCatalogue(med, is.DID(), "", med.Example(), "https://x/schemas", now)
	if _, err := is.Issue(ctx, notAuthorised); !errors.Is(err, w3c.ErrNotAuthorised) {
		t.Errorf("a type not authorised: %v", err)
	}
	if _, err := is.Issue(ctx, credential(t, is.DID())); !errors.Is(err, w3c.ErrNotAuthorised) {
		t.Errorf("not a catalogue type: %v", err)
	}
	bad, _ := w3c.FromCatalogue(card, is.DID(), "", card.Example(), "https://x/schemas", now)
	bad["credentialSubject"].(map[string]any)["unexpected"] = true
	if _, err := is.Issue(ctx, bad); !errors.Is(err, w3c.ErrInput) {
		t.Errorf("claims the catalogue refuses: %v", err)
	}
}
