package sdjwt

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func mustPaths(t testing.TB, s string) []Path {
	t.Helper()
	ps, err := ParsePaths(s)
	require.NoError(t, err)
	return ps
}

func mustJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(s))
	require.NoError(t, err)
	return m
}

func verifyOpts(issuer *keys.PublicKey) VerifyOptions {
	return VerifyOptions{
		Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256},
		IssuerKey:  StaticKey(issuer),
		Now:        func() time.Time { return testNow },
	}
}

const personClaims = `{
	"iss": "https://issuer.seoul.go.kr",
	"iat": 1795000000,
	"given_name": "민준",
	"family_name": "김",
	"birthdate": "1998-04-02",
	"address": {"locality": "Seoul", "district": "Mapo-gu", "postal_code": "04001"},
	"nationalities": ["KR", "US"],
	"degrees": [{"type": "BSc", "school": "SNU"}, {"type": "MSc", "school": "KAIST"}]
}`

// TestRoundTrip issues, presents and verifies flat, nested, array and
// recursive SD-JWTs with both algorithms, with and without key binding.
func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name     string
		sd       string // disclosable claims
		disclose string // what the holder presents
		want     string // claims the verifier sees besides iss, iat, cnf
	}{
		{
			name:     "flat",
			sd:       "given_name,family_name,birthdate,address",
			disclose: "given_name,address",
			want:     `{"given_name":"민준","address":{"locality":"Seoul","district":"Mapo-gu","postal_code":"04001"},"nationalities":["KR","US"],"degrees":[{"type":"BSc","school":"SNU"},{"type":"MSc","school":"KAIST"}]}`,
		},
		{
			name:     "nested",
			sd:       "address.locality,address.district,address.postal_code",
			disclose: "address.district",
			want:     `{"given_name":"민준","family_name":"김","birthdate":"1998-04-02","address":{"district":"Mapo-gu"},"nationalities":["KR","US"],"degrees":[{"type":"BSc","school":"SNU"},{"type":"MSc","school":"KAIST"}]}`,
		},
		{
			name:     "array elements",
			sd:       "nationalities[*],degrees[1]",
			disclose: "nationalities[1]",
			want:     `{"given_name":"민준","family_name":"김","birthdate":"1998-04-02","address":{"locality":"Seoul","district":"Mapo-gu","postal_code":"04001"},"nationalities":["US"],"degrees":[{"type":"BSc","school":"SNU"}]}`,
		},
		{
			name:     "recursive",
			sd:       "address,address.locality,address.district,nationalities,nationalities[*],degrees,degrees[*],degrees[*].school",
			disclose: "address.district,nationalities[0],degrees[1].type",
			want:     `{"given_name":"민준","family_name":"김","birthdate":"1998-04-02","address":{"district":"Mapo-gu","postal_code":"04001"},"nationalities":["KR"],"degrees":[{"type":"MSc"}]}`,
		},
		{
			name:     "disclose everything inside a recursive claim",
			sd:       "address,address.locality,address.district",
			disclose: "address",
			want:     `{"given_name":"민준","family_name":"김","birthdate":"1998-04-02","address":{"locality":"Seoul","district":"Mapo-gu","postal_code":"04001"},"nationalities":["KR","US"],"degrees":[{"type":"BSc","school":"SNU"},{"type":"MSc","school":"KAIST"}]}`,
		},
		{
			name:     "disclose nothing",
			sd:       "given_name,family_name,birthdate,address,nationalities,degrees",
			disclose: "",
			want:     `{}`,
		},
	}
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		issuerKey, err := keys.Generate(alg)
		require.NoError(t, err)
		holderKey, err := keys.Generate(alg)
		require.NoError(t, err)
		for _, c := range cases {
			for _, kb := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/kb=%v", alg, c.name, kb), func(t *testing.T) {
					claims := mustJSON(t, personClaims)
					claims["cnf"] = map[string]any{"jwk": holderKey.Public().JWK()}
					issued, err := Issue(ctx, issuerKey, claims, IssueOptions{
						Disclosable: mustPaths(t, c.sd),
						Header:      map[string]any{"typ": "example+sd-jwt"},
						Decoys:      3,
					})
					require.NoError(t, err)

					// The issued form survives a trip through its serialization.
					reparsed, err := Parse(issued.String())
					require.NoError(t, err)
					require.Equal(t, issued.String(), reparsed.String())

					// The holder sees everything it was issued.
					hopts := verifyOpts(issuerKey.Public())
					hopts.AsHolder = true
					full, err := reparsed.Verify(ctx, hopts)
					require.NoError(t, err)
					for k, v := range mustJSON(t, personClaims) {
						require.True(t, jsonx.Equal(v, full.Claims[k]), "holder view of %s: %v", k, full.Claims[k])
					}

					pres, err := reparsed.Select(mustPaths(t, c.disclose)...)
					require.NoError(t, err)
					opts := verifyOpts(issuerKey.Public())
					if kb {
						pres, err = pres.WithKeyBinding(ctx, holderKey, KeyBindingInput{Audience: "https://welfare.seoul.go.kr", Nonce: "n-0S6_WzA2Mj", IssuedAt: testNow.Add(-time.Minute)})
						require.NoError(t, err)
						opts.KeyBinding = KeyBindingPolicy{Required: true, Audience: "https://welfare.seoul.go.kr", Nonce: "n-0S6_WzA2Mj"}
					}
					got, err := Verify(ctx, pres.String(), opts)
					require.NoError(t, err)

					want := mustJSON(t, c.want)
					want["iss"] = "https://issuer.seoul.go.kr"
					want["iat"] = json.Number("1795000000")
					want["cnf"] = map[string]any{"jwk": holderKey.Public().JWK()}
					if !jsonx.Equal(want, got.Claims) {
						b, _ := jsonx.Marshal(got.Claims)
						t.Fatalf("verifier sees %s", b)
					}
					require.True(t, got.HolderKey.Equal(holderKey.Public()))
					if kb {
						require.NotNil(t, got.KeyBinding)
						assert.Equal(t, "https://welfare.seoul.go.kr", got.KeyBinding.Audience)
					} else {
						require.Nil(t, got.KeyBinding)
					}

					// And the JSON serialization carries the same thing.
					js, err := pres.MarshalJSONSerialization()
					require.NoError(t, err)
					got2, err := Verify(ctx, string(js), opts)
					require.NoError(t, err)
					require.True(t, jsonx.Equal(got.Claims, got2.Claims))
				})
			}
		}
	}
}

