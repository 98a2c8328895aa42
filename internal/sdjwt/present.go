package sdjwt

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
)

// HolderView is what a Holder sees of an SD-JWT it holds: every claim with
// every Disclosure applied, and where each Disclosure sits.
type HolderView struct {
	Header    map[string]any
	Claims    map[string]any
	Disclosed []Disclosed
	HashAlg   HashAlg
}

// UnverifiedHolderView processes the SD-JWT with all its Disclosures
// without verifying the Issuer's signature. A Holder verifies an SD-JWT once,
// when it receives it (Verify with AsHolder); this is for working with it
// afterwards — showing it, choosing what to present. It still applies every
// digest rule of §7.1.
func (s *SDJWT) UnverifiedHolderView() (*HolderView, error) {
	header, payload, alg, err := s.unverifiedPayload()
	if err != nil {
		return nil, err
	}
	pr, err := process(payload, s.Disclosures, alg)
	if err != nil {
		return nil, err
	}
	return &HolderView{Header: header, Claims: pr.claims, Disclosed: pr.disclosed, HashAlg: alg}, nil
}

// UnverifiedIssuerJWT returns the Issuer-signed JWT's header and payload
// as they are, without verifying the signature and without applying any
// Disclosure: what a Verifier reads to find the key to verify it with
// (the kid, the iss, the iat). Nothing in it is to be trusted; a claim
// the Issuer made selectively disclosable is not in it.
func (s *SDJWT) UnverifiedIssuerJWT() (header, payload map[string]any, err error) {
	tok, err := jws.Parse(s.JWT, jws.Limits{MaxBytes: defaultMaxBytes})
	if err != nil {
		return nil, nil, failWrap(ErrMalformed, "Issuer-signed JWT", err)
	}
	payload, err = jsonx.ParseObjectWithLimits(tok.UnsafePayload(), jsonx.Limits{MaxBytes: defaultMaxBytes})
	if err != nil {
		return nil, nil, failWrap(ErrMalformed, "Issuer-signed JWT payload", err)
	}
	return tok.Header(), payload, nil
}

// unverifiedPayload is UnverifiedIssuerJWT with the payload's digest
// algorithm read too: for the Holder's own use of an SD-JWT it verified on
// receipt.
func (s *SDJWT) unverifiedPayload() (header, payload map[string]any, alg HashAlg, err error) {
	header, payload, err = s.UnverifiedIssuerJWT()
	if err != nil {
		return nil, nil, "", err
	}
	if alg, err = payloadHashAlg(payload, nil); err != nil {
		return nil, nil, "", err
	}
	return header, payload, alg, nil
}

// payloadHashAlg reads "_sd_alg" (§4.1.1: sha-256 when absent) and checks
// it is on allowed, DefaultHashAlgs when empty (§7.1 step 2.5).
func payloadHashAlg(payload map[string]any, allowed []HashAlg) (HashAlg, error) {
	alg := SHA256
	if v, ok := payload["_sd_alg"]; ok {
		name, ok := v.(string)
		if !ok {
			return "", fail(ErrMalformed, fmt.Sprintf("_sd_alg is %s, not a string", jsonx.Describe(v)))
		}
		alg = HashAlg(name)
	}
	if len(allowed) == 0 {
		allowed = DefaultHashAlgs
	}
	if !slices.Contains(allowed, alg) {
		return "", fail(ErrMalformed, fmt.Sprintf("_sd_alg %q is not an accepted digest algorithm", string(alg)))
	}
	return alg, nil
}

// Select returns the SD-JWT with only the Disclosures needed to reveal the
// claims at paths (RFC 9901 §7.2, presentation steps 1–3): for each path,
// the Disclosures of the claim itself and of everything inside it, and the
// Disclosures of the claims that contain it (without which the Verifier
// could not place it, §4.2.6). Claims that are always disclosed need none. A
// path that names no claim is an error, so a typo never silently discloses
// less than was meant. The KB-JWT, if any, is dropped.
func (s *SDJWT) Select(paths ...Path) (*SDJWT, error) {
	view, err := s.UnverifiedHolderView()
	if err != nil {
		return nil, err
	}
	return view.selectFrom(s, paths)
}

