package sdjwtvc_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func paths(t testing.TB, s string) []sdjwt.Path {
	ps, err := sdjwt.ParsePaths(s)
	require.NoError(t, err)
	return ps
}

func residency(t testing.TB, holder *keys.PublicKey) sdjwtvc.Credential {
	return sdjwtvc.Credential{
		VCT:       "urn:seoulid:vct:residence:1",
		Issuer:    "https://mapo.seoul.go.kr",
		IssuedAt:  now.Add(-24 * time.Hour),
		NotBefore: now.Add(-24 * time.Hour),
		Expiry:    now.Add(365 * 24 * time.Hour),
		Holder:    holder,
		Status:    map[string]any{"status_list": map[string]any{"idx": 40213, "uri": "https://status.seoul.go.kr/lists/7"}},
		Claims: map[string]any{
			"given_name":        "서연",
			"family_name":       "이",
			"birthdate":         "2001-09-30",
			"resident_of_seoul": true,
			"address":           map[string]any{"district": "Mapo-gu", "locality": "Seoul"},
		},
		Disclosable: paths(t, "given_name,family_name,birthdate,resident_of_seoul,address"),
	}
}

func TestIssueAndVerify(t *testing.T) {
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			issuer, err := keys.Generate(alg)
			require.NoError(t, err)
			holder, err := keys.Generate(alg)
			require.NoError(t, err)
			cred := residency(t, holder.Public())
			issued, err := sdjwtvc.Issue(ctx, issuer, cred, sdjwtvc.IssueOptions{Decoys: 2})
			require.NoError(t, err)

			tok, err := jws.Parse(issued.JWT, jws.Limits{})
			require.NoError(t, err)
			assert.Equal(t, "dc+sd-jwt", tok.HeaderString("typ"))
			payload, err := jsonx.ParseObject(tok.UnsafePayload())
			require.NoError(t, err)
			for _, name := range []string{"vct", "iss", "iat", "nbf", "exp", "cnf", "status"} {
				assert.Contains(t, payload, name, "%s is always in clear", name)
			}
			assert.NotContains(t, payload, "given_name")
			assert.NotContains(t, payload["cnf"].(map[string]any)["jwk"], "kid")

			v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(issuer.Public()), sdjwtvc.Config{Algorithms: keys.Algorithms, Now: clock})
			require.NoError(t, err)

			// The holder checks what it received.
			got, err := v.VerifyIssued(ctx, issued.String())
			require.NoError(t, err)
			assert.Equal(t, "서연", got.Claims["given_name"])

			// It presents only residency, bound to the verifier's nonce.
			pres, err := issued.Select(paths(t, "resident_of_seoul")...)
			require.NoError(t, err)
			pres, err = pres.WithKeyBinding(ctx, holder, sdjwt.KeyBindingInput{Audience: "https://welfare.seoul.go.kr", Nonce: "8d1f", IssuedAt: now})
			require.NoError(t, err)
			got, err = v.Verify(ctx, pres.String(), sdjwtvc.Presentation{RequireKeyBinding: true, Audience: "https://welfare.seoul.go.kr", Nonce: "8d1f"})
			require.NoError(t, err)
			assert.Equal(t, "urn:seoulid:vct:residence:1", got.VCT)
			assert.Equal(t, "https://mapo.seoul.go.kr", got.Issuer)
			assert.Equal(t, now.Add(365*24*time.Hour).Unix(), got.Expiry.Unix())
			assert.Equal(t, now.Add(-24*time.Hour).Unix(), got.IssuedAt.Unix())
			assert.Equal(t, cred.Status, toGo(got.Status))
			assert.Equal(t, true, got.Claims["resident_of_seoul"])
			assert.NotContains(t, got.Claims, "given_name")
			assert.NotContains(t, got.Claims, "birthdate")
			require.NotNil(t, got.SDJWT.KeyBinding)

			// Replayed to another verifier, or with another nonce: refused.
			_, err = v.Verify(ctx, pres.String(), sdjwtvc.Presentation{RequireKeyBinding: true, Audience: "https://other.example", Nonce: "8d1f"})
			require.ErrorIs(t, err, sdjwt.ErrKeyBinding)
			_, err = v.Verify(ctx, pres.String(), sdjwtvc.Presentation{RequireKeyBinding: true, Audience: "https://welfare.seoul.go.kr", Nonce: "other"})
			require.ErrorIs(t, err, sdjwt.ErrKeyBinding)
		})
	}
}

// toGo re-reads a parsed value through encoding/json so it compares with
// Go-built maps.
func toGo(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	if m, ok := out.(map[string]any); ok {
		sl := m["status_list"].(map[string]any)
		sl["idx"] = int(sl["idx"].(float64))
	}
	return out
}

