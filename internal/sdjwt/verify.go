package sdjwt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// KeyFunc returns the key that must have signed the Issuer-signed JWT, given
// its protected header and its payload. Both are NOT yet verified: use them
// only to find the key ("kid", "iss"), never to trust anything.
type KeyFunc func(ctx context.Context, header, claims map[string]any) (*keys.PublicKey, error)

// StaticKey is a KeyFunc that always returns k.
func StaticKey(k *keys.PublicKey) KeyFunc {
	return func(context.Context, map[string]any, map[string]any) (*keys.PublicKey, error) { return k, nil }
}

// VerifyOptions say what Verify accepts. Algorithms and IssuerKey are
// required; every other zero value is documented.
type VerifyOptions struct {
	// Algorithms the Issuer-signed JWT and the KB-JWT may be signed with.
	// Required: there is no default allow-list.
	Algorithms []keys.Algorithm
	// IssuerKey finds the key of the Issuer-signed JWT. Required.
	IssuerKey KeyFunc
	// HashAlgs are the acceptable "_sd_alg" values (§7.1 step 2.5); empty
	// means DefaultHashAlgs.
	HashAlgs []HashAlg
	// KeyBinding is the Verifier's Key Binding policy (§7.3).
	KeyBinding KeyBindingPolicy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ClockSkew is the tolerance on exp, nbf and iat; zero means none.
	ClockSkew time.Duration
	// Limits bound the input; zero values mean the defaults of Limits.
	Limits Limits
	// AsHolder verifies an SD-JWT as a Holder receiving it from an Issuer
	// (§7.2): an SD-JWT+KB is rejected, and KeyBinding is ignored.
	AsHolder bool
}

// KeyBindingPolicy is how a Verifier treats the KB-JWT. Whether Key Binding
// is required is the Verifier's decision and never depends on whether the
// Holder sent a KB-JWT (§7.3 step 1).
type KeyBindingPolicy struct {
	// Required rejects a presentation without a valid KB-JWT.
	Required bool
	// Audience is the expected "aud". Required when Required is set; when
	// empty, a KB-JWT's "aud" is not checked.
	Audience string
	// Nonce is the expected "nonce". Required when Required is set; when
	// empty, a KB-JWT's "nonce" is not checked.
	Nonce string
	// MaxAge is how long after its "iat" a KB-JWT is accepted; zero means
	// DefaultKeyBindingMaxAge.
	MaxAge time.Duration
}

// DefaultKeyBindingMaxAge is the acceptable age of a KB-JWT when
// KeyBindingPolicy.MaxAge is zero.
const DefaultKeyBindingMaxAge = 5 * time.Minute

// Verified is what a successful verification yields.
type Verified struct {
	// Header is the protected header of the Issuer-signed JWT.
	Header map[string]any
	// Claims is the Processed SD-JWT Payload (§7.1): every disclosed claim
	// in place, "_sd", "_sd_alg" and undisclosed array elements removed.
	Claims map[string]any
	// Disclosed lists the Disclosures received, with the place of each.
	Disclosed []Disclosed
	// HashAlg is the digest algorithm of the SD-JWT.
	HashAlg HashAlg
	// IssuerKey is the key that verified the Issuer-signed JWT.
	IssuerKey *keys.PublicKey
	// HolderKey is the key in "cnf"."jwk" (RFC 7800 §3.2), or nil.
	HolderKey *keys.PublicKey
	// KeyBinding is the verified KB-JWT, or nil when there was none.
	KeyBinding *KeyBinding
}

// KeyBinding is a verified Key Binding JWT.
type KeyBinding struct {
	Header   map[string]any
	Claims   map[string]any
	IssuedAt time.Time
	Audience string
	Nonce    string
}

// Verify parses and verifies a presentation (an SD-JWT or SD-JWT+KB, compact
// or JSON serialized) and returns the processed payload. It applies RFC 9901
// §7.1 (the SD-JWT) and §7.3 (the Verifier's Key Binding checks).
func Verify(ctx context.Context, presentation string, opts VerifyOptions) (*Verified, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s, prefix, err := parse(presentation, opts.Limits)
	if err != nil {
		return nil, err
	}
	return s.verify(ctx, opts, prefix)
}

// Verify verifies an already parsed SD-JWT; see the package function Verify.
func (s *SDJWT) Verify(ctx context.Context, opts VerifyOptions) (*Verified, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return s.verify(ctx, opts, "")
}

