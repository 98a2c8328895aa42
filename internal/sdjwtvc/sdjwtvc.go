package sdjwtvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Media types (typ header values) of SD-JWT VCs (§3.1, §3.2.1).
const (
	MediaType       = "dc+sd-jwt"
	LegacyMediaType = "vc+sd-jwt" // earlier drafts; accepted on input, never issued
)

// Errors callers branch on, besides those of package sdjwt (which are passed
// through: errors.Is(err, sdjwt.ErrExpired) works on what Verify returns).
var (
	ErrType       = errors.New("sdjwtvc: not an SD-JWT VC")
	ErrIssuerKey  = errors.New("sdjwtvc: issuer key not found")
	ErrInvalid    = errors.New("sdjwtvc: invalid SD-JWT VC")
	ErrConfig     = errors.New("sdjwtvc: invalid configuration")
	ErrCredential = errors.New("sdjwtvc: cannot issue")
)

// neverDisclosable are the registered claims that MUST NOT be selectively
// disclosed, "including any of their sub-claims" (§3.2.2.2).
var neverDisclosable = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"}

// isNeverDisclosable is slices.Contains(neverDisclosable, name), by a switch.
func isNeverDisclosable(name string) bool {
	switch name {
	case "iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status":
		return true
	}
	return false
}

// Credential is what an issuer asserts in an SD-JWT VC.
type Credential struct {
	// VCT is the credential type (§3.2.2.1). Required.
	VCT string
	// VCTIntegrity is "vct#integrity", the integrity metadata of the
	// type's Type Metadata document (see Integrity); empty means none.
	VCTIntegrity string
	// Issuer is "iss". Required by seoulid, which finds issuer keys by it.
	Issuer string
	// IssuedAt is "iat"; zero means the time of issuance.
	IssuedAt time.Time
	// NotBefore is "nbf"; zero means none.
	NotBefore time.Time
	// Expiry is "exp"; zero means none.
	Expiry time.Time
	// Holder is the key the credential is bound to ("cnf"."jwk", RFC 7800
	// §3.2); nil means no key binding.
	Holder *keys.PublicKey
	// Status is the "status" claim (a Token Status List reference), passed
	// through as given; nil means none.
	Status map[string]any
	// Claims are the other claims: "sub" and anything the type defines.
	// They must not repeat a claim set by a field above.
	Claims map[string]any
	// Disclosable lists the claims, as paths into Claims, that the holder
	// may withhold. None of them may be a claim of §3.2.2.2's list.
	Disclosable []sdjwt.Path
}

// IssueOptions tune issuance. The zero value issues with SHA-256, no decoys
// and crypto/rand.
type IssueOptions struct {
	HashAlg sdjwt.HashAlg // zero means sha-256
	Decoys  int           // most decoys per "_sd" array; zero means none
	Rand    io.Reader     // nil means crypto/rand
	Now     func() time.Time
}

// Issue makes an SD-JWT VC of c signed by signer, with typ "dc+sd-jwt".
func Issue(ctx context.Context, signer sdjwt.Signer, c Credential, opts IssueOptions) (*sdjwt.SDJWT, error) {
	claims, err := c.payload(opts.Now)
	if err != nil {
		return nil, err
	}
	return sdjwt.Issue(ctx, signer, claims, sdjwt.IssueOptions{
		Disclosable: c.Disclosable,
		Header:      issueHeader,
		HashAlg:     opts.HashAlg,
		Decoys:      opts.Decoys,
		Rand:        opts.Rand,
	})
}

// issueHeader is the protected header of every SD-JWT VC issued. It is
// shared and must not be modified; sdjwt.Issue and jws.Sign only read it.
var issueHeader = map[string]any{"typ": MediaType}

