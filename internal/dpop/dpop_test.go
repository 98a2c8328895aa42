package dpop_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

const (
	tokenURL = "https://issuer.example/token"
	credURL  = "https://issuer.example/credential"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func newVerifier(t testing.TB, cfg dpop.Config) *dpop.Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	v, err := dpop.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func genKey(t testing.TB, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// craft signs header and claims as they are (with the signer's alg if the
// header has none), for proofs that NewProof would never make.
func craft(t testing.TB, signer jws.Signer, header, claims map[string]any) string {
	t.Helper()
	if _, ok := header["alg"]; !ok {
		header["alg"] = string(signer.Algorithm())
	}
	hb, err := jsonx.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := jsonx.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.SignRaw(context.Background(), signer, hb, cb)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewProofVerifies(t *testing.T) {
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			v := newVerifier(t, dpop.Config{})
			k := genKey(t, alg).WithKeyID("did:example:1#k")
			p, err := dpop.NewProof(context.Background(), k, "POST", tokenURL+"?x=1#f", "", t0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Verify([]string{p}, dpop.Request{Method: "POST", URL: tokenURL})
			if err != nil {
				t.Fatal(err)
			}
			if got.JKT != k.Public().Thumbprint() || !got.Key.Equal(k.Public()) || !got.IssuedAt.Equal(t0) || len(got.JTI) < 16 {
				t.Errorf("got %+v", got)
			}
			tok, _ := jws.Parse(p, jws.Limits{})
			if _, hasKid := tok.Header()["jwk"].(map[string]any)["kid"]; hasKid || tok.HeaderString("kid") != "" {
				t.Error("NewProof put the signer's kid in the proof")
			}
			if !strings.Contains(string(tok.UnsafePayload()), `"htu":"`+tokenURL+`"`) {
				t.Errorf("htu keeps query or fragment: %s", tok.UnsafePayload())
			}
			// The same proof again is a replay; at another URL it is not
			// the same context but fails htu anyway.
			if _, err := v.Verify([]string{p}, dpop.Request{Method: "POST", URL: tokenURL}); !errors.Is(err, dpop.ErrReplay) || !errors.Is(err, dpop.ErrInvalidProof) {
				t.Errorf("replay: %v", err)
			}
		})
	}
}

// rfc9449 are the examples of RFC 9449 (testdata/rfc9449.json).
type rfc9449 struct {
	TokenProof    string `json:"token_proof"`
	TokenURL      string `json:"token_url"`
	TokenIAT      int64  `json:"token_iat"`
	TokenJTI      string `json:"token_jti"`
	JKT           string `json:"jkt"`
	ResourceProof string `json:"resource_proof"`
	ResourceURL   string `json:"resource_url"`
	ResourceIAT   int64  `json:"resource_iat"`
	AccessToken   string `json:"access_token"`
	ATH           string `json:"ath"`
}

func loadRFC(t testing.TB) rfc9449 {
	t.Helper()
	raw, err := os.ReadFile("testdata/rfc9449.json")
	if err != nil {
		t.Fatal(err)
	}
	var x rfc9449
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestRFCExamples verifies the proofs of RFC 9449 at their own time: the
// token request's (Figure 3, with the thumbprint of Figure 9) and the
// resource request's with its access token (Figure 13).
func TestRFCExamples(t *testing.T) {
	x := loadRFC(t)
	if got := dpop.AccessTokenHash(x.AccessToken); got != x.ATH {
		t.Errorf("ath %s, want %s", got, x.ATH)
	}
	at := time.Unix(x.TokenIAT, 0)
	v := newVerifier(t, dpop.Config{Now: func() time.Time { return at }})
	p, err := v.Verify([]string{x.TokenProof}, dpop.Request{Method: "POST", URL: x.TokenURL})
	if err != nil {
		t.Fatal(err)
	}
	if p.JTI != x.TokenJTI || p.JKT != x.JKT || p.Key.Algorithm() != keys.ES256 || p.IssuedAt.Unix() != x.TokenIAT {
		t.Errorf("got %+v", p)
	}
	if _, err := v.Verify([]string{x.TokenProof}, dpop.Request{Method: "POST", URL: x.TokenURL}); !errors.Is(err, dpop.ErrReplay) {
		t.Errorf("replayed: %v", err)
	}
	// At a resource, with an access token, the token proof has no ath.
	if _, err := v.Verify([]string{x.TokenProof}, dpop.Request{Method: "POST", URL: x.TokenURL, AccessToken: x.AccessToken}); err == nil || !strings.Contains(err.Error(), "no ath") {
		t.Errorf("without ath: %v", err)
	}

	at = time.Unix(x.ResourceIAT, 0)
	req := dpop.Request{Method: "GET", URL: x.ResourceURL, AccessToken: "another token"}
	if _, err := v.Verify([]string{x.ResourceProof}, req); err == nil || !strings.Contains(err.Error(), "ath is not") {
		t.Errorf("another token: %v", err)
	}
	req.AccessToken = x.AccessToken
	if p, err := v.Verify([]string{x.ResourceProof}, req); err != nil || p.JKT != x.JKT {
		t.Errorf("resource proof: %+v, %v", p, err)
	}
}

func TestRefusals(t *testing.T) {
	k := genKey(t, keys.ES256)
	other := genKey(t, keys.ES256)
	ed := genKey(t, keys.EdDSA)
	header := func() map[string]any {
		return map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": k.Public().JWK()}
	}
	claims := func() map[string]any {
		return map[string]any{"jti": "j-" + b64url.Encode([]byte(time.Now().String())), "htm": "POST", "htu": credURL, "iat": t0.Unix(), "ath": dpop.AccessTokenHash("tok")}
	}
	with := func(h, c func(map[string]any)) func() string {
		return func() string {
			hh, cc := header(), claims()
			if h != nil {
				h(hh)
			}
			if c != nil {
				c(cc)
			}
			return craft(t, k, hh, cc)
		}
	}
	private := k.PrivateJWK()
	for _, tc := range []struct {
		name   string
		values func() []string
		want   string
	}{
		{"none", func() []string { return nil }, "no DPoP header"},
		{"two headers", func() []string { p := with(nil, nil)(); return []string{p, p} }, "2 DPoP headers"},
		{"two in one", func() []string { p := with(nil, nil)(); return []string{p + ", " + p} }, "not one JWT"},
		{"empty", func() []string { return []string{""} }, "not one JWT"},
		{"huge", func() []string { return []string{strings.Repeat("a", dpop.MaxProofBytes+1)} }, "more than"},
		{"not a JWS", func() []string { return []string{"a.b"} }, "malformed"},
		{"typ JWT", func() []string { return []string{with(func(h map[string]any) { h["typ"] = "JWT" }, nil)()} }, "typ must be dpop+jwt"},
		{"no typ", func() []string { return []string{with(func(h map[string]any) { delete(h, "typ") }, nil)()} }, "typ must be"},
		{"no jwk", func() []string { return []string{with(func(h map[string]any) { delete(h, "jwk") }, nil)()} }, "no jwk"},
		{"jwk string", func() []string { return []string{with(func(h map[string]any) { h["jwk"] = "x" }, nil)()} }, "not a JWK"},
		{"private jwk", func() []string { return []string{with(func(h map[string]any) { h["jwk"] = private }, nil)()} }, "private"},
		{"RSA jwk", func() []string {
			return []string{with(func(h map[string]any) { h["jwk"] = map[string]any{"kty": "RSA", "n": "AQAB", "e": "AQAB"} }, nil)()}
		}, "jwk header"},
		{"other key's jwk", func() []string {
			return []string{with(func(h map[string]any) { h["jwk"] = other.Public().JWK() }, nil)()}
		}, "signature"},
		{"alg of the other curve", func() []string {
			return []string{craft(t, ed, map[string]any{"typ": "dpop+jwt", "jwk": k.Public().JWK()}, claims())}
		}, "signature"},
		{"no jti", func() []string { return []string{with(nil, func(c map[string]any) { delete(c, "jti") })()} }, "jti must be"},
		{"long jti", func() []string {
			return []string{with(nil, func(c map[string]any) { c["jti"] = strings.Repeat("j", 257) })()}
		}, "jti must be"},
		{"numeric jti", func() []string { return []string{with(nil, func(c map[string]any) { c["jti"] = 7 })()} }, "jti must be"},
		{"no htm", func() []string { return []string{with(nil, func(c map[string]any) { delete(c, "htm") })()} }, "no htm"},
		{"htm GET", func() []string { return []string{with(nil, func(c map[string]any) { c["htm"] = "GET" })()} }, `htm is "GET"`},
		{"htm post", func() []string { return []string{with(nil, func(c map[string]any) { c["htm"] = "post" })()} }, `htm is "post"`},
		{"no htu", func() []string { return []string{with(nil, func(c map[string]any) { delete(c, "htu") })()} }, "no htu"},
		{"htu of the token endpoint", func() []string { return []string{with(nil, func(c map[string]any) { c["htu"] = tokenURL })()} }, "not this endpoint"},
		{"htu of another host", func() []string {
			return []string{with(nil, func(c map[string]any) { c["htu"] = "https://evil.example/credential" })()}
		}, "not this endpoint"},
		{"htu http", func() []string {
			return []string{with(nil, func(c map[string]any) { c["htu"] = "http://issuer.example/credential" })()}
		}, "not this endpoint"},
		{"htu relative", func() []string { return []string{with(nil, func(c map[string]any) { c["htu"] = "/credential" })()} }, "htu:"},
		{"no iat", func() []string { return []string{with(nil, func(c map[string]any) { delete(c, "iat") })()} }, "no iat"},
		{"iat string", func() []string { return []string{with(nil, func(c map[string]any) { c["iat"] = "now" })()} }, "not a time"},
		{"iat old", func() []string {
			return []string{with(nil, func(c map[string]any) { c["iat"] = t0.Add(-61 * time.Second).Unix() })()}
		}, "ago"},
		{"iat future", func() []string {
			return []string{with(nil, func(c map[string]any) { c["iat"] = t0.Add(11 * time.Second).Unix() })()}
		}, "future"},
		{"no ath", func() []string { return []string{with(nil, func(c map[string]any) { delete(c, "ath") })()} }, "no ath"},
		{"ath of another token", func() []string {
			return []string{with(nil, func(c map[string]any) { c["ath"] = dpop.AccessTokenHash("other") })()}
		}, "ath is not"},
		{"duplicate claim", func() []string {
			hb, _ := jsonx.Marshal(header())
			s, err := jws.SignRaw(context.Background(), k, hb, []byte(`{"jti":"a","jti":"b","htm":"POST","htu":"`+credURL+`","iat":1}`))
			if err != nil {
				t.Fatal(err)
			}
			return []string{s}
		}, "duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, dpop.Config{})
			_, err := v.Verify(tc.values(), dpop.Request{Method: "POST", URL: credURL, AccessToken: "tok"})
			if !errors.Is(err, dpop.ErrInvalidProof) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an invalid proof error containing %q", err, tc.want)
			}
		})
	}
}

