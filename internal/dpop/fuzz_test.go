package dpop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/keys"
)

// FuzzVerify: whatever the proof, method, URL and access token, Verify
// never panics; what it accepts is a proof for exactly that method, with
// the key whose thumbprint it returns, and it is refused as a replay the
// second time.
func FuzzVerify(f *testing.F) {
	x := loadRFC(f)
	ctx := context.Background()
	ed, _ := keys.Generate(keys.EdDSA)
	ec, _ := keys.Generate(keys.ES256)
	good, _ := dpop.NewProof(ctx, ed, "POST", tokenURL, "", t0)
	withToken, _ := dpop.NewProof(ctx, ec, "POST", credURL, "tok", t0)
	for _, seed := range [][4]string{
		{good, "POST", tokenURL, ""},
		{withToken, "POST", credURL, "tok"},
		{withToken, "POST", "HTTPS://ISSUER.example:443/./credential", "tok"},
		{x.TokenProof, "POST", x.TokenURL, ""},
		{x.ResourceProof, "GET", x.ResourceURL, x.AccessToken},
		{"", "POST", tokenURL, ""},
		{"a.b.c", "POST", tokenURL, ""},
		{good + "." + good, "POST", tokenURL, ""},
		{strings.Replace(good, ".", "..", 1), "POST", tokenURL, ""},
		{b64url.Encode([]byte(`{"alg":"none","typ":"dpop+jwt","jwk":{}}`)) + "." + b64url.Encode([]byte(`{}`)) + ".", "POST", tokenURL, ""},
		{b64url.Encode([]byte(`{"alg":"EdDSA","typ":"dpop+jwt","jwk":{"kty":"OKP","crv":"Ed25519","x":"`+strings.Repeat("A", 43)+`","d":"x"}}`)) + ".e30.AA", "POST", tokenURL, ""},
		{b64url.Encode([]byte(`{"alg":"ES256","typ":"dpop+jwt","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},"jwk":1}`)) + ".e30.AA", "POST", tokenURL, ""},
		{b64url.Encode([]byte(strings.Repeat("[", 100))) + ".e30.AA", "POST", "https://[::1/x", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, proof, method, url, token string) {
		now := t0
		if strings.Contains(proof, x.TokenProof[:40]) {
			now = time.Unix(x.TokenIAT, 0)
		}
		v, err := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		req := dpop.Request{Method: method, URL: url, AccessToken: token}
		p, err := v.Verify([]string{proof}, req)
		if err != nil {
			if !errors.Is(err, dpop.ErrInvalidProof) {
				t.Fatalf("an error that is not ErrInvalidProof: %v", err)
			}
			return
		}
		if p.Key == nil || p.JKT != p.Key.Thumbprint() || p.JTI == "" || method == "" {
			t.Fatalf("accepted %+v for %q %q", p, method, url)
		}
		if _, err := v.Verify([]string{proof}, req); !errors.Is(err, dpop.ErrReplay) {
			t.Fatalf("accepted twice: %v", err)
		}
		if _, err := v.Verify([]string{proof}, dpop.Request{Method: method + "X", URL: url, AccessToken: token}); err == nil {
			t.Fatal("accepted for another method")
		}
	})
}