func (c Credential) payload(now func() time.Time) (map[string]any, error) {
	if c.VCT == "" {
		return nil, fmt.Errorf("%w: no vct (credential type)", ErrCredential)
	}
	if c.Issuer == "" {
		return nil, fmt.Errorf("%w: no iss (issuer)", ErrCredential)
	}
	for _, p := range c.Disclosable {
		if len(p) == 0 {
			continue
		}
		if name, ok := p[0].(string); ok && (isNeverDisclosable(name) || name == "iat" && len(p) > 1) {
			return nil, fmt.Errorf("%w: %s cannot be selectively disclosed in an SD-JWT VC", ErrCredential, p)
		}
	}
	out := make(map[string]any, len(c.Claims)+7)
	for k, v := range c.Claims {
		if isNeverDisclosable(k) || k == "iat" {
			return nil, fmt.Errorf("%w: claim %q is set by the credential's own field, not in Claims", ErrCredential, k)
		}
		out[k] = v
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		if now == nil {
			now = time.Now
		}
		iat = now()
	}
	out["vct"] = c.VCT
	if c.VCTIntegrity != "" {
		out["vct#integrity"] = c.VCTIntegrity
	}
	out["iss"] = c.Issuer
	out["iat"] = iat.Unix()
	if !c.NotBefore.IsZero() {
		out["nbf"] = c.NotBefore.Unix()
	}
	if !c.Expiry.IsZero() {
		if !c.Expiry.After(iat) {
			return nil, fmt.Errorf("%w: expiry %s is not after issuance %s", ErrCredential, c.Expiry.UTC().Format(time.RFC3339), iat.UTC().Format(time.RFC3339))
		}
		out["exp"] = c.Expiry.Unix()
	}
	if c.Holder != nil {
		jwk := c.Holder.JWK()
		delete(jwk, "kid") // the holder's key id is the holder's business
		out["cnf"] = map[string]any{"jwk": jwk}
	}
	if c.Status != nil {
		out["status"] = c.Status
	}
	return out, nil
}

// KeyResolver finds the public key that signed an SD-JWT VC's
// Issuer-signed JWT, given the unverified "iss" and protected header. It
// must only return a key that belongs to iss (§3.5).
type KeyResolver interface {
	IssuerKey(ctx context.Context, iss string, header map[string]any) (*keys.PublicKey, error)
}