func (o *VerifyOptions) validate() error {
	if len(o.Algorithms) == 0 {
		return fail(ErrConfig, "no signature algorithms allowed: set VerifyOptions.Algorithms")
	}
	for _, a := range o.Algorithms {
		if _, err := keys.ParseAlgorithm(string(a)); err != nil {
			return failWrap(ErrConfig, "allowed algorithms", err)
		}
	}
	if o.IssuerKey == nil {
		return fail(ErrConfig, "no issuer key: set VerifyOptions.IssuerKey")
	}
	for _, h := range o.HashAlgs {
		if !h.valid() {
			return fail(ErrConfig, fmt.Sprintf("unsupported digest algorithm %q", h))
		}
	}
	if o.ClockSkew < 0 || o.KeyBinding.MaxAge < 0 {
		return fail(ErrConfig, "negative clock skew or key binding age")
	}
	if o.KeyBinding.Required && !o.AsHolder && (o.KeyBinding.Audience == "" || o.KeyBinding.Nonce == "") {
		return fail(ErrConfig, "key binding required but no expected audience and nonce given")
	}
	return nil
}

// verify is Verify of s. sdHashInput is what the sd_hash of the KB-JWT is
// over when the presentation was parsed from the compact form (its text up
// to the last '~'), and "" when it must be made again from s.
func (s *SDJWT) verify(ctx context.Context, opts VerifyOptions, sdHashInput string) (*Verified, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()

	// §7.3 steps 1–2: the Verifier's policy, not the input, decides.
	if opts.AsHolder && s.KeyBinding != "" {
		return nil, fail(ErrKeyBinding, "an Issuer sends an SD-JWT, not an SD-JWT+KB (RFC 9901 §7.2)")
	}
	if !opts.AsHolder && opts.KeyBinding.Required && s.KeyBinding == "" {
		return nil, fail(ErrKeyBinding, "key binding is required but the presentation has no KB-JWT")
	}

	// §7.1 step 2: the Issuer-signed JWT.
	tok, payload, issuerKey, err := s.verifyIssuerJWT(ctx, opts)
	if err != nil {
		return nil, err
	}

	alg, err := payloadHashAlg(payload, opts.HashAlgs)
	if err != nil {
		return nil, err
	}

	// §7.1 steps 3–5.
	pr, err := process(payload, s.Disclosures, alg)
	if err != nil {
		return nil, err
	}

	// §7.1 step 6: validity claims of the processed payload.
	if err := checkTimes(pr.claims, t, opts.ClockSkew, "the SD-JWT"); err != nil {
		return nil, err
	}

	v := &Verified{
		Header:    tok.Header(),
		Claims:    pr.claims,
		Disclosed: pr.disclosed,
		HashAlg:   alg,
		IssuerKey: issuerKey,
	}
	holder, holderErr := holderKey(pr.claims)
	if holderErr != nil && !errors.Is(holderErr, keys.ErrUnsupportedKey) {
		return nil, holderErr
	}
	// A holder key of a type seoulid does not verify (RFC 9901's own
	// examples bind an RSA key) matters only when there is key binding to check.
	v.HolderKey = holder
	if s.KeyBinding != "" {
		if holderErr != nil {
			return nil, failWrap(ErrKeyBinding, "cannot check the KB-JWT", holderErr)
		}
		if sdHashInput == "" {
			sdHashInput = s.withoutKeyBinding()
		}
		if v.KeyBinding, err = s.verifyKeyBinding(v.HolderKey, alg, t, opts, sdHashInput); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// verifyIssuerJWT finds the key of the Issuer-signed JWT and verifies it
// (§7.1 step 2.1–2.3). With a General JSON serialization the first
// signature that verifies is taken.
func (s *SDJWT) verifyIssuerJWT(ctx context.Context, opts VerifyOptions) (*jws.Token, map[string]any, *keys.PublicKey, error) {
	tok, payload, key, firstErr := verifyOneIssuerJWT(ctx, s.JWT, opts)
	if firstErr == nil {
		return tok, payload, key, nil
	}
	for _, compact := range s.extraSignatures {
		tok, payload, key, err := verifyOneIssuerJWT(ctx, compact, opts)
		if err == nil {
			return tok, payload, key, nil
		}
	}
	return nil, nil, nil, firstErr
}

func verifyOneIssuerJWT(ctx context.Context, compact string, opts VerifyOptions) (*jws.Token, map[string]any, *keys.PublicKey, error) {
	tok, err := jws.Parse(compact, jws.Limits{MaxBytes: opts.Limits.withDefaults().MaxBytes})
	if err != nil {
		return nil, nil, nil, failWrap(ErrMalformed, "Issuer-signed JWT", err)
	}
	payload, err := jsonx.ParseObjectWithLimits(tok.UnsafePayload(), jsonx.Limits{MaxBytes: opts.Limits.withDefaults().MaxBytes})
	if err != nil {
		return nil, nil, nil, failWrap(ErrMalformed, "Issuer-signed JWT payload", err)
	}
	key, err := opts.IssuerKey(ctx, tok.Header(), payload)
	if err != nil {
		return nil, nil, nil, failWrap(ErrSignature, "cannot verify the Issuer-signed JWT", err)
	}
	if err := tok.Verify(key, opts.Algorithms); err != nil {
		if errors.Is(err, jws.ErrAlgorithm) {
			return nil, nil, nil, failWrap(ErrSignature, "Issuer-signed JWT", err)
		}
		return nil, nil, nil, fail(ErrSignature, "the Issuer-signed JWT signature does not verify with the issuer's key")
	}
	return tok, payload, key, nil
}

// holderKey reads "cnf"."jwk" (RFC 7800 §3.2) when present.
func holderKey(claims map[string]any) (*keys.PublicKey, error) {
	raw, ok := claims["cnf"]
	if !ok {
		return nil, nil
	}
	cnf, ok := raw.(map[string]any)
	if !ok {
		return nil, fail(ErrMalformed, fmt.Sprintf("cnf is %s, not an object", jsonx.Describe(raw)))
	}
	rawJWK, ok := cnf["jwk"]
	if !ok {
		return nil, nil // another confirmation method; key binding will say so if needed
	}
	m, ok := rawJWK.(map[string]any)
	if !ok {
		return nil, fail(ErrMalformed, fmt.Sprintf("cnf.jwk is %s, not an object", jsonx.Describe(rawJWK)))
	}
	k, err := keys.PublicKeyFromJWK(m)
	if err != nil {
		return nil, failWrap(ErrMalformed, "cnf.jwk", err)
	}
	return k, nil
}

// verifyKeyBinding applies §7.3 step 5.
func (s *SDJWT) verifyKeyBinding(holder *keys.PublicKey, alg HashAlg, now time.Time, opts VerifyOptions, sdHashInput string) (*KeyBinding, error) {
	if holder == nil {
		return nil, fail(ErrKeyBinding, "the SD-JWT has no holder key (cnf.jwk) to check the KB-JWT with")
	}
	tok, err := jws.Parse(s.KeyBinding, jws.Limits{})
	if err != nil {
		return nil, failWrap(ErrKeyBinding, "KB-JWT", err)
	}
	if typ := tok.HeaderString("typ"); typ != "kb+jwt" { // step 5.4
		return nil, fail(ErrKeyBinding, fmt.Sprintf("KB-JWT typ is %q, not \"kb+jwt\"", typ))
	}
	if err := tok.Verify(holder, opts.Algorithms); err != nil { // steps 5.2–5.3
		if errors.Is(err, jws.ErrAlgorithm) {
			return nil, failWrap(ErrKeyBinding, "KB-JWT", err)
		}
		return nil, fail(ErrKeyBinding, "the KB-JWT signature does not verify with the holder key in cnf.jwk")
	}
	body, _ := tok.Payload()
	claims, err := jsonx.ParseObjectWithLimits(body, jsonx.Limits{MaxBytes: 16 << 10, MaxDepth: 8})
	if err != nil {
		return nil, failWrap(ErrKeyBinding, "KB-JWT payload", err)
	}
	kb := &KeyBinding{Header: tok.Header(), Claims: claims}

	str := func(name string) (string, error) {
		v, ok := claims[name]
		if !ok {
			return "", fail(ErrKeyBinding, fmt.Sprintf("KB-JWT has no %q", name))
		}
		s, ok := v.(string)
		if !ok {
			return "", fail(ErrKeyBinding, fmt.Sprintf("KB-JWT %q is %s, not a string", name, jsonx.Describe(v)))
		}
		return s, nil
	}
	if kb.Audience, err = str("aud"); err != nil { // §4.3: a single string
		return nil, err
	}
	if kb.Nonce, err = str("nonce"); err != nil {
		return nil, err
	}
	sdHash, err := str("sd_hash")
	if err != nil {
		return nil, err
	}
	iat, ok := claims["iat"]
	if !ok {
		return nil, fail(ErrKeyBinding, `KB-JWT has no "iat"`)
	}
	iatTime, err := numericDate(iat, "KB-JWT", "iat")
	if err != nil {
		return nil, err
	}
	kb.IssuedAt = iatTime

	// Step 5.5: creation time within an acceptable window.
	maxAge := opts.KeyBinding.MaxAge
	if maxAge == 0 {
		maxAge = DefaultKeyBindingMaxAge
	}
	if iatTime.After(now.Add(opts.ClockSkew)) {
		return nil, fail(ErrKeyBinding, fmt.Sprintf("KB-JWT was issued in the future (iat %s, now %s)", iatTime.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	if iatTime.Before(now.Add(-maxAge - opts.ClockSkew)) {
		return nil, fail(ErrKeyBinding, fmt.Sprintf("KB-JWT is too old (iat %s, accepted for %s)", iatTime.UTC().Format(time.RFC3339), maxAge))
	}
	// Step 5.6: bound to this transaction and this Verifier.
	if want := opts.KeyBinding.Audience; want != "" && kb.Audience != want {
		return nil, fail(ErrKeyBinding, fmt.Sprintf("KB-JWT audience is %q, expected %q", kb.Audience, want))
	}
	if want := opts.KeyBinding.Nonce; want != "" && kb.Nonce != want {
		return nil, fail(ErrKeyBinding, "KB-JWT nonce does not match the nonce of this transaction")
	}
	// Step 5.7: sd_hash over the SD-JWT as presented.
	var want [86]byte
	if string(alg.appendDigest(want[:0], sdHashInput)) != sdHash {
		return nil, fail(ErrKeyBinding, "KB-JWT sd_hash does not match the presented SD-JWT (disclosures added, removed or changed?)")
	}
	// Step 5.8: the KB-JWT is a valid JWT in other respects.
	if err := checkTimes(claims, now, opts.ClockSkew, "the KB-JWT"); err != nil {
		return nil, &Error{Kind: ErrKeyBinding, Msg: err.(*Error).Msg}
	}
	return kb, nil
}

// checkTimes applies exp, nbf and iat (RFC 7519 §4.1.4–4.1.6) when present.
func checkTimes(claims map[string]any, now time.Time, skew time.Duration, what string) error {
	if v, ok := claims["exp"]; ok {
		exp, err := numericDate(v, what, "exp")
		if err != nil {
			return err
		}
		if !now.Before(exp.Add(skew)) {
			return fail(ErrExpired, fmt.Sprintf("%s expired at %s", what, exp.UTC().Format(time.RFC3339)))
		}
	}
	if v, ok := claims["nbf"]; ok {
		nbf, err := numericDate(v, what, "nbf")
		if err != nil {
			return err
		}
		if now.Add(skew).Before(nbf) {
			return fail(ErrNotYetValid, fmt.Sprintf("%s is not valid before %s", what, nbf.UTC().Format(time.RFC3339)))
		}
	}
	if v, ok := claims["iat"]; ok {
		iat, err := numericDate(v, what, "iat")
		if err != nil {
			return err
		}
		if now.Add(skew).Before(iat) {
			return fail(ErrNotYetValid, fmt.Sprintf("%s was issued in the future (iat %s)", what, iat.UTC().Format(time.RFC3339)))
		}
	}
	return nil
}

// numericDate reads a JWT NumericDate (RFC 7519 §2): seconds since the
// epoch, possibly with a fraction. what and claim name it in errors.
func numericDate(v any, what, claim string) (time.Time, error) {
	if i, ok := jsonx.Int64(v); ok {
		if i < 0 || i > 1<<40 {
			return time.Time{}, fail(ErrMalformed, fmt.Sprintf("%s %s %d is out of range", what, claim, i))
		}
		return time.Unix(i, 0), nil
	}
	f, ok := jsonx.Float64(v)
	if !ok || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, fail(ErrMalformed, fmt.Sprintf("%s %s is not a NumericDate", what, claim))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
