package statuslist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// ErrInvalid is wrapped by every error of Parse and Token.Verify: the token
// must be refused (§5.1: "Relying Parties MUST reject JWTs with an invalid
// signature" and JWTs "not valid in all other respects").
var ErrInvalid = errors.New("statuslist: invalid status list token")

// typ is the JWT "typ" of a Status List Token (§5.1), which keeps any
// other JWT signed by the same key from passing for one (RFC 8725 §3.11).
const typ = "statuslist+jwt"

// maxTokenBytes bounds the compact token Parse reads: a list of MaxBytes
// that does not compress at all is about 1.4 MiB in base64url, so every
// token Sign makes fits, with room for other claims.
const maxTokenBytes = 2 << 20

// maxNumericDate is 9999-12-31T23:59:59Z: "iat" and "exp" are whole
// seconds from 0 to this, so that every time here round-trips through
// time.Time and back.
const maxNumericDate = 253402300799

// maxTTL is the longest "ttl" a time.Duration holds, in seconds.
const maxTTL = math.MaxInt64 / int64(time.Second)

// Claims are the claims of a Status List Token (§5.1). Each field says what
// its zero value means.
type Claims struct {
	// Subject is "sub", the URI of the Status List Token; a Referenced
	// Token's "uri" must equal it (§5.1, §8.3 step 4a). Required.
	Subject string
	// Issuer is "iss"; "" means absent.
	Issuer string
	// IssuedAt is "iat", in whole seconds. Required.
	IssuedAt time.Time
	// Expiry is "exp", in whole seconds; the zero time means absent. When
	// present it is after IssuedAt.
	Expiry time.Time
	// TTL is "ttl" (§5.1), how long the token may be cached, in whole
	// seconds; zero means absent.
	TTL time.Duration
	// List is "status_list" (§4.2). Required.
	List *List
}

// Signer signs Status List Tokens; keys.PrivateKey and keys.CryptoSigner
// satisfy it. It is jws.Signer.
type Signer = jws.Signer

// Sign makes a Status List Token in JWT form (§5.1): a compact JWS with
// the header "typ":"statuslist+jwt" and the signer's "alg" and "kid", and
// the claims c. It refuses claims Parse would refuse: an empty Subject, a
// zero IssuedAt, a nil List, an Expiry not after IssuedAt, a negative TTL
// or one not in whole seconds, times before 1970 or after 9999.
func Sign(ctx context.Context, s Signer, c Claims) (string, error) {
	if s == nil {
		return "", errors.New("statuslist: cannot sign: no signer")
	}
	payload, err := c.marshal()
	if err != nil {
		return "", fmt.Errorf("statuslist: cannot sign: %w", err)
	}
	tok, err := jws.Sign(ctx, s, map[string]any{"typ": typ}, payload)
	if err != nil {
		return "", fmt.Errorf("statuslist: cannot sign: %w", err)
	}
	if len(tok) > maxTokenBytes {
		return "", fmt.Errorf("statuslist: cannot sign: the token would be %d bytes, more than the %d Parse accepts", len(tok), maxTokenBytes)
	}
	return tok, nil
}

// marshal checks c and writes its JSON claims set.
func (c Claims) marshal() ([]byte, error) {
	if c.Subject == "" {
		return nil, errors.New("the subject (sub) is empty")
	}
	if c.IssuedAt.IsZero() {
		return nil, errors.New("the issue time (iat) is not set")
	}
	if c.List == nil {
		return nil, errors.New("there is no status list")
	}
	iat := c.IssuedAt.Unix()
	if iat < 0 || iat > maxNumericDate {
		return nil, fmt.Errorf("the issue time %s is not between 1970 and 9999", c.IssuedAt.UTC().Format(time.RFC3339))
	}
	lst, err := c.List.Encode()
	if err != nil {
		return nil, err
	}
	m := map[string]any{
		"sub":         c.Subject,
		"iat":         iat,
		"status_list": map[string]any{"bits": c.List.Bits(), "lst": lst},
	}
	if !c.Expiry.IsZero() {
		exp := c.Expiry.Unix()
		if exp <= iat || exp > maxNumericDate {
			return nil, fmt.Errorf("the expiry %s is not after the issue time %s (in whole seconds) and before 10000",
				c.Expiry.UTC().Format(time.RFC3339), c.IssuedAt.UTC().Format(time.RFC3339))
		}
		m["exp"] = exp
	}
	if c.TTL != 0 {
		if c.TTL < 0 || c.TTL%time.Second != 0 {
			return nil, fmt.Errorf("the ttl %s is not a positive number of whole seconds (§5.1)", c.TTL)
		}
		m["ttl"] = int64(c.TTL / time.Second)
	}
	if c.Issuer != "" {
		m["iss"] = c.Issuer
	}
	return jsonx.Marshal(m)
}

