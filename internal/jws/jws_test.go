package jws

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
)

func TestSignParseVerify(t *testing.T) {
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k, err := keys.Generate(alg)
			require.NoError(t, err)
			k = k.WithKeyID("k1")
			tok, err := Sign(ctx, k, map[string]any{"typ": "kb+jwt"}, []byte(`{"a":1}`))
			require.NoError(t, err)

			p, err := Parse(tok, Limits{})
			require.NoError(t, err)
			assert.Equal(t, alg, p.Algorithm())
			assert.Equal(t, "kb+jwt", p.HeaderString("typ"))
			assert.Equal(t, "k1", p.HeaderString("kid"))
			assert.Equal(t, tok, p.Raw())
			assert.Equal(t, tok[:strings.LastIndexByte(tok, '.')], p.SigningInput())

			_, err = p.Payload()
			require.ErrorIs(t, err, ErrNotVerified, "no payload before verification")
			assert.Equal(t, `{"a":1}`, string(p.UnsafePayload()))

			require.ErrorIs(t, p.Verify(k.Public(), nil), ErrAlgorithm, "an empty allow-list allows nothing")
			other := keys.EdDSA
			if alg == keys.EdDSA {
				other = keys.ES256
			}
			require.ErrorIs(t, p.Verify(k.Public(), []keys.Algorithm{other}), ErrAlgorithm)
			require.ErrorIs(t, p.Verify(nil, keys.Algorithms), ErrSignature)
			stranger, err := keys.Generate(alg)
			require.NoError(t, err)
			require.ErrorIs(t, p.Verify(stranger.Public(), keys.Algorithms), ErrSignature)

			require.NoError(t, p.Verify(k.Public(), keys.Algorithms))
			body, err := p.Payload()
			require.NoError(t, err)
			assert.Equal(t, `{"a":1}`, string(body))

			// The header may not choose its own algorithm.
			_, err = Sign(ctx, k, map[string]any{"alg": "none"}, nil)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func TestParseRejects(t *testing.T) {
	h := func(s string) string { return b64.EncodeToString([]byte(s)) }
	cases := []struct {
		tok, msg string
	}{
		{"abc", "not three dot-separated parts"},
		{"a.b", "not three dot-separated parts"},
		{"a.b.c.d.e", "more than three"},
		{h(`{"alg":"EdDSA"}`) + "." + h("{}") + ".AAA=", "not base64url"},
		{h(`{"alg":"EdDSA"}`) + "." + h("{}") + ".AA\nAA", "not base64url"},
		{h(`{"alg":"EdDSA"}`) + "." + h("{}") + ".AB", "not base64url"}, // non-zero trailing bits
		{h(`{"typ":"JWT"}`) + "." + h("{}") + ".AAAA", `no "alg"`},
		{h(`{"alg":1}`) + "." + h("{}") + ".AAAA", `"alg" is a number`},
		{h(`{"alg":"EdDSA","alg":"none"}`) + "." + h("{}") + ".AAAA", `duplicate member "alg"`},
		{h(`{"alg":"EdDSA","crit":["b64"]}`) + "." + h("{}") + ".AAAA", `"crit"`},
		{h(`[1]`) + "." + h("{}") + ".AAAA", "expected a JSON object"},
		{h(`{"alg":"EdDSA","x":"`+strings.Repeat("a", 5000)+`"}`) + ".e30.AAAA", "protected header longer than"},
		{strings.Repeat("a", 70000), "more than the limit"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			_, err := Parse(c.tok, Limits{})
			require.ErrorIs(t, err, ErrMalformed)
			require.ErrorContains(t, err, c.msg)
		})
	}
	// alg none parses (so that it can be reported) but never verifies.
	tok, err := Parse(h(`{"alg":"none"}`)+"."+h("{}")+".", Limits{})
	require.NoError(t, err)
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	require.ErrorIs(t, tok.Verify(k.Public(), []keys.Algorithm{keys.EdDSA, "none"}), ErrAlgorithm)
}

func TestDecodeSegment(t *testing.T) {
	for s, ok := range map[string]bool{"": true, "AA": true, "AQ": true, "AB": false, "A": false, "AA==": false, "A+": false, "A/": false, "_-8": true, "AA\n": false} {
		_, err := DecodeSegment(s)
		assert.Equal(t, ok, err == nil, "%q: %v", s, err)
	}
}

func FuzzParse(f *testing.F) {
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		f.Fatal(err)
	}
	good, err := Sign(context.Background(), k, map[string]any{"typ": "JWT"}, []byte(`{"iss":"x"}`))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, "a.b.c", "..", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJFZERTQSIsImNyaXQiOlsiYiJdfQ.e30.AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s, Limits{})
		if err != nil {
			return
		}
		if tok.SigningInput()+"."+s[len(tok.SigningInput())+1:] != s {
			t.Fatalf("signing input %q is not a prefix of %q", tok.SigningInput(), s)
		}
		// Only the real token verifies with the real key.
		if tok.Verify(k.Public(), keys.Algorithms) == nil && s != good {
			t.Fatalf("%q verified with the test key but is not the token it signed", s)
		}
	})
}
