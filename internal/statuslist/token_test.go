package statuslist_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
)

func newKey(t testing.TB, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	require.NoError(t, err)
	return k.WithKeyID("status-key-1")
}

// sameList reports whether two lists have the same width and entries.
func sameList(a, b *statuslist.List) bool {
	if a.Bits() != b.Bits() || a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		x, _ := a.Get(i)
		y, _ := b.Get(i)
		if x != y {
			return false
		}
	}
	return true
}

func requireSameClaims(t testing.TB, want, got statuslist.Claims) {
	t.Helper()
	require.Equal(t, want.Subject, got.Subject, "sub")
	require.Equal(t, want.Issuer, got.Issuer, "iss")
	require.True(t, want.IssuedAt.Equal(got.IssuedAt), "iat: %s, want %s", got.IssuedAt, want.IssuedAt)
	require.True(t, want.Expiry.Equal(got.Expiry), "exp: %s, want %s", got.Expiry, want.Expiry)
	require.Equal(t, want.TTL, got.TTL, "ttl")
	require.NotNil(t, got.List)
	require.True(t, sameList(want.List, got.List), "status_list")
}

// TestSpecExampleToken parses the example of §5.1 (status_list_jwt_raw.md).
// Its signature cannot be checked: the draft does not publish its key.
func TestSpecExampleToken(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(vectorDir, "status_list_jwt.txt"))
	require.NoError(t, err)
	compact := strings.TrimSpace(string(raw))
	tok, err := statuslist.Parse(compact)
	require.NoError(t, err)
	assert.Equal(t, compact, tok.Raw())
	assert.Equal(t, keys.ES256, tok.Algorithm())
	assert.Equal(t, "12", tok.KeyID())

	// The claims of status_list_jwt.md, and the "iss" that only the raw
	// token has (see testdata/README.md).
	c := tok.Claims()
	assert.Equal(t, "https://example.com/statuslists/1", c.Subject)
	assert.Equal(t, "https://example.com", c.Issuer)
	assert.Equal(t, time.Unix(1686920170, 0).UTC(), c.IssuedAt)
	assert.Equal(t, time.Unix(2291720170, 0).UTC(), c.Expiry)
	assert.Equal(t, 43200*time.Second, c.TTL)
	require.NotNil(t, c.List)
	assert.Equal(t, 1, c.List.Bits())
	assert.Equal(t, 16, c.List.Len())
	for i, want := range []uint8{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1} { // §4.1
		got, err := c.List.Get(i)
		require.NoError(t, err)
		assert.Equal(t, want, got, "status[%d]", i)
	}

	// No key of ours verifies it.
	err = tok.Verify(newKey(t, keys.ES256).Public(), []keys.Algorithm{keys.ES256})
	assert.ErrorIs(t, err, statuslist.ErrInvalid)
	assert.ErrorIs(t, err, jws.ErrSignature)
}

