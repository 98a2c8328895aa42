package sdjwt

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// The vectors in conformance/vectors/sd-jwt are the SD-JWT reference implementation's
// test cases and the examples of RFC 9901 and draft-ietf-oauth-sd-jwt-vc,
// copied as published (see conformance/vectors/sd-jwt/README.md); the
// conformance suite embeds them, "seoulid conformance run --suite vectors".

type vectorSuite struct {
	name      string
	issuerKey *keys.PublicKey
	audience  string
	nonce     string
	cases     []vectorCase
}

type vectorCase struct {
	name, dir    string
	presentation string
	issuance     string
	want         map[string]any
	userClaims   map[string]any
	keyBinding   bool
	holderChoice any // holder_disclosed_claims of specification.yml
}

func loadVectorSuites(t testing.TB) []vectorSuite {
	t.Helper()
	var suites []vectorSuite
	for _, name := range []string{"testcases", "ietf-sd-jwt", "ietf-sd-jwt-vc"} {
		dir := filepath.Join("..", "..", "conformance", "vectors", "sd-jwt", name)
		var settings struct {
			Identifiers struct{ Verifier string } `json:"identifiers"`
			KeySettings struct {
				IssuerKey  json.RawMessage   `json:"issuer_key"`
				IssuerKeys []json.RawMessage `json:"issuer_keys"`
			} `json:"key_settings"`
			Nonce string `json:"key_binding_nonce"`
		}
		readJSON(t, filepath.Join(dir, "settings.json"), &settings)
		raw := settings.KeySettings.IssuerKey
		if raw == nil {
			raw = settings.KeySettings.IssuerKeys[0]
		}
		pub, _, err := keys.ParseJWK(raw)
		require.NoError(t, err)
		s := vectorSuite{name: name, issuerKey: pub, audience: settings.Identifiers.Verifier, nonce: settings.Nonce}

		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			cdir := filepath.Join(dir, e.Name())
			c := vectorCase{name: e.Name(), dir: cdir}
			if b, err := os.ReadFile(filepath.Join(cdir, "sd_jwt_presentation.txt")); err == nil {
				c.presentation = strings.TrimSpace(string(b))
			} else if b, err := os.ReadFile(filepath.Join(cdir, "sd_jwt_presentation.json")); err == nil {
				c.presentation = jsonFile(t, b)
			} else {
				continue // json_serialization_general ships only its specification
			}
			if b, err := os.ReadFile(filepath.Join(cdir, "sd_jwt_issuance.txt")); err == nil {
				c.issuance = strings.TrimSpace(string(b))
			} else if b, err := os.ReadFile(filepath.Join(cdir, "sd_jwt_issuance.json")); err == nil {
				c.issuance = jsonFile(t, b)
			}
			readJSON(t, filepath.Join(cdir, "verified_contents.json"), &c.want)
			readJSON(t, filepath.Join(cdir, "user_claims.json"), &c.userClaims)
			var spec struct {
				HolderDisclosedClaims any  `json:"holder_disclosed_claims"`
				KeyBinding            bool `json:"key_binding"`
			}
			readJSON(t, filepath.Join(cdir, "spec.json"), &spec)
			c.keyBinding, c.holderChoice = spec.KeyBinding, spec.HolderDisclosedClaims
			s.cases = append(s.cases, c)
		}
		require.NotEmpty(t, s.cases, "no vectors found in %s", dir)
		suites = append(suites, s)
	}
	return suites
}

// jsonFile returns a JSON serialized SD-JWT from a vector file. The
// generator of the vectors wrote these files as a JSON string holding the
// JSON text, so one level of string encoding is undone when present.
func jsonFile(t testing.TB, b []byte) string {
	t.Helper()
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		require.NoError(t, json.Unmarshal([]byte(s), &s))
	}
	return s
}

func readJSON(t testing.TB, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(into), path)
}

// vectorOptions verifies as the vector's verifier: its issuer key, ES256,
// and — for presentations with key binding — its audience and nonce, at the
// moment the KB-JWT was made.
func (s vectorSuite) options(t testing.TB, c vectorCase) VerifyOptions {
	t.Helper()
	now := time.Unix(1683000000, 0).Add(time.Hour) // the vectors' iat, plus an hour
	sd, err := Parse(c.presentation)
	require.NoError(t, err)
	if sd.KeyBinding != "" {
		tok, err := jws.Parse(sd.KeyBinding, jws.Limits{})
		require.NoError(t, err)
		kb, err := jsonx.ParseObject(tok.UnsafePayload())
		require.NoError(t, err)
		iat, ok := jsonx.Int64(kb["iat"])
		require.True(t, ok)
		now = time.Unix(iat, 0)
		require.Equal(t, s.audience, kb["aud"], "the KB-JWT audience is the suite's verifier")
	}
	return VerifyOptions{
		Algorithms: []keys.Algorithm{keys.ES256},
		IssuerKey:  StaticKey(s.issuerKey),
		KeyBinding: KeyBindingPolicy{Required: c.keyBinding, Audience: s.audience, Nonce: s.nonce},
		Now:        func() time.Time { return now },
	}
}

func TestVectorsVerify(t *testing.T) {
	ctx := context.Background()
	total := 0
	for _, s := range loadVectorSuites(t) {
		for _, c := range s.cases {
			total++
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				opts := s.options(t, c)
				got, err := Verify(ctx, c.presentation, opts)
				require.NoError(t, err)
				if !jsonx.Equal(got.Claims, c.want) {
					gotJSON, _ := json.MarshalIndent(got.Claims, "", "  ")
					t.Fatalf("processed payload differs from verified_contents.json:\n%s", gotJSON)
				}
				if c.keyBinding {
					require.NotNil(t, got.KeyBinding)
					require.Equal(t, s.nonce, got.KeyBinding.Nonce)
				}
			})
		}
	}
	require.GreaterOrEqual(t, total, 30, "every published vector with a presentation runs")
}

