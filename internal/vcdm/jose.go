package vcdm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// The enveloping form of VC-JOSE-COSE §3.1.1: a compact JWS whose payload
// is the credential and whose typ is vc+jwt.
const (
	MediaTypeVCJWT = "application/vc+jwt"
	TypVCJWT       = "vc+jwt"
)

// ErrJOSE is wrapped by every refusal of VerifyJOSE that is not the data
// model's (ErrInvalid).
var ErrJOSE = errors.New("vcdm: vc+jwt does not verify")

// Resolver resolves the DID of the key id.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// IssuerID returns the credential's issuer URL: the issuer property, or
// its id when it is an object ("" when neither).
func IssuerID(doc map[string]any) string {
	switch iss := doc["issuer"].(type) {
	case string:
		return iss
	case map[string]any:
		s, _ := iss["id"].(string)
		return s
	}
	return ""
}

// SignJOSE secures the credential doc as application/vc+jwt (VC-JOSE-COSE
// §3.1.1): doc is checked (Check), must carry no embedded proof, and its
// issuer must be the DID of s's key id.
func SignJOSE(ctx context.Context, doc map[string]any, s jws.Signer) (string, error) {
	if err := Check(doc); err != nil {
		return "", err
	}
	if _, ok := doc["proof"]; ok {
		return "", fmt.Errorf("%w: an enveloped credential carries no embedded proof", ErrInvalid)
	}
	d, _, _ := strings.Cut(s.KeyID(), "#")
	if iss := IssuerID(doc); iss != d {
		return "", fmt.Errorf("vcdm: the credential's issuer %q is not the signer's DID %q", iss, d)
	}
	payload, err := jsonx.Marshal(doc)
	if err != nil {
		return "", err
	}
	return jws.Sign(ctx, s, map[string]any{"typ": TypVCJWT, "cty": "vc"}, payload)
}

// VerifyJOSE verifies an application/vc+jwt credential and returns it: the
// JWS with typ vc+jwt, by an algorithm of algs, signed by the key its kid
// names (a DID URL, resolved with r, in the DID's assertionMethod), whose
// DID is the credential's issuer; the payload a credential Check accepts.
func VerifyJOSE(ctx context.Context, token string, r Resolver, algs []keys.Algorithm) (map[string]any, error) {
	cred, signer, err := openEnvelope(ctx, token, TypVCJWT, did.AssertionMethod, r, algs)
	if err != nil {
		return nil, err
	}
	if err := Check(cred); err != nil {
		return nil, err
	}
	if _, ok := cred["proof"]; ok {
		return nil, fmt.Errorf("%w: an enveloped credential carries no embedded proof", ErrInvalid)
	}
	if iss := IssuerID(cred); iss != signer {
		return nil, fmt.Errorf("%w: the credential's issuer %q did not sign it (%s did)", ErrJOSE, iss, signer)
	}
	return cred, nil
}

// KeyHistory is a Resolver that knows a DID's keys as they were (the
// registry's client): an envelope is then checked with the key its kid
// named when it was made, so that a rotation does not undo what the old
// key signed.
type KeyHistory interface {
	KeyAt(ctx context.Context, kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error)
}