func TestSignParseVerify(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []keys.Algorithm{keys.EdDSA, keys.ES256} {
		t.Run(string(alg), func(t *testing.T) {
			key := newKey(t, alg)
			list, err := statuslist.New(10000, 2)
			require.NoError(t, err)
			require.NoError(t, list.Set(3, statuslist.Invalid))
			require.NoError(t, list.Set(9999, statuslist.Suspended))
			want := statuslist.Claims{
				Subject:  "https://status.seoulid.example/lists/7",
				Issuer:   "https://status.seoulid.example",
				IssuedAt: time.Unix(1767225600, 0).UTC(),
				Expiry:   time.Unix(1767225600+86400, 0).UTC(),
				TTL:      12 * time.Hour,
				List:     list,
			}
			compact, err := statuslist.Sign(ctx, key, want)
			require.NoError(t, err)

			header, payload := decodeParts(t, compact)
			assert.Equal(t, map[string]any{"typ": "statuslist+jwt", "alg": string(alg), "kid": "status-key-1"}, header)
			assert.Equal(t, "https://status.seoulid.example/lists/7", payload["sub"])
			assert.Equal(t, "43200", jsonString(payload["ttl"]), "ttl in seconds")
			assert.Equal(t, "1767225600", jsonString(payload["iat"]))

			tok, err := statuslist.Parse(compact)
			require.NoError(t, err)
			assert.Equal(t, compact, tok.Raw())
			assert.Equal(t, alg, tok.Algorithm())
			assert.Equal(t, "status-key-1", tok.KeyID())
			requireSameClaims(t, want, tok.Claims())
			require.NoError(t, tok.Verify(key.Public(), []keys.Algorithm{alg}))

			// Another key of the same kind.
			other := newKey(t, alg)
			tok, _ = statuslist.Parse(compact)
			err = tok.Verify(other.Public(), []keys.Algorithm{alg})
			assert.ErrorIs(t, err, statuslist.ErrInvalid)
			assert.ErrorIs(t, err, jws.ErrSignature)

			// The right key, with its algorithm not allowed.
			err = tok.Verify(key.Public(), []keys.Algorithm{otherAlg(alg)})
			assert.ErrorIs(t, err, statuslist.ErrInvalid)
			assert.ErrorIs(t, err, jws.ErrAlgorithm)
			assert.ErrorIs(t, tok.Verify(key.Public(), nil), jws.ErrAlgorithm)
			assert.ErrorIs(t, tok.Verify(nil, []keys.Algorithm{alg}), jws.ErrSignature)

			// A tampered payload: entry 3 made VALID again.
			require.NoError(t, list.Set(3, statuslist.Valid))
			forged := want
			forged.List = list
			forgedPayload := payloadOf(t, ctx, forged)
			parts := strings.Split(compact, ".")
			tampered := parts[0] + "." + forgedPayload + "." + parts[2]
			tok, err = statuslist.Parse(tampered)
			require.NoError(t, err, "the forgery is well-formed")
			err = tok.Verify(key.Public(), []keys.Algorithm{alg})
			assert.ErrorIs(t, err, statuslist.ErrInvalid)
			assert.ErrorIs(t, err, jws.ErrSignature)

			// A tampered signature.
			sig, _ := b64url.Decode(parts[2])
			sig[0] ^= 1
			tok, err = statuslist.Parse(parts[0] + "." + parts[1] + "." + b64url.Encode(sig))
			require.NoError(t, err)
			assert.ErrorIs(t, tok.Verify(key.Public(), []keys.Algorithm{alg}), jws.ErrSignature)
		})
	}
}

// TestSignOptionalClaims: absent exp, ttl and iss stay absent.
func TestSignOptionalClaims(t *testing.T) {
	key := newKey(t, keys.EdDSA)
	list, _ := statuslist.New(8, 1)
	c := statuslist.Claims{Subject: "https://s.example/1", IssuedAt: time.Unix(1700000000, 5e8), List: list}
	compact, err := statuslist.Sign(context.Background(), key, c)
	require.NoError(t, err)
	_, payload := decodeParts(t, compact)
	assert.ElementsMatch(t, []string{"sub", "iat", "status_list"}, keysOf(payload))
	assert.Equal(t, "1700000000", jsonString(payload["iat"]), "a NumericDate is whole seconds")
	tok, err := statuslist.Parse(compact)
	require.NoError(t, err)
	got := tok.Claims()
	assert.True(t, got.Expiry.IsZero())
	assert.Zero(t, got.TTL)
	assert.Empty(t, got.Issuer)
	assert.Equal(t, time.Unix(1700000000, 0).UTC(), got.IssuedAt)
}