func TestIssueHashAlgorithms(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	for _, alg := range []HashAlg{SHA256, SHA384, SHA512} {
		t.Run(string(alg), func(t *testing.T) {
			issued, err := Issue(ctx, k, mustJSON(t, personClaims), IssueOptions{Disclosable: mustPaths(t, "given_name"), HashAlg: alg})
			require.NoError(t, err)
			got, err := Verify(ctx, issued.String(), verifyOpts(k.Public()))
			require.NoError(t, err)
			require.Equal(t, alg, got.HashAlg)
			require.Equal(t, "민준", got.Claims["given_name"])

			// A verifier that accepts only sha-256 refuses the others.
			opts := verifyOpts(k.Public())
			opts.HashAlgs = []HashAlg{SHA256}
			_, err = Verify(ctx, issued.String(), opts)
			if alg == SHA256 {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, "is not an accepted digest algorithm")
			}
		})
	}
}

// TestIssueDeterministic fixes the random source and checks the payload
// layout: digests sorted, decoys added, _sd_alg present, no claim left in
// clear that should not be.
func TestIssueDeterministic(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	seed := [32]byte{7, 1, 3, 250, 11, 99, 42, 5}
	opts := IssueOptions{Disclosable: mustPaths(t, "given_name,family_name,nationalities[0]"), Decoys: 4, Rand: mrand.NewChaCha8(seed)}
	a, err := Issue(ctx, k, mustJSON(t, personClaims), opts)
	require.NoError(t, err)
	opts.Rand = mrand.NewChaCha8(seed)
	b, err := Issue(ctx, k, mustJSON(t, personClaims), opts)
	require.NoError(t, err)
	require.Equal(t, a.Disclosures, b.Disclosures, "same random source, same disclosures")

	tok, err := jws.Parse(a.JWT, jws.Limits{})
	require.NoError(t, err)
	payload := mustJSON(t, string(tok.UnsafePayload()))
	assert.Equal(t, "sha-256", payload["_sd_alg"])
	assert.NotContains(t, payload, "given_name")
	assert.NotContains(t, payload, "family_name")
	sd := payload["_sd"].([]any)
	assert.GreaterOrEqual(t, len(sd), 2)
	assert.LessOrEqual(t, len(sd), 6)
	assert.IsIncreasing(t, toStrings(sd), "digests are sorted")
	nats := payload["nationalities"].([]any)
	assert.Contains(t, nats, "US")
	assert.NotContains(t, nats, "KR")
	salts := map[string]bool{}
	for _, d := range a.Disclosures {
		assert.Len(t, d.Salt, 22, "128-bit salts")
		salts[d.Salt] = true
	}
	assert.Len(t, salts, len(a.Disclosures), "a salt per disclosure")
}