// TestVectorsTampered alters one byte of the issuer signature, of each
// Disclosure, and of the KB-JWT, and expects each to be rejected.
func TestVectorsTampered(t *testing.T) {
	ctx := context.Background()
	for _, s := range loadVectorSuites(t) {
		for _, c := range s.cases {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				opts := s.options(t, c)
				orig, err := Parse(c.presentation)
				require.NoError(t, err)

				// The issuer signature.
				bad := *orig
				bad.JWT = alterSegment(t, orig.JWT, 2)
				_, err = bad.Verify(ctx, opts)
				require.ErrorIs(t, err, ErrSignature)

				// Each Disclosure in turn.
				for i := range orig.Disclosures {
					bad := *orig
					bad.Disclosures = append([]Disclosure(nil), orig.Disclosures...)
					enc := []byte(bad.Disclosures[i].Encoded)
					mid := len(enc) / 2
					enc[mid] = otherB64Char(enc[mid])
					bad.Disclosures[i].Encoded = string(enc)
					_, err := Verify(ctx, bad.String(), opts)
					require.Error(t, err, "disclosure %d altered", i+1)
					require.True(t, errors.Is(err, ErrMalformed) || errors.Is(err, ErrDisclosure) || errors.Is(err, ErrKeyBinding), "disclosure %d altered: %v", i+1, err)
				}

				// The KB-JWT's signature and its payload.
				if orig.KeyBinding != "" {
					for _, seg := range []int{1, 2} {
						bad := *orig
						bad.KeyBinding = alterSegment(t, orig.KeyBinding, seg)
						_, err := bad.Verify(ctx, opts)
						require.ErrorIs(t, err, ErrKeyBinding, "KB-JWT segment %d altered", seg)
					}
					// A KB-JWT over other disclosures: drop one that no
					// other Disclosure depends on.
					good, err := orig.Verify(ctx, opts)
					require.NoError(t, err)
					if leaf := leafDisclosure(good.Disclosed); leaf >= 0 {
						bad := *orig
						bad.Disclosures = append(append([]Disclosure(nil), orig.Disclosures[:leaf]...), orig.Disclosures[leaf+1:]...)
						_, err := bad.Verify(ctx, opts)
						require.ErrorIs(t, err, ErrKeyBinding)
						require.ErrorContains(t, err, "sd_hash")
					}
				}
			})
		}
	}
}

// leafDisclosure returns the index of a Disclosure that is no other's
// parent, or -1.
func leafDisclosure(ds []Disclosed) int {
	for i := range ds {
		isParent := false
		for _, o := range ds {
			if o.Parent == i {
				isParent = true
			}
		}
		if !isParent {
			return i
		}
	}
	return -1
}

// alterSegment changes one character in the middle of segment seg of a
// compact JWT to another base64url character.
func alterSegment(t testing.TB, jwt string, seg int) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	b := []byte(parts[seg])
	mid := len(b) / 2
	b[mid] = otherB64Char(b[mid])
	parts[seg] = string(b)
	return strings.Join(parts, ".")
}

func otherB64Char(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

// TestVectorsHolderSelection starts from the issued SD-JWT, verifies it as a
// holder, chooses Disclosures as the vector's holder_disclosed_claims says,
// and expects the verifier to see exactly verified_contents.json.
func TestVectorsHolderSelection(t *testing.T) {
	ctx := context.Background()
	for _, s := range loadVectorSuites(t) {
		for _, c := range s.cases {
			if c.issuance == "" {
				continue
			}
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				opts := s.options(t, c)
				issued, err := Parse(c.issuance)
				require.NoError(t, err)
				require.Empty(t, issued.KeyBinding)

				holderOpts := opts
				holderOpts.AsHolder = true
				full, err := issued.Verify(ctx, holderOpts)
				require.NoError(t, err)
				for k, v := range c.userClaims {
					require.True(t, jsonx.Equal(v, full.Claims[k]), "claim %q: holder sees %v, the issuer issued %v", k, full.Claims[k], v)
				}

				view, err := issued.UnverifiedHolderView()
				require.NoError(t, err)
				pres := &SDJWT{JWT: issued.JWT, extraSignatures: issued.extraSignatures}
				for i, d := range view.Disclosed {
					if holderChooses(c.holderChoice, d.Path) {
						pres.Disclosures = append(pres.Disclosures, issued.Disclosures[i])
					}
				}
				opts.KeyBinding.Required = false
				got, err := pres.Verify(ctx, opts)
				require.NoError(t, err)
				if !jsonx.Equal(got.Claims, c.want) {
					gotJSON, _ := json.MarshalIndent(got.Claims, "", "  ")
					t.Fatalf("after the holder's choice the verifier sees:\n%s", gotJSON)
				}
			})
		}
	}
}

// holderChooses applies the reference implementation's reading of
// holder_disclosed_claims: walking the choice along the claim's path, true
// discloses, false, null or an empty object withholds, and a non-empty
// object or list means the holder goes inside, so the claim holding it is
// disclosed.
func holderChooses(choice any, p Path) bool {
	node := choice
	for _, e := range p {
		switch k := e.(type) {
		case string:
			m, ok := node.(map[string]any)
			if !ok {
				return false
			}
			node = m[k]
		case int:
			a, ok := node.([]any)
			if !ok || k >= len(a) {
				return false
			}
			node = a[k]
		}
	}
	switch v := node.(type) { // Python truthiness, as in the reference implementation
	case bool:
		return v
	case map[string]any:
		return len(v) > 0
	case []any:
		return len(v) > 0
	default:
		return false
	}
}