func TestSignRefuses(t *testing.T) {
	ctx := context.Background()
	key := newKey(t, keys.ES256)
	list, _ := statuslist.New(8, 1)
	iat := time.Unix(1700000000, 0)
	good := statuslist.Claims{Subject: "https://s.example/1", IssuedAt: iat, List: list}
	_, err := statuslist.Sign(ctx, key, good)
	require.NoError(t, err)

	cases := []struct {
		name   string
		modify func(c *statuslist.Claims)
		msg    string
	}{
		{"no subject", func(c *statuslist.Claims) { c.Subject = "" }, "subject (sub) is empty"},
		{"no iat", func(c *statuslist.Claims) { c.IssuedAt = time.Time{} }, "issue time (iat) is not set"},
		{"iat before 1970", func(c *statuslist.Claims) { c.IssuedAt = time.Unix(-1, 0) }, "not between 1970 and 9999"},
		{"iat after 9999", func(c *statuslist.Claims) { c.IssuedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "not between 1970 and 9999"},
		{"no list", func(c *statuslist.Claims) { c.List = nil }, "no status list"},
		{"exp = iat", func(c *statuslist.Claims) { c.Expiry = iat }, "is not after the issue time"},
		{"exp before iat", func(c *statuslist.Claims) { c.Expiry = iat.Add(-time.Hour) }, "is not after the issue time"},
		{"exp in the same second", func(c *statuslist.Claims) { c.Expiry = iat.Add(time.Second / 2) }, "is not after the issue time"},
		{"negative ttl", func(c *statuslist.Claims) { c.TTL = -time.Second }, "not a positive number of whole seconds"},
		{"ttl not whole seconds", func(c *statuslist.Claims) { c.TTL = 1500 * time.Millisecond }, "not a positive number of whole seconds"},
		{"invalid UTF-8", func(c *statuslist.Claims) { c.Subject = "https://s.example/\xff" }, "invalid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			claims := good
			c.modify(&claims)
			tok, err := statuslist.Sign(ctx, key, claims)
			assert.Empty(t, tok)
			assert.ErrorContains(t, err, "statuslist: cannot sign: ")
			assert.ErrorContains(t, err, c.msg)
		})
	}
	_, err = statuslist.Sign(ctx, nil, good)
	assert.ErrorContains(t, err, "no signer")
}