func toStrings(a []any) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i] = v.(string)
	}
	return out
}

func TestIssueRejects(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	cases := []struct {
		claims string
		opts   IssueOptions
		msg    string
	}{
		{personClaims, IssueOptions{Disclosable: mustPaths(t, "address.zip")}, "disclosable claim address.zip matches no claim"},
		{personClaims, IssueOptions{Disclosable: mustPaths(t, "nationalities[5]")}, "matches no claim"},
		{`{"_sd":["x"]}`, IssueOptions{}, `reserved name "_sd"`},
		{`{"a":{"...":"x"}}`, IssueOptions{}, `reserved name "..."`},
		{`{"a":1}`, IssueOptions{HashAlg: "md5"}, `unsupported digest algorithm "md5"`},
		{`{"a":1}`, IssueOptions{Decoys: 1000}, "decoys must be between"},
		{`{"a":1}`, IssueOptions{Header: map[string]any{"alg": "none"}}, `must not set "alg"`},
		{`{"a":1}`, IssueOptions{Disclosable: []Path{{0}}}, "does not start with a claim name"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			_, err := Issue(ctx, k, mustJSON(t, c.claims), c.opts)
			require.ErrorIs(t, err, ErrIssue)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// hand builds SD-JWTs with arbitrary payloads and Disclosures, signed by a
// real key, so that every verification rule can be hit on its own.
type hand struct {
	t   *testing.T
	key *keys.PrivateKey
}

func (h hand) disclosure(parts ...any) string {
	b, err := jsonx.Marshal(parts)
	require.NoError(h.t, err)
	return b64.EncodeToString(b)
}

func (h hand) digest(d string) string { return SHA256.Digest(d) }

func (h hand) sdjwt(payload map[string]any, disclosures ...string) string {
	body, err := jsonx.Marshal(payload)
	require.NoError(h.t, err)
	jwt, err := jws.Sign(context.Background(), h.key, nil, body)
	require.NoError(h.t, err)
	return jwt + "~" + strings.Join(append(disclosures, ""), "~")
}

// TestVerifyRejects checks each rule of RFC 9901 §7.1 and §7.3.
func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	key, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	h := hand{t, key}

	dName := h.disclosure("salt1", "given_name", "민준")
	dName2 := h.disclosure("salt2", "given_name", "Other")
	dElem := h.disclosure("salt3", "KR")
	dSD := h.disclosure("salt4", "_sd", []any{"x"})
	dDots := h.disclosure("salt5", "...", "x")
	dAlg := h.disclosure("salt6", "_sd_alg", "sha-256")
	dChild := h.disclosure("salt7", "district", "Mapo-gu")
	dParent := h.disclosure("salt8", "address", map[string]any{"_sd": []any{h.digest(dChild)}})

	cases := []struct {
		name string
		pres string
		kind error
		msg  string
	}{
		{"unreferenced disclosure", h.sdjwt(map[string]any{}, dName), ErrDisclosure, "disclosure 1 is not referenced by any digest"},
		{"disclosure sent twice", h.sdjwt(map[string]any{"_sd": []any{h.digest(dName)}}, dName, dName), ErrDisclosure, "disclosure 2 is the same as disclosure 1"},
		{"digest twice in _sd", h.sdjwt(map[string]any{"_sd": []any{h.digest(dName), h.digest(dName)}}, dName), ErrDisclosure, "appears more than once"},
		{"digest in two places", h.sdjwt(map[string]any{"_sd": []any{h.digest(dName)}, "x": map[string]any{"_sd": []any{h.digest(dName)}}}, dName), ErrDisclosure, "appears more than once"},
		{"decoy digest twice", h.sdjwt(map[string]any{"_sd": []any{"AAAA", "AAAA"}}), ErrDisclosure, "appears more than once"},
		{"digest twice in arrays", h.sdjwt(map[string]any{"a": []any{map[string]any{"...": h.digest(dElem)}}, "b": []any{map[string]any{"...": h.digest(dElem)}}}, dElem), ErrDisclosure, "appears more than once"},
		{"claim name collision", h.sdjwt(map[string]any{"given_name": "x", "_sd": []any{h.digest(dName)}}, dName), ErrDisclosure, `discloses "given_name", which already exists at the top level`},
		{"two disclosures, one name", h.sdjwt(map[string]any{"_sd": []any{h.digest(dName), h.digest(dName2)}}, dName, dName2), ErrDisclosure, `already exists`},
		{"_sd is not an array", h.sdjwt(map[string]any{"_sd": "x"}), ErrDisclosure, `"_sd" at the top level is a string, not an array of digests`},
		{"_sd holds a number", h.sdjwt(map[string]any{"_sd": []any{1}}), ErrDisclosure, `holds a number, not a digest string`},
		{"... outside an array", h.sdjwt(map[string]any{"a": map[string]any{"...": "x"}}), ErrDisclosure, `a has a "..." member outside an array element digest`},
		{"... with other members", h.sdjwt(map[string]any{"a": []any{map[string]any{"...": "x", "y": 1}}}), ErrDisclosure, `"..." and other members`},
		{"... not a string", h.sdjwt(map[string]any{"a": []any{map[string]any{"...": 1}}}), ErrDisclosure, `not a digest string`},
		{"_sd_alg nested", h.sdjwt(map[string]any{"a": map[string]any{"_sd_alg": "sha-256"}}), ErrDisclosure, `"_sd_alg", which may appear only at the top level`},
		{"_sd_alg disclosed", h.sdjwt(map[string]any{"_sd": []any{h.digest(dAlg)}}, dAlg), ErrDisclosure, `discloses "_sd_alg"`},
		{"element disclosure in _sd", h.sdjwt(map[string]any{"_sd": []any{h.digest(dElem)}}, dElem), ErrDisclosure, "disclosure 1 is an array element (two elements) but its digest is in the \"_sd\""},
		{"property disclosure in array", h.sdjwt(map[string]any{"a": []any{map[string]any{"...": h.digest(dName)}}}, dName), ErrDisclosure, "disclosure 1 is an object property (three elements) but its digest is an array element at a[0]"},
		{"disclosure named _sd", h.sdjwt(map[string]any{"_sd": []any{h.digest(dSD)}}, dSD), ErrMalformed, `claim name "_sd" is reserved`},
		{"disclosure named ...", h.sdjwt(map[string]any{"_sd": []any{h.digest(dDots)}}, dDots), ErrMalformed, `claim name "..." is reserved`},
		{"child without its parent", h.sdjwt(map[string]any{"_sd": []any{h.digest(dParent)}}, dChild), ErrDisclosure, "disclosure 1 is not referenced by any digest"},
		{"disclosure of one element", h.sdjwt(map[string]any{}, h.disclosure("s")), ErrMalformed, "disclosure 1: is an array of 1 elements, not 2 or 3"},
		{"disclosure of four elements", h.sdjwt(map[string]any{}, h.disclosure("s", "a", "b", "c")), ErrMalformed, "not 2 or 3"},
		{"disclosure with a numeric salt", h.sdjwt(map[string]any{}, h.disclosure(1, "a", "b")), ErrMalformed, "salt is a number"},
		{"disclosure with a numeric name", h.sdjwt(map[string]any{}, h.disclosure("s", 1, "b")), ErrMalformed, "claim name is a number"},
		{"disclosure not an array", h.sdjwt(map[string]any{}, b64.EncodeToString([]byte(`{"a":1}`))), ErrMalformed, "is an object, not an array"},
		{"disclosure not base64url", h.sdjwt(map[string]any{}, "WyJ+Il0="), ErrMalformed, "is not base64url"},
		{"disclosure with duplicate JSON keys", h.sdjwt(map[string]any{}, b64.EncodeToString([]byte(`["s","a",{"x":1,"x":2}]`))), ErrMalformed, `duplicate member "x"`},
		{"empty disclosure", h.sdjwt(map[string]any{}) + "~", ErrMalformed, "disclosure 1 is empty"},
		{"unknown _sd_alg", h.sdjwt(map[string]any{"_sd_alg": "md5"}), ErrMalformed, `_sd_alg "md5" is not an accepted digest algorithm`},
		{"_sd_alg not a string", h.sdjwt(map[string]any{"_sd_alg": 256}), ErrMalformed, `_sd_alg is a number`},
		{"expired", h.sdjwt(map[string]any{"exp": testNow.Add(-time.Second).Unix()}), ErrExpired, "the SD-JWT expired at"},
		{"not yet valid", h.sdjwt(map[string]any{"nbf": testNow.Add(time.Hour).Unix()}), ErrNotYetValid, "is not valid before"},
		{"issued in the future", h.sdjwt(map[string]any{"iat": testNow.Add(time.Hour).Unix()}), ErrNotYetValid, "issued in the future"},
		{"exp not a number", h.sdjwt(map[string]any{"exp": "tomorrow"}), ErrMalformed, "exp is not a NumericDate"},
		{"no tilde", strings.TrimSuffix(h.sdjwt(map[string]any{}), "~"), ErrMalformed, "no '~' after the Issuer-signed JWT"},
		{"KB part not a JWT", h.sdjwt(map[string]any{}) + "abc", ErrMalformed, "is not a KB-JWT"},
		{"payload not an object", func() string {
			jwt, _ := jws.Sign(ctx, key, nil, []byte(`[1]`))
			return jwt + "~"
		}(), ErrMalformed, "expected a JSON object"},
		{"payload with duplicate members", func() string {
			jwt, _ := jws.Sign(ctx, key, nil, []byte(`{"iss":"a","iss":"b"}`))
			return jwt + "~"
		}(), ErrMalformed, `duplicate member "iss"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(ctx, c.pres, verifyOpts(key.Public()))
			require.Error(t, err)
			require.ErrorIs(t, err, c.kind)
			require.ErrorContains(t, err, c.msg)
			require.NotContains(t, err.Error(), "\n", "errors are one line")
		})
	}
}

func TestVerifySignatureRules(t *testing.T) {
	ctx := context.Background()
	key, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	other, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	edKey, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	h := hand{t, key}
	pres := h.sdjwt(map[string]any{"a": 1})

	_, err = Verify(ctx, pres, verifyOpts(other.Public()))
	require.ErrorIs(t, err, ErrSignature)
	require.ErrorContains(t, err, "does not verify with the issuer's key")

	opts := verifyOpts(key.Public())
	opts.Algorithms = []keys.Algorithm{keys.EdDSA}
	_, err = Verify(ctx, pres, opts)
	require.ErrorIs(t, err, ErrSignature)
	require.ErrorContains(t, err, `"ES256" (allowed: EdDSA)`)

	// The key decides the algorithm, not the header: an ES256 token checked
	// against an EdDSA key fails.
	_, err = Verify(ctx, pres, verifyOpts(edKey.Public()))
	require.ErrorIs(t, err, ErrSignature)

	// alg "none" is never accepted.
	none := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString([]byte(`{"a":1}`)) + ".~"
	_, err = Verify(ctx, none, verifyOpts(key.Public()))
	require.ErrorIs(t, err, ErrSignature)

	// crit is refused.
	jwt, err := jws.Sign(ctx, key, map[string]any{"crit": []any{"exp"}}, []byte(`{}`))
	require.NoError(t, err)
	_, err = Verify(ctx, jwt+"~", verifyOpts(key.Public()))
	require.ErrorIs(t, err, ErrMalformed)
	require.ErrorContains(t, err, "crit")

	// Key lookup failures carry their cause.
	opts = verifyOpts(key.Public())
	opts.IssuerKey = func(context.Context, map[string]any, map[string]any) (*keys.PublicKey, error) {
		return nil, fmt.Errorf("issuer https://x is not trusted")
	}
	_, err = Verify(ctx, pres, opts)
	require.ErrorIs(t, err, ErrSignature)
	require.ErrorContains(t, err, "sdjwt: cannot verify the Issuer-signed JWT: issuer https://x is not trusted")
}

func TestVerifyOptionsRequired(t *testing.T) {
	ctx := context.Background()
	key, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	pres := hand{t, key}.sdjwt(map[string]any{})
	for name, opts := range map[string]VerifyOptions{
		"no algorithms":    {IssuerKey: StaticKey(key.Public())},
		"no key":           {Algorithms: []keys.Algorithm{keys.EdDSA}},
		"bad algorithm":    {Algorithms: []keys.Algorithm{"HS256"}, IssuerKey: StaticKey(key.Public())},
		"kb without nonce": {Algorithms: []keys.Algorithm{keys.EdDSA}, IssuerKey: StaticKey(key.Public()), KeyBinding: KeyBindingPolicy{Required: true, Audience: "a"}},
		"bad hash":         {Algorithms: []keys.Algorithm{keys.EdDSA}, IssuerKey: StaticKey(key.Public()), HashAlgs: []HashAlg{"sha-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(ctx, pres, opts)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestKeyBindingRules(t *testing.T) {
	ctx := context.Background()
	issuer, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	holder, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	thief, err := keys.Generate(keys.ES256)
	require.NoError(t, err)

	claims := map[string]any{"given_name": "민준", "cnf": map[string]any{"jwk": holder.Public().JWK()}}
	issued, err := Issue(ctx, issuer, claims, IssueOptions{Disclosable: mustPaths(t, "given_name")})
	require.NoError(t, err)
	policy := KeyBindingPolicy{Required: true, Audience: "https://verifier.seoul.go.kr", Nonce: "nonce-1"}
	opts := verifyOpts(issuer.Public())
	opts.KeyBinding = policy
	input := KeyBindingInput{Audience: policy.Audience, Nonce: policy.Nonce, IssuedAt: testNow}

	good, err := issued.WithKeyBinding(ctx, holder, input)
	require.NoError(t, err)
	_, err = good.Verify(ctx, opts)
	require.NoError(t, err)

	// kbWith signs a KB-JWT with arbitrary header and claims.
	kbWith := func(signer *keys.PrivateKey, header map[string]any, mutate func(map[string]any)) string {
		c := map[string]any{"iat": testNow.Unix(), "aud": policy.Audience, "nonce": policy.Nonce, "sd_hash": SHA256.Digest(issued.withoutKeyBinding())}
		mutate(c)
		body, err := jsonx.Marshal(c)
		require.NoError(t, err)
		kb, err := jws.Sign(ctx, signer, header, body)
		require.NoError(t, err)
		return issued.withoutKeyBinding() + kb
	}
	typ := map[string]any{"typ": "kb+jwt"}
	keep := func(map[string]any) {}
	require.NotEmpty(t, kbWith(holder, typ, keep))
	_, err = Verify(ctx, kbWith(holder, typ, keep), opts)
	require.NoError(t, err, "the hand-made KB-JWT is valid as made")

	cases := []struct {
		name string
		pres string
		opts func(*VerifyOptions)
		msg  string
	}{
		{"missing", issued.String(), nil, "key binding is required but the presentation has no KB-JWT"},
		{"wrong key", kbWith(thief, typ, keep), nil, "does not verify with the holder key"},
		{"wrong typ", kbWith(holder, map[string]any{"typ": "JWT"}, keep), nil, `typ is "JWT", not "kb+jwt"`},
		{"no typ", kbWith(holder, nil, keep), nil, `typ is "", not "kb+jwt"`},
		{"wrong audience", kbWith(holder, typ, func(c map[string]any) { c["aud"] = "https://evil.example" }), nil, `audience is "https://evil.example"`},
		{"audience array", kbWith(holder, typ, func(c map[string]any) { c["aud"] = []any{policy.Audience} }), nil, `"aud" is an array, not a string`},
		{"wrong nonce", kbWith(holder, typ, func(c map[string]any) { c["nonce"] = "nonce-0" }), nil, "nonce does not match"},
		{"no nonce", kbWith(holder, typ, func(c map[string]any) { delete(c, "nonce") }), nil, `has no "nonce"`},
		{"no iat", kbWith(holder, typ, func(c map[string]any) { delete(c, "iat") }), nil, `has no "iat"`},
		{"too old", kbWith(holder, typ, func(c map[string]any) { c["iat"] = testNow.Add(-6 * time.Minute).Unix() }), nil, "too old"},
		{"future", kbWith(holder, typ, func(c map[string]any) { c["iat"] = testNow.Add(time.Minute).Unix() }), nil, "issued in the future"},
		{"sd_hash wrong", kbWith(holder, typ, func(c map[string]any) { c["sd_hash"] = SHA256.Digest("other") }), nil, "sd_hash does not match"},
		{"no sd_hash", kbWith(holder, typ, func(c map[string]any) { delete(c, "sd_hash") }), nil, `has no "sd_hash"`},
		{"expired kb", kbWith(holder, typ, func(c map[string]any) { c["exp"] = testNow.Add(-time.Second).Unix() }), nil, "the KB-JWT expired"},
		{"holder refuses SD-JWT+KB", good.String(), func(o *VerifyOptions) { o.AsHolder = true }, "an Issuer sends an SD-JWT, not an SD-JWT+KB"},
		{"kb alg not allowed", good.String(), func(o *VerifyOptions) { o.Algorithms = []keys.Algorithm{keys.EdDSA} }, `"ES256" (allowed: EdDSA)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts
			if c.opts != nil {
				c.opts(&o)
			}
			_, err := Verify(ctx, c.pres, o)
			require.ErrorIs(t, err, ErrKeyBinding)
			require.ErrorContains(t, err, c.msg)
		})
	}

	// Within the skew, a KB-JWT from slightly in the future is accepted.
	o := opts
	o.ClockSkew = 2 * time.Minute
	_, err = Verify(ctx, kbWith(holder, typ, func(c map[string]any) { c["iat"] = testNow.Add(time.Minute).Unix() }), o)
	require.NoError(t, err)

	// Without cnf there is nothing to check a KB-JWT against.
	bare, err := Issue(ctx, issuer, map[string]any{"a": 1}, IssueOptions{})
	require.NoError(t, err)
	withKB, err := bare.WithKeyBinding(ctx, holder, input)
	require.NoError(t, err)
	_, err = withKB.Verify(ctx, opts)
	require.ErrorIs(t, err, ErrKeyBinding)
	require.ErrorContains(t, err, "no holder key (cnf.jwk)")

	// A KB-JWT that is present but not required is still checked.
	o = opts
	o.KeyBinding = KeyBindingPolicy{}
	_, err = Verify(ctx, kbWith(thief, typ, keep), o)
	require.ErrorIs(t, err, ErrKeyBinding)
}

func TestSelectRejectsUnknownPath(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	issued, err := Issue(ctx, k, mustJSON(t, personClaims), IssueOptions{Disclosable: mustPaths(t, "address")})
	require.NoError(t, err)
	_, err = issued.Select(mustPaths(t, "adress")...)
	require.ErrorIs(t, err, ErrPresent)
	require.ErrorContains(t, err, "no claim at adress")
	_, err = issued.Select(mustPaths(t, "nationalities[7]")...)
	require.ErrorContains(t, err, "no claim at nationalities[7]")

	// A plain claim needs no disclosure.
	pres, err := issued.Select(mustPaths(t, "given_name")...)
	require.NoError(t, err)
	require.Empty(t, pres.Disclosures)
}

func TestWithKeyBindingNeedsAudienceAndNonce(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	issued, err := Issue(ctx, k, map[string]any{"a": 1}, IssueOptions{})
	require.NoError(t, err)
	_, err = issued.WithKeyBinding(ctx, k, KeyBindingInput{Audience: "x"})
	require.ErrorIs(t, err, ErrPresent)
	_, err = issued.WithKeyBinding(ctx, nil, KeyBindingInput{Audience: "x", Nonce: "y"})
	require.ErrorIs(t, err, ErrPresent)
}

func TestParseLimits(t *testing.T) {
	_, err := ParseWithLimits(strings.Repeat("a", 100), Limits{MaxBytes: 50})
	require.ErrorContains(t, err, "more than the limit of 50")
	_, err = ParseWithLimits("a.b.c"+strings.Repeat("~WyJzIiwxXQ", 10)+"~", Limits{MaxDisclosures: 5})
	require.ErrorContains(t, err, "10 disclosures, more than the limit of 5")
}

func TestPaths(t *testing.T) {
	cases := []struct {
		in   string
		want Path
	}{
		{"address.locality", Path{"address", "locality"}},
		{"nationalities[0]", Path{"nationalities", 0}},
		{"nationalities[*]", Path{"nationalities", nil}},
		{"degrees[1].type", Path{"degrees", 1, "type"}},
		{`["vct#integrity"]`, Path{"vct#integrity"}},
		{`a["b.c"][2]`, Path{"a", "b.c", 2}},
		{"이름", Path{"이름"}},
	}
	for _, c := range cases {
		got, err := ParsePath(c.in)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, got, c.in)
		back, err := ParsePath(got.String())
		require.NoError(t, err)
		require.Equal(t, got, back, "String() reads back")
	}
	for _, bad := range []string{"", ".a", "a.", "a..b", "a[", "a[x]", "a[-1]", "a[01]", "a]", `a"b`, "a[0]b", `["unterminated]`, "a.[0]"} {
		_, err := ParsePath(bad)
		require.Error(t, err, bad)
	}
	ps, err := ParsePaths(`a, b.c ,["x,y"]`)
	require.NoError(t, err)
	require.Equal(t, []Path{{"a"}, {"b", "c"}, {"x,y"}}, ps)
}

func TestPathJSON(t *testing.T) {
	for in, want := range map[string]string{
		`["address","locality"]`: "address.locality",
		`["degrees", null, 0]`:   "degrees[*][0]",
		`["vct#integrity"]`:      "vct#integrity",
	} {
		var p Path
		if err := json.Unmarshal([]byte(in), &p); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if p.String() != want {
			t.Errorf("%s read as %s, want %s", in, p, want)
		}
	}
	for in, want := range map[string]string{
		`[]`:      "has 0 elements",
		`[-1]`:    "not a name, a non-negative index or null",
		`[1.5]`:   "not a name",
		`[true]`:  "not a name",
		`{"a":1}`: "not an array",
		`[["a"]]`: "element 0 is an array",
	} {
		var p Path
		err := json.Unmarshal([]byte(in), &p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", in, err, want)
		}
	}
	out, err := json.Marshal(Path{"medications", nil, "indication", 2})
	if err != nil || string(out) != `["medications",null,"indication",2]` {
		t.Errorf("marshal: %s %v", out, err)
	}
}