// Token is a parsed Status List Token whose signature is not yet verified.
type Token struct {
	jws    *jws.Token
	claims Claims
}

// Parse reads a Status List Token in JWT form strictly, and refuses it with
// an error wrapping ErrInvalid unless:
//
//   - it is at most 2 MiB and a compact JWS that package jws accepts;
//   - its header has "typ" exactly "statuslist+jwt" (§5.1);
//   - its payload is a JSON object without duplicate member names
//     (RFC 7519 §7.2 step 10 and package jsonx);
//   - "sub" is a non-empty string and "iat" an integer (§5.1);
//   - "exp", when present, is an integer greater than "iat"; "ttl", when
//     present, a positive integer (§5.1); "iss", when present, a non-empty
//     string; "iat" and "exp" are between 0 and 253402300799 (year 9999);
//     a NumericDate with a fraction, which RFC 7519 §2 would allow, is
//     refused;
//   - "status_list" is an object whose "bits" and "lst" Decode accepts,
//     and whose "aggregation_uri", when present, is a string (§4.2).
//
// Other claims are allowed and ignored (§5.1 rule 1). Parse does not
// verify the signature (call Verify) and does not compare any time with
// the clock: see the package doc for what is the caller's.
func Parse(compact string) (*Token, error) {
	if len(compact) > maxTokenBytes {
		return nil, fmt.Errorf("%w: the token is %d bytes, more than the limit of %d", ErrInvalid, len(compact), maxTokenBytes)
	}
	jt, err := jws.Parse(compact, jws.Limits{MaxBytes: maxTokenBytes})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	// §5.1: "The JWT type MUST be statuslist+jwt." Compared exactly: the
	// media type form "application/statuslist+jwt" is refused too.
	switch t, ok := jt.Header()["typ"]; {
	case !ok:
		return nil, fmt.Errorf("%w: the header has no \"typ\"; a Status List Token's is %q (§5.1)", ErrInvalid, typ)
	case t != typ:
		return nil, fmt.Errorf("%w: the header's \"typ\" is %s, not %q (§5.1)", ErrInvalid, describe(t), typ)
	}
	// The claims are read before the signature is verified, as Parse must
	// return them; Claims says so.
	c, err := parseClaims(jt.UnsafePayload())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return &Token{jws: jt, claims: c}, nil
}

// parseClaims reads the claims set of §5.1.
func parseClaims(payload []byte) (Claims, error) {
	m, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: maxTokenBytes})
	if err != nil {
		return Claims{}, fmt.Errorf("claims: %w", err)
	}
	var c Claims
	switch sub, ok := m["sub"]; {
	case !ok:
		return Claims{}, errors.New(`no "sub" claim (§5.1)`)
	case sub == "":
		return Claims{}, errors.New(`"sub" is empty (§5.1)`)
	default:
		if c.Subject, ok = sub.(string); !ok {
			return Claims{}, fmt.Errorf(`"sub" is %s, not a string (§5.1)`, jsonx.Describe(sub))
		}
	}
	iat, err := numericDate(m, "iat")
	if err != nil {
		return Claims{}, err
	}
	if iat < 0 {
		return Claims{}, errors.New(`no "iat" claim (§5.1)`)
	}
	c.IssuedAt = time.Unix(iat, 0).UTC()
	if exp, err := numericDate(m, "exp"); err != nil {
		return Claims{}, err
	} else if exp >= 0 {
		if exp <= iat {
			return Claims{}, fmt.Errorf(`"exp" %d is not after "iat" %d`, exp, iat)
		}
		c.Expiry = time.Unix(exp, 0).UTC()
	}
	if v, ok := m["ttl"]; ok {
		// §5.1: "a positive number"; whole seconds here, as for the dates.
		ttl, isInt := jsonx.Int64(v)
		if !isInt || ttl <= 0 || ttl > maxTTL {
			return Claims{}, fmt.Errorf(`"ttl" is %s, not a positive integer number of seconds of at most %d (§5.1)`, describe(v), maxTTL)
		}
		c.TTL = time.Duration(ttl) * time.Second
	}
	if v, ok := m["iss"]; ok {
		if c.Issuer, ok = v.(string); !ok || c.Issuer == "" {
			return Claims{}, fmt.Errorf(`"iss" is %s, not a non-empty string`, describe(v))
		}
	}
	if c.List, err = parseStatusList(m); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// numericDate reads an integer NumericDate between 0 and maxNumericDate,