func (v *HolderView) selectFrom(s *SDJWT, paths []Path) (*SDJWT, error) {
	keep := make([]bool, len(s.Disclosures))
	include := func(i int) {
		for ; i >= 0 && !keep[i]; i = v.Disclosed[i].Parent {
			keep[i] = true
		}
	}
	for _, p := range paths {
		if err := p.validate(); err != nil {
			return nil, failWrap(ErrPresent, "claim path", err)
		}
		if !exists(v.Claims, p) {
			return nil, fail(ErrPresent, fmt.Sprintf("no claim at %s", p))
		}
		for i, d := range v.Disclosed {
			switch {
			case p.prefixOf(d.Path): // the claim itself or something inside it
				include(i)
			case len(d.Path) < len(p) && p[:len(d.Path)].prefixOf(d.Path): // a claim containing it
				include(i)
			}
		}
	}
	out := &SDJWT{JWT: s.JWT, extraSignatures: s.extraSignatures}
	for i, d := range s.Disclosures {
		if keep[i] {
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	return out, nil
}

// Selects reports whether the path, read as a pattern (nil for every
// element), names at least one claim in v — a JSON value such as a claims
// object. Indexes count v's elements as they are.
func (p Path) Selects(v any) bool { return exists(v, p) }

// exists reports whether pattern p names at least one claim in v.
func exists(v any, p Path) bool {
	if len(p) == 0 {
		return true
	}
	switch e := p[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		c, ok := m[e]
		return ok && exists(c, p[1:])
	case int:
		a, ok := v.([]any)
		return ok && e < len(a) && exists(a[e], p[1:])
	case nil:
		a, ok := v.([]any)
		if !ok {
			return false
		}
		return slices.ContainsFunc(a, func(x any) bool { return exists(x, p[1:]) })
	}
	return false
}

// KeyBindingInput is what the Holder binds a presentation to (§4.3).
type KeyBindingInput struct {
	Audience string    // the Verifier, as the Verifier names itself; required
	Nonce    string    // the Verifier's fresh nonce; required
	IssuedAt time.Time // zero means now
}

// WithKeyBinding returns the SD-JWT+KB: the SD-JWT with a Key Binding JWT
// signed by the Holder's key over its sd_hash (§4.3, §4.3.1). signer must
// hold the private key of the SD-JWT's cnf.jwk; the Verifier checks that.
func (s *SDJWT) WithKeyBinding(ctx context.Context, signer Signer, in KeyBindingInput) (*SDJWT, error) {
	if signer == nil {
		return nil, fail(ErrPresent, "no holder key to sign the KB-JWT")
	}
	if in.Audience == "" || in.Nonce == "" {
		return nil, fail(ErrPresent, "a KB-JWT needs the Verifier's audience and nonce")
	}
	_, _, alg, err := s.unverifiedPayload()
	if err != nil {
		return nil, err
	}
	iat := in.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	out := &SDJWT{JWT: s.JWT, Disclosures: s.Disclosures, extraSignatures: s.extraSignatures}
	claims := map[string]any{
		"iat":     iat.Unix(),
		"aud":     in.Audience,
		"nonce":   in.Nonce,
		"sd_hash": alg.Digest(out.withoutKeyBinding()),
	}
	body, err := jsonx.Marshal(claims)
	if err != nil {
		return nil, failWrap(ErrPresent, "KB-JWT", err)
	}
	// No "kid" in the KB-JWT header: the Verifier takes the key from cnf,
	// and a holder key id would only be one more handle to link
	// presentations by.
	kb, err := jws.Sign(ctx, anonymous{signer}, map[string]any{"typ": "kb+jwt"}, body)
	if err != nil {
		return nil, failWrap(ErrPresent, "KB-JWT", err)
	}
	out.KeyBinding = kb
	return out, nil
}

// anonymous hides a signer's key id.
type anonymous struct{ Signer }

func (anonymous) KeyID() string { return "" }