// TestParseRefuses has a case for every rule of Parse. The tokens are
// signed, so that each fails on its rule and not on its signature.
func TestParseRefuses(t *testing.T) {
	key := newKey(t, keys.ES256)
	header := map[string]any{"typ": "statuslist+jwt"}
	const (
		sub  = `"sub":"https://example.com/statuslists/1"`
		iat  = `"iat":1686920170`
		list = `"status_list":{"bits":1,"lst":"eNrbuRgAAhcBXQ"}`
	)
	claims := func(members ...string) string { return "{" + strings.Join(members, ",") + "}" }
	withList := func(sl string) string { return claims(sub, iat, `"status_list":`+sl) }
	bomb := b64url.Encode(zlibOf(t, make([]byte, 2<<20)))

	// The base case is accepted.
	_, err := statuslist.Parse(signRaw(t, key, header, claims(sub, iat, list)))
	require.NoError(t, err)
	_, err = statuslist.Parse(signRaw(t, key, header, claims(sub, iat, list, `"exp":1686920171`, `"ttl":1`, `"iss":"x"`, `"nbf":"anything"`, `"other":{"a":[1]}`)))
	require.NoError(t, err, "other claims are allowed (§5.1 rule 1)")
	_, err = statuslist.Parse(signRaw(t, key, header, withList(`{"bits":1,"lst":"eNrbuRgAAhcBXQ","aggregation_uri":"https://example.com/agg"}`)))
	require.NoError(t, err)

	cases := []struct {
		name    string
		token   string
		msg     string
		tooSlow time.Duration // zero: 2 s
	}{
		{"not a JWS", "eyJhbGciOiJFUzI1NiJ9.e30", "not three dot-separated parts", 0},
		{"empty", "", "not three dot-separated parts", 0},
		{"too big", strings.Repeat("a", 2<<20+1), "more than the limit of 2097152", 0},
		{"crit", signRaw(t, key, map[string]any{"typ": "statuslist+jwt", "crit": []any{"x"}, "x": 1}, claims(sub, iat, list)), `"crit"`, 0},

		{"no typ", signRaw(t, key, map[string]any{}, claims(sub, iat, list)), `the header has no "typ"`, 0},
		{"typ JWT", signRaw(t, key, map[string]any{"typ": "JWT"}, claims(sub, iat, list)), `"typ" is the string "JWT", not "statuslist+jwt"`, 0},
		{"typ as media type", signRaw(t, key, map[string]any{"typ": "application/statuslist+jwt"}, claims(sub, iat, list)), `not "statuslist+jwt"`, 0},
		{"typ upper case", signRaw(t, key, map[string]any{"typ": "STATUSLIST+JWT"}, claims(sub, iat, list)), `not "statuslist+jwt"`, 0},
		{"typ not a string", signRaw(t, key, map[string]any{"typ": true}, claims(sub, iat, list)), `"typ" is a boolean`, 0},

		{"payload not JSON", signRaw(t, key, header, `{"sub":`), "invalid JSON", 0},
		{"payload an array", signRaw(t, key, header, `[1]`), "expected a JSON object", 0},
		{"duplicate claim", signRaw(t, key, header, claims(sub, iat, list, `"sub":"https://evil.example/1"`)), `duplicate member "sub"`, 0},
		{"duplicate in status_list", signRaw(t, key, header, withList(`{"bits":1,"bits":2,"lst":"eNrbuRgAAhcBXQ"}`)), `duplicate member "bits"`, 0},

		{"no sub", signRaw(t, key, header, claims(iat, list)), `no "sub" claim`, 0},
		{"sub empty", signRaw(t, key, header, claims(`"sub":""`, iat, list)), `"sub" is empty`, 0},
		{"sub a number", signRaw(t, key, header, claims(`"sub":1`, iat, list)), `"sub" is a number, not a string`, 0},
		{"sub null", signRaw(t, key, header, claims(`"sub":null`, iat, list)), `"sub" is null, not a string`, 0},

		{"no iat", signRaw(t, key, header, claims(sub, list)), `no "iat" claim`, 0},
		{"iat a string", signRaw(t, key, header, claims(sub, `"iat":"1686920170"`, list)), `"iat" is the string "1686920170", not an integer`, 0},
		{"iat a fraction", signRaw(t, key, header, claims(sub, `"iat":1686920170.5`, list)), `"iat" is 1686920170.5, not an integer`, 0},
		{"iat negative", signRaw(t, key, header, claims(sub, `"iat":-1`, list)), `"iat" is -1, not an integer number of seconds from 0`, 0},
		{"iat past 9999", signRaw(t, key, header, claims(sub, `"iat":253402300800`, list)), `"iat" is 253402300800`, 0},
		{"iat huge", signRaw(t, key, header, claims(sub, `"iat":1e400`, list)), `"iat" is 1e400`, 0},

		{"exp a string", signRaw(t, key, header, claims(sub, iat, list, `"exp":"soon"`)), `"exp" is the string "soon"`, 0},
		{"exp a fraction", signRaw(t, key, header, claims(sub, iat, list, `"exp":1686920171.5`)), `"exp" is 1686920171.5`, 0},
		{"exp = iat", signRaw(t, key, header, claims(sub, iat, list, `"exp":1686920170`)), `"exp" 1686920170 is not after "iat" 1686920170`, 0},
		{"exp before iat", signRaw(t, key, header, claims(sub, iat, list, `"exp":1000`)), `is not after "iat"`, 0},

		{"ttl zero", signRaw(t, key, header, claims(sub, iat, list, `"ttl":0`)), `"ttl" is 0, not a positive integer`, 0},
		{"ttl negative", signRaw(t, key, header, claims(sub, iat, list, `"ttl":-60`)), `"ttl" is -60, not a positive integer`, 0},
		{"ttl a fraction", signRaw(t, key, header, claims(sub, iat, list, `"ttl":0.5`)), `"ttl" is 0.5, not a positive integer`, 0},
		{"ttl a string", signRaw(t, key, header, claims(sub, iat, list, `"ttl":"60"`)), `"ttl" is the string "60"`, 0},
		{"ttl past time.Duration", signRaw(t, key, header, claims(sub, iat, list, `"ttl":9223372037`)), `"ttl" is 9223372037`, 0},

		{"iss a number", signRaw(t, key, header, claims(sub, iat, list, `"iss":5`)), `"iss" is 5, not a non-empty string`, 0},
		{"iss empty", signRaw(t, key, header, claims(sub, iat, list, `"iss":""`)), `"iss" is the string "", not a non-empty string`, 0},

		{"no status_list", signRaw(t, key, header, claims(sub, iat)), `no "status_list" claim`, 0},
		{"status_list null", signRaw(t, key, header, withList(`null`)), `"status_list" is null, not an object`, 0},
		{"status_list an array", signRaw(t, key, header, withList(`[1,"eNrbuRgAAhcBXQ"]`)), `"status_list" is an array, not an object`, 0},
		{"status_list a string", signRaw(t, key, header, withList(`"eNrbuRgAAhcBXQ"`)), `"status_list" is a string, not an object`, 0},
		{"no bits", signRaw(t, key, header, withList(`{"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list" has no "bits"`, 0},
		{"bits 3", signRaw(t, key, header, withList(`{"bits":3,"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is 3, not 1, 2, 4 or 8`, 0},
		{"bits 0", signRaw(t, key, header, withList(`{"bits":0,"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is 0`, 0},
		{"bits 16", signRaw(t, key, header, withList(`{"bits":16,"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is 16`, 0},
		{"bits 2^32+1", signRaw(t, key, header, withList(`{"bits":4294967297,"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is 4294967297`, 0},
		{"bits a string", signRaw(t, key, header, withList(`{"bits":"1","lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is the string "1"`, 0},
		{"bits a fraction", signRaw(t, key, header, withList(`{"bits":1.5,"lst":"eNrbuRgAAhcBXQ"}`)), `"status_list.bits" is 1.5`, 0},
		{"no lst", signRaw(t, key, header, withList(`{"bits":1}`)), `"status_list" has no "lst"`, 0},
		{"lst a number", signRaw(t, key, header, withList(`{"bits":1,"lst":5}`)), `"status_list.lst" is a number, not a string`, 0},
		{"lst not base64url", signRaw(t, key, header, withList(`{"bits":1,"lst":"eNrb+RgAAhcBXQ"}`)), `"status_list": lst: character '+' at 4 is not base64url`, 0},
		{"lst padded", signRaw(t, key, header, withList(`{"bits":1,"lst":"eNrbuRgAAhcBXQ=="}`)), `is not base64url`, 0},
		{"lst not zlib", signRaw(t, key, header, withList(`{"bits":1,"lst":"`+b64url.Encode([]byte("not compressed at all"))+`"}`)), `"status_list": lst: not a ZLIB stream`, 0},
		{"lst empty", signRaw(t, key, header, withList(`{"bits":1,"lst":""}`)), `"status_list": lst: not a ZLIB stream`, 0},
		{"lst zip bomb", signRaw(t, key, header, withList(`{"bits":1,"lst":"`+bomb+`"}`)), `"status_list": lst: decompresses to more than 1048576 bytes`, time.Second},
		{"aggregation_uri a number", signRaw(t, key, header, withList(`{"bits":1,"lst":"eNrbuRgAAhcBXQ","aggregation_uri":1}`)), `"status_list.aggregation_uri" is a number`, 0},
		{"long value in message", signRaw(t, key, map[string]any{"typ": strings.Repeat("x\n", 1000)}, claims(sub, iat, list)), `"typ" is the string "x\nx\nx\n`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit := c.tooSlow
			if limit == 0 {
				limit = 2 * time.Second
			}
			start := time.Now()
			tok, err := statuslist.Parse(c.token)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.Nil(t, tok)
			assert.ErrorIs(t, err, statuslist.ErrInvalid)
			assert.True(t, strings.HasPrefix(err.Error(), "statuslist: invalid status list token: "), err.Error())
			assert.ErrorContains(t, err, c.msg)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Less(t, len(err.Error()), 400, "short: %s", err)
			assert.Less(t, elapsed, limit)
		})
	}
}

// signRaw signs any payload with any header (but "alg"), for tokens that
// Sign would not make.
func signRaw(t testing.TB, key *keys.PrivateKey, header map[string]any, payload string) string {
	t.Helper()
	tok, err := jws.Sign(context.Background(), key, header, []byte(payload))
	require.NoError(t, err)
	return tok
}

// payloadOf is the encoded payload segment Sign makes for c.
func payloadOf(t testing.TB, ctx context.Context, c statuslist.Claims) string {
	t.Helper()
	tok, err := statuslist.Sign(ctx, newKey(t, keys.EdDSA), c)
	require.NoError(t, err)
	return strings.Split(tok, ".")[1]
}

func decodeParts(t testing.TB, compact string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(compact, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		*dst, err = jsonx.ParseObject(b)
		require.NoError(t, err)
	}
	return header, payload
}

func jsonString(v any) string {
	b, _ := jsonx.Marshal(v)
	return string(b)
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func otherAlg(a keys.Algorithm) keys.Algorithm {
	if a == keys.EdDSA {
		return keys.ES256
	}
	return keys.EdDSA
}