// and returns -1 when the claim is absent.
func numericDate(m map[string]any, name string) (int64, error) {
	v, ok := m[name]
	if !ok {
		return -1, nil
	}
	n, isInt := jsonx.Int64(v)
	if !isInt || n < 0 || n > maxNumericDate {
		return 0, fmt.Errorf("%q is %s, not an integer number of seconds from 0 to %d", name, describe(v), maxNumericDate)
	}
	return n, nil
}

// parseStatusList reads the "status_list" claim (§4.2, §5.1).
func parseStatusList(m map[string]any) (*List, error) {
	v, ok := m["status_list"]
	if !ok {
		return nil, errors.New(`no "status_list" claim (§5.1)`)
	}
	sl, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf(`"status_list" is %s, not an object (§4.2)`, jsonx.Describe(v))
	}
	bv, ok := sl["bits"]
	if !ok {
		return nil, errors.New(`"status_list" has no "bits" (§4.2)`)
	}
	bits, isInt := jsonx.Int64(bv)
	if !isInt || bits < 1 || bits > 8 || !validBits(int(bits)) {
		return nil, fmt.Errorf(`"status_list.bits" is %s, not 1, 2, 4 or 8 (§4.2)`, describe(bv))
	}
	lv, ok := sl["lst"]
	if !ok {
		return nil, errors.New(`"status_list" has no "lst" (§4.2)`)
	}
	lst, ok := lv.(string)
	if !ok {
		return nil, fmt.Errorf(`"status_list.lst" is %s, not a string (§4.2)`, jsonx.Describe(lv))
	}
	if av, ok := sl["aggregation_uri"]; ok {
		if _, ok := av.(string); !ok {
			return nil, fmt.Errorf(`"status_list.aggregation_uri" is %s, not a string (§4.2)`, jsonx.Describe(av))
		}
	}
	l, err := decode(int(bits), lst)
	if err != nil {
		return nil, fmt.Errorf(`"status_list": %w`, err)
	}
	return l, nil
}

// describe names a parsed JSON value for an error message: a string or a
// number by its value, shortened and quoted so that the message stays one
// line, anything else by its type.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "the string " + quote(x)
	case json.Number:
		return shorten(string(x)) // digits, signs, '.', 'e': nothing to escape
	default:
		if jsonx.TypeName(v) == "number" {
			return shorten(fmt.Sprint(v))
		}
		return jsonx.Describe(v)
	}
}

// quote quotes s in Go syntax, so that control characters and line breaks
// are escaped, shortened.
func quote(s string) string {
	if t := shorten(s); len(t) < len(s) {
		return strconv.Quote(t[:len(t)-len("…")]) + "…"
	}
	return strconv.Quote(s)
}

// shorten cuts s to at most 64 bytes on a rune boundary, marking the cut
// with an ellipsis.
func shorten(s string) string {
	const maxLen = 64
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Claims are the token's claims as Parse read them. They are not yet
// authenticated: only after Verify succeeds do they come from the holder
// of the key. The List belongs to the token.
func (t *Token) Claims() Claims { return t.claims }

// KeyID is the header's "kid", or "" when it has none: a hint for finding
// the key to verify with (§11.3), not a reason to trust it.
func (t *Token) KeyID() string { return t.jws.HeaderString("kid") }

// Algorithm is the header's "alg", not yet checked against any allow-list.
func (t *Token) Algorithm() keys.Algorithm { return t.jws.Algorithm() }

// Verify checks the signature with pub, after checking that "alg" is on
// the allow-list and is pub's algorithm (RFC 7515 §5.2, RFC 8725 §3.1).
// §5.1: "Relying Parties MUST reject JWTs with an invalid signature." It
// checks no claim: see the package doc. Its errors wrap ErrInvalid and
// jws.ErrAlgorithm or jws.ErrSignature.
func (t *Token) Verify(pub *keys.PublicKey, allowed []keys.Algorithm) error {
	if err := t.jws.Verify(pub, allowed); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Raw is the compact token as parsed.
func (t *Token) Raw() string { return t.jws.Raw() }