func TestAlgNone(t *testing.T) {
	k := genKey(t, keys.EdDSA)
	hb, _ := jsonx.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": k.Public().JWK()})
	cb, _ := jsonx.Marshal(map[string]any{"jti": "x", "htm": "POST", "htu": tokenURL, "iat": t0.Unix()})
	p := b64url.Encode(hb) + "." + b64url.Encode(cb) + "."
	v := newVerifier(t, dpop.Config{})
	if _, err := v.Verify([]string{p}, dpop.Request{Method: "POST", URL: tokenURL}); !errors.Is(err, dpop.ErrInvalidProof) || !errors.Is(err, jws.ErrAlgorithm) && !strings.Contains(err.Error(), "algorithm") {
		t.Errorf("alg none: %v", err)
	}
	// An allow-list of ES256 only refuses an EdDSA proof.
	v = newVerifier(t, dpop.Config{Algorithms: []keys.Algorithm{keys.ES256}})
	p, _ = dpop.NewProof(context.Background(), k, "POST", tokenURL, "", t0)
	if _, err := v.Verify([]string{p}, dpop.Request{Method: "POST", URL: tokenURL}); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("EdDSA against ES256 only: %v", err)
	}
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://issuer.example/token":           "https://issuer.example/token",
		"HTTPS://Issuer.EXAMPLE:443/token":       "https://issuer.example/token",
		"https://issuer.example:8443/token":      "https://issuer.example:8443/token",
		"http://127.0.0.1:80/token":              "http://127.0.0.1/token",
		"https://issuer.example":                 "https://issuer.example/",
		"https://issuer.example:/t":              "https://issuer.example/t",
		"https://issuer.example/a/./b/../token":  "https://issuer.example/a/token",
		"https://issuer.example/%7Euser/%2f%41x": "https://issuer.example/~user/%2FAx",
		"https://issuer.example/token?a=1#frag":  "https://issuer.example/token",
		"https://[::1]:443/token":                "https://[::1]/token",
		"https://issuer.example/..":              "https://issuer.example/",
	} {
		got, err := dpop.NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "/token", "ftp://issuer.example/", "https://user@issuer.example/", "https:opaque", "https://issuer.example/%zz"} {
		if got, err := dpop.NormalizeURL(in); err == nil {
			t.Errorf("NormalizeURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestReplayCache(t *testing.T) {
	now := t0
	v := newVerifier(t, dpop.Config{ReplayCacheSize: 3, Now: func() time.Time { return now }})
	k := genKey(t, keys.EdDSA)
	mk := func(jti string, iat time.Time) string {
		return craft(t, k, map[string]any{"typ": "dpop+jwt", "jwk": k.Public().JWK()}, map[string]any{"jti": jti, "htm": "POST", "htu": tokenURL, "iat": iat.Unix()})
	}
	req := dpop.Request{Method: "POST", URL: tokenURL}
	ok := func(p string) {
		t.Helper()
		if _, err := v.Verify([]string{p}, req); err != nil {
			t.Fatal(err)
		}
	}
	replayed := func(p string) {
		t.Helper()
		if _, err := v.Verify([]string{p}, req); !errors.Is(err, dpop.ErrReplay) {
			t.Fatalf("want a replay, got %v", err)
		}
	}
	a := mk("a", now.Add(-50*time.Second))
	ok(a)
	replayed(a)
	// The same jti at another URL is another context (§11.1).
	other := craft(t, k, map[string]any{"typ": "dpop+jwt", "jwk": k.Public().JWK()}, map[string]any{"jti": "a", "htm": "POST", "htu": credURL, "iat": now.Unix()})
	if _, err := v.Verify([]string{other}, dpop.Request{Method: "POST", URL: credURL}); err != nil {
		t.Fatal(err)
	}
	b, c := mk("b", now), mk("c", now)
	ok(b) // the cache is full now: a (expires soonest), a@credential, b
	ok(c) // drops a, the entry closest to expiry
	replayed(b)
	replayed(c)
	ok(a) // dropped from the full cache: the documented cost of the bound
	// A refused proof is not remembered: the good one with its jti passes.
	bad := craft(t, k, map[string]any{"typ": "dpop+jwt", "jwk": k.Public().JWK()}, map[string]any{"jti": "d", "htm": "GET", "htu": tokenURL, "iat": now.Unix()})
	if _, err := v.Verify([]string{bad}, req); err == nil {
		t.Fatal("htm GET passed")
	}
	ok(mk("d", now))
	// Past its window, a proof is refused for its age, not as a replay.
	now = now.Add(61 * time.Second)
	if _, err := v.Verify([]string{b}, req); errors.Is(err, dpop.ErrReplay) || err == nil {
		t.Errorf("an expired proof: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []dpop.Config{
		{Algorithms: []keys.Algorithm{}},
		{Algorithms: []keys.Algorithm{"HS256"}},
		{MaxAge: -1},
		{ReplayCacheSize: -1},
	} {
		if _, err := dpop.NewVerifier(cfg); !errors.Is(err, dpop.ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