// madeAt is when an envelope says it was made: its payload's iat, else
// validFrom; zero when it says neither.
func madeAt(payload []byte) time.Time {
	var p struct {
		IAT       json.Number `json:"iat"`
		ValidFrom string      `json:"validFrom"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return time.Time{}
	}
	if n, err := p.IAT.Int64(); err == nil && n > 0 {
		return time.Unix(n, 0)
	}
	t, _ := time.Parse(time.RFC3339Nano, p.ValidFrom)
	return t
}

// openEnvelope verifies a compact JWS of typ, by an algorithm of algs,
// signed by the key its kid names (a DID URL resolved with r, in the DID's
// rel relationship), and returns its payload object and the signer's DID.
func openEnvelope(ctx context.Context, token, typ string, rel did.RelationshipKind, r Resolver, algs []keys.Algorithm) (map[string]any, string, error) {
	if len(algs) == 0 {
		return nil, "", errors.New("vcdm: an algorithm allow-list is required")
	}
	t, err := jws.Parse(token, jws.Limits{MaxBytes: 256 << 10})
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	if got := t.HeaderString("typ"); got != typ {
		return nil, "", fmt.Errorf("%w: typ %q, not %s", ErrJOSE, got, typ)
	}
	kid := t.HeaderString("kid")
	d, frag, ok := strings.Cut(kid, "#")
	if !ok || frag == "" || !strings.HasPrefix(d, "did:") {
		return nil, "", fmt.Errorf("%w: kid %q is not a DID URL", ErrJOSE, kid)
	}
	var key *keys.PublicKey
	if kh, ok := r.(KeyHistory); ok {
		// The key as the DID had it when the envelope was made (validFrom
		// of a credential, iat of a presentation: read before the
		// signature is checked, and then only that key may have signed).
		if at := madeAt(t.UnsafePayload()); !at.IsZero() {
			if key, err = kh.KeyAt(ctx, kid, rel, at); err != nil {
				return nil, "", fmt.Errorf("%w: %w", ErrJOSE, err)
			}
		}
	}
	if key == nil {
		doc, err := r.Resolve(ctx, d)
		if err != nil {
			return nil, "", fmt.Errorf("%w: resolving %s: %w", ErrJOSE, d, err)
		}
		if key, err = doc.Key(kid, rel); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrJOSE, err)
		}
	}
	if err := t.Verify(key, algs); err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	payload, err := t.Payload()
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	m, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: 256 << 10, MaxDepth: 32})
	if err != nil {
		return nil, "", fmt.Errorf("%w: the payload: %w", ErrJOSE, err)
	}
	return m, d, nil
}

// The enveloping form of a presentation (VC-JOSE-COSE §3.2.1).
const (
	MediaTypeVPJWT = "application/vp+jwt"
	TypVPJWT       = "vp+jwt"
)

// SignJOSEPresentation secures the presentation vp as application/vp+jwt
// (VC-JOSE-COSE §3.2.1), signed by the holder's key s (its DID the holder
// when vp names one), with nonce and aud claims when given (the
// verifier's challenge and domain).
func SignJOSEPresentation(ctx context.Context, vp map[string]any, s jws.Signer, nonce, aud string) (string, error) {
	if err := CheckPresentation(vp); err != nil {
		return "", err
	}
	d, _, _ := strings.Cut(s.KeyID(), "#")
	if h := IssuerID(map[string]any{"issuer": vp["holder"]}); h != "" && h != d {
		return "", fmt.Errorf("vcdm: the presentation's holder %q is not the signer's DID %q", h, d)
	}
	claims := make(map[string]any, len(vp)+2)
	for k, v := range vp {
		claims[k] = v
	}
	claims["iat"] = time.Now().Unix()
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if aud != "" {
		claims["aud"] = aud
	}
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		return "", err
	}
	return jws.Sign(ctx, s, map[string]any{"typ": TypVPJWT, "cty": "vp"}, payload)
}

// VerifyJOSEPresentation verifies an application/vp+jwt presentation and
// returns it with its signer's DID: typ vp+jwt, signed by a key in the
// authentication of its kid's DID, which is the presentation's holder when
// it names one; its nonce and aud claims equal nonce and aud when those
// are given (a verifier's challenge and domain); the payload a
// presentation CheckPresentation accepts. Its credentials are the
// caller's to verify.
func VerifyJOSEPresentation(ctx context.Context, token string, r Resolver, algs []keys.Algorithm, nonce, aud string) (map[string]any, string, error) {
	vp, signer, err := openEnvelope(ctx, token, TypVPJWT, did.Authentication, r, algs)
	if err != nil {
		return nil, "", err
	}
	if err := CheckPresentation(vp); err != nil {
		return nil, "", err
	}
	if h := IssuerID(map[string]any{"issuer": vp["holder"]}); h != "" && h != signer {
		return nil, "", fmt.Errorf("%w: the holder %q did not sign the presentation (%s did)", ErrJOSE, h, signer)
	}
	if nonce != "" && vp["nonce"] != nonce {
		return nil, "", fmt.Errorf("%w: the nonce is not the verifier's challenge", ErrJOSE)
	}
	if aud != "" && !audience(vp["aud"], aud) {
		return nil, "", fmt.Errorf("%w: the aud is not the verifier's domain", ErrJOSE)
	}
	return vp, signer, nil
}

func audience(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		for _, e := range x {
			if e == want {
				return true
			}
		}
	}
	return false
}