// Config is a Verifier's policy. Algorithms is required.
type Config struct {
	// Algorithms the issuer and holder may sign with. Required.
	Algorithms []keys.Algorithm
	// HashAlgs are the acceptable "_sd_alg" values; empty means
	// sdjwt.DefaultHashAlgs.
	HashAlgs []sdjwt.HashAlg
	// ClockSkew is the tolerance on exp, nbf and iat; zero means none.
	ClockSkew time.Duration
	// KeyBindingMaxAge is how old a KB-JWT may be; zero means
	// sdjwt.DefaultKeyBindingMaxAge.
	KeyBindingMaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies SD-JWT VCs.
type Verifier struct {
	keys KeyResolver
	cfg  Config
}

// NewVerifier checks cfg and returns a Verifier that finds issuer keys with r.
func NewVerifier(r KeyResolver, cfg Config) (*Verifier, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no key resolver", ErrConfig)
	}
	if len(cfg.Algorithms) == 0 {
		return nil, fmt.Errorf("%w: no signature algorithms allowed", ErrConfig)
	}
	for _, a := range cfg.Algorithms {
		if _, err := keys.ParseAlgorithm(string(a)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if cfg.ClockSkew < 0 || cfg.KeyBindingMaxAge < 0 {
		return nil, fmt.Errorf("%w: negative durations", ErrConfig)
	}
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	return &Verifier{keys: r, cfg: cfg}, nil
}

// Presentation is what a Verifier expects of one presentation.
type Presentation struct {
	// RequireKeyBinding requires a KB-JWT by the credential's holder key.
	RequireKeyBinding bool
	// Audience and Nonce are the expected "aud" and "nonce" of the KB-JWT;
	// required when RequireKeyBinding is set.
	Audience, Nonce string
}

// Verified is a verified SD-JWT VC.
type Verified struct {
	VCT       string
	Issuer    string
	IssuedAt  time.Time // zero when absent
	NotBefore time.Time // zero when absent
	Expiry    time.Time // zero when absent
	Status    map[string]any
	// Claims is the processed payload, registered claims included.
	Claims map[string]any
	// SDJWT is the underlying SD-JWT verification: disclosures, keys, KB-JWT.
	SDJWT *sdjwt.Verified
}

// Verify verifies a presentation of an SD-JWT VC: RFC 9901 §7.1 and §7.3
// through package sdjwt, then the SD-JWT VC rules of §3.4 — the typ, the vct,
// the issuer's key found through the KeyResolver by "iss", and registered
// claims that must not have been disclosed selectively.
func (v *Verifier) Verify(ctx context.Context, presentation string, p Presentation) (*Verified, error) {
	return v.verify(ctx, presentation, sdjwt.KeyBindingPolicy{
		Required: p.RequireKeyBinding,
		Audience: p.Audience,
		Nonce:    p.Nonce,
		MaxAge:   v.cfg.KeyBindingMaxAge,
	}, false)
}

// VerifyIssued verifies an SD-JWT VC as its holder does on receiving it
// from the issuer (RFC 9901 §7.2): an SD-JWT+KB is refused.
func (v *Verifier) VerifyIssued(ctx context.Context, credential string) (*Verified, error) {
	return v.verify(ctx, credential, sdjwt.KeyBindingPolicy{}, true)
}

func (v *Verifier) verify(ctx context.Context, s string, kb sdjwt.KeyBindingPolicy, asHolder bool) (*Verified, error) {
	res, err := sdjwt.Verify(ctx, s, sdjwt.VerifyOptions{
		Algorithms: v.cfg.Algorithms,
		IssuerKey:  v.issuerKey,
		HashAlgs:   v.cfg.HashAlgs,
		KeyBinding: kb,
		Now:        v.cfg.Now,
		ClockSkew:  v.cfg.ClockSkew,
		AsHolder:   asHolder,
	})
	if err != nil {
		return nil, err
	}
	return checkVC(res)
}

// issuerKey is the sdjwt.KeyFunc: typ first, so that a JWT of another kind
// is refused before any key lookup (RFC 8725 §3.11).
func (v *Verifier) issuerKey(ctx context.Context, header, claims map[string]any) (*keys.PublicKey, error) {
	if typ, _ := header["typ"].(string); typ != MediaType && typ != LegacyMediaType {
		return nil, fmt.Errorf("%w: typ is %q, not %q", ErrType, typ, MediaType)
	}
	iss, ok := claims["iss"].(string)
	if !ok || iss == "" {
		return nil, fmt.Errorf("%w: no iss to find the issuer's key by", ErrIssuerKey)
	}
	k, err := v.keys.IssuerKey(ctx, iss, header)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, fmt.Errorf("%w: no key for %s", ErrIssuerKey, iss)
	}
	return k, nil
}

func checkVC(res *sdjwt.Verified) (*Verified, error) {
	c := res.Claims
	out := &Verified{Claims: c, SDJWT: res}
	vct, ok := c["vct"].(string)
	if !ok || vct == "" {
		return nil, fmt.Errorf("%w: no vct (credential type)", ErrInvalid)
	}
	out.VCT = vct
	out.Issuer, _ = c["iss"].(string)
	for _, d := range res.Disclosed {
		if name, ok := d.Path[0].(string); ok && isNeverDisclosable(name) {
			return nil, fmt.Errorf("%w: %s was selectively disclosed, which §3.2.2.2 forbids", ErrInvalid, d.Path)
		}
	}
	if raw, ok := c["status"]; ok {
		st, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: status is %s, not an object", ErrInvalid, jsonx.Describe(raw))
		}
		out.Status = st
	}
	for _, t := range [...]struct {
		name string
		into *time.Time
	}{{"iat", &out.IssuedAt}, {"nbf", &out.NotBefore}, {"exp", &out.Expiry}} {
		name, into := t.name, t.into
		if raw, ok := c[name]; ok {
			sec, ok := jsonx.Int64(raw)
			if !ok {
				f, _ := jsonx.Float64(raw)
				sec = int64(f)
			}
			*into = time.Unix(sec, 0)
		}
	}
	return out, nil
}

// FixedKey is a KeyResolver that returns one key whatever the issuer: for a
// person at a command line who has been handed the issuer's key, and for
// tests. It is not a trust decision a service should make.
func FixedKey(k *keys.PublicKey) KeyResolver { return fixedKey{k} }

type fixedKey struct{ k *keys.PublicKey }

func (f fixedKey) IssuerKey(context.Context, string, map[string]any) (*keys.PublicKey, error) {
	return f.k, nil
}