func TestIssueRefuses(t *testing.T) {
	ctx := context.Background()
	issuer, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	base := func() sdjwtvc.Credential { return residency(t, nil) }
	cases := map[string]struct {
		mutate func(*sdjwtvc.Credential)
		msg    string
	}{
		"no vct":             {func(c *sdjwtvc.Credential) { c.VCT = "" }, "no vct"},
		"no iss":             {func(c *sdjwtvc.Credential) { c.Issuer = "" }, "no iss"},
		"exp disclosable":    {func(c *sdjwtvc.Credential) { c.Disclosable = paths(t, "exp") }, "exp cannot be selectively disclosed"},
		"status disclosable": {func(c *sdjwtvc.Credential) { c.Disclosable = paths(t, "status.status_list") }, "status.status_list cannot be selectively disclosed"},
		"cnf disclosable":    {func(c *sdjwtvc.Credential) { c.Disclosable = paths(t, "cnf") }, "cnf cannot"},
		"iss in claims":      {func(c *sdjwtvc.Credential) { c.Claims["iss"] = "https://x" }, `claim "iss" is set by the credential's own field`},
		"exp before iat":     {func(c *sdjwtvc.Credential) { c.Expiry = c.IssuedAt.Add(-time.Second) }, "is not after issuance"},
		"unknown claim":      {func(c *sdjwtvc.Credential) { c.Disclosable = paths(t, "nickname") }, "matches no claim"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cred := base()
			c.mutate(&cred)
			_, err := sdjwtvc.Issue(ctx, issuer, cred, sdjwtvc.IssueOptions{})
			require.Error(t, err)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	issuer, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(issuer.Public()), sdjwtvc.Config{Algorithms: keys.Algorithms, Now: clock})
	require.NoError(t, err)

	plain := func(header map[string]any, claims map[string]any, sd string) string {
		s, err := sdjwt.Issue(ctx, issuer, claims, sdjwt.IssueOptions{Header: header, Disclosable: paths(t, sd)})
		require.NoError(t, err)
		return s.String()
	}
	vc := map[string]any{"vct": "urn:x", "iss": "https://i.example", "exp": now.Add(time.Hour).Unix(), "name": "x"}

	_, err = v.Verify(ctx, plain(map[string]any{"typ": "JWT"}, vc, "name"), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwtvc.ErrType)
	require.ErrorContains(t, err, `typ is "JWT", not "dc+sd-jwt"`)

	_, err = v.Verify(ctx, plain(nil, vc, "name"), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwtvc.ErrType)

	got, err := v.Verify(ctx, plain(map[string]any{"typ": "vc+sd-jwt"}, vc, "name"), sdjwtvc.Presentation{})
	require.NoError(t, err, "the older media type is accepted on input")
	assert.Equal(t, "urn:x", got.VCT)

	noVCT := map[string]any{"iss": "https://i.example"}
	_, err = v.Verify(ctx, plain(map[string]any{"typ": "dc+sd-jwt"}, noVCT, ""), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwtvc.ErrInvalid)
	require.ErrorContains(t, err, "no vct")

	noISS := map[string]any{"vct": "urn:x"}
	_, err = v.Verify(ctx, plain(map[string]any{"typ": "dc+sd-jwt"}, noISS, ""), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwtvc.ErrIssuerKey)

	// An issuer that made exp selectively disclosable broke §3.2.2.2; a
	// holder could hide the expiry, so the verifier refuses.
	_, err = v.Verify(ctx, plain(map[string]any{"typ": "dc+sd-jwt"}, vc, "exp"), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwtvc.ErrInvalid)
	require.ErrorContains(t, err, "exp was selectively disclosed")

	badStatus := map[string]any{"vct": "urn:x", "iss": "https://i.example", "status": "revoked?"}
	_, err = v.Verify(ctx, plain(map[string]any{"typ": "dc+sd-jwt"}, badStatus, ""), sdjwtvc.Presentation{})
	require.ErrorContains(t, err, "status is a string, not an object")

	expired := map[string]any{"vct": "urn:x", "iss": "https://i.example", "exp": now.Add(-time.Hour).Unix()}
	_, err = v.Verify(ctx, plain(map[string]any{"typ": "dc+sd-jwt"}, expired, ""), sdjwtvc.Presentation{})
	require.ErrorIs(t, err, sdjwt.ErrExpired)

	_, err = sdjwtvc.NewVerifier(nil, sdjwtvc.Config{Algorithms: keys.Algorithms})
	require.ErrorIs(t, err, sdjwtvc.ErrConfig)
	_, err = sdjwtvc.NewVerifier(sdjwtvc.FixedKey(issuer.Public()), sdjwtvc.Config{})
	require.ErrorIs(t, err, sdjwtvc.ErrConfig)
}

// TestDIDIssuers issues with iss = the issuer's did:key or did:jwk and a
// kid naming its key, and verifies by resolving the DID.
func TestDIDIssuers(t *testing.T) {
	ctx := context.Background()
	v, err := sdjwtvc.NewVerifier(sdjwtvc.ByIssuer{DID: sdjwtvc.DIDKeys{Resolver: did.LocalResolver{}}}, sdjwtvc.Config{Algorithms: keys.Algorithms, Now: clock})
	require.NoError(t, err)
	for _, alg := range keys.Algorithms {
		k, err := keys.Generate(alg)
		require.NoError(t, err)
		keyDID := did.KeyDID(k.Public())
		jwkDID := did.JWKDID(k.Public())
		for name, c := range map[string]struct{ iss, kid string }{
			"did:key":              {keyDID, keyDID + "#" + strings.TrimPrefix(keyDID, "did:key:")},
			"did:jwk":              {jwkDID, jwkDID + "#0"},
			"did:jwk relative kid": {jwkDID, "#0"},
		} {
			t.Run(string(alg)+"/"+name, func(t *testing.T) {
				cred := residency(t, nil)
				cred.Issuer = c.iss
				issued, err := sdjwtvc.Issue(ctx, k.WithKeyID(c.kid), cred, sdjwtvc.IssueOptions{})
				require.NoError(t, err)
				got, err := v.VerifyIssued(ctx, issued.String())
				require.NoError(t, err)
				assert.Equal(t, c.iss, got.Issuer)
			})
		}
	}

	// Signed by one DID's key, claiming another DID as issuer: refused.
	mallory, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	victim, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	mDID := did.JWKDID(mallory.Public())
	cred := residency(t, nil)
	cred.Issuer = did.JWKDID(victim.Public())
	issued, err := sdjwtvc.Issue(ctx, mallory.WithKeyID(mDID+"#0"), cred, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	_, err = v.VerifyIssued(ctx, issued.String())
	require.ErrorIs(t, err, sdjwtvc.ErrIssuerKey)
	require.ErrorContains(t, err, "is not a key of the issuer")

	// Claiming the victim's kid with mallory's signature: the signature fails.
	issued, err = sdjwtvc.Issue(ctx, mallory.WithKeyID(cred.Issuer+"#0"), cred, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	_, err = v.VerifyIssued(ctx, issued.String())
	require.ErrorIs(t, err, sdjwt.ErrSignature)

	// No kid, or an https issuer with no HTTPS resolver configured.
	issued, err = sdjwtvc.Issue(ctx, victim, cred, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	_, err = v.VerifyIssued(ctx, issued.String())
	require.ErrorContains(t, err, "has no kid")
	cred.Issuer = "https://mapo.seoul.go.kr"
	issued, err = sdjwtvc.Issue(ctx, victim, cred, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	_, err = v.VerifyIssued(ctx, issued.String())
	require.ErrorContains(t, err, `no way to find keys of issuer "https://mapo.seoul.go.kr"`)
}

// TestDraftExamples verifies the examples of draft-ietf-oauth-sd-jwt-vc as
// SD-JWT VCs (the same files the sdjwt package checks as plain SD-JWTs).
func TestDraftExamples(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join("..", "..", "conformance", "vectors", "sd-jwt", "ietf-sd-jwt-vc")
	var settings struct {
		KeySettings struct {
			IssuerKey json.RawMessage `json:"issuer_key"`
		} `json:"key_settings"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "settings.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &settings))
	pub, _, err := keys.ParseJWK(settings.KeySettings.IssuerKey)
	require.NoError(t, err)
	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(pub), sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.ES256}, Now: func() time.Time { return time.Unix(1683000000, 0) }, KeyBindingMaxAge: 10 * 365 * 24 * time.Hour})
	require.NoError(t, err)
	for _, c := range []string{"01", "02", "03-pid"} {
		t.Run(c, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, c, "sd_jwt_issuance.txt"))
			require.NoError(t, err)
			got, err := v.VerifyIssued(ctx, strings.TrimSpace(string(b)))
			require.NoError(t, err)
			assert.NotEmpty(t, got.VCT)
			assert.True(t, strings.HasPrefix(got.Issuer, "https://"), got.Issuer)
			assert.NotContains(t, got.Claims, "_sd")
		})
	}
}
