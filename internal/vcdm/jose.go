package vcdm

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	if len(algs) == 0 {
		return nil, errors.New("vcdm: an algorithm allow-list is required")
	}
	t, err := jws.Parse(token, jws.Limits{MaxBytes: 256 << 10})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	if typ := t.HeaderString("typ"); typ != TypVCJWT {
		return nil, fmt.Errorf("%w: typ %q, not %s", ErrJOSE, typ, TypVCJWT)
	}
	kid := t.HeaderString("kid")
	d, frag, ok := strings.Cut(kid, "#")
	if !ok || frag == "" || !strings.HasPrefix(d, "did:") {
		return nil, fmt.Errorf("%w: kid %q is not a DID URL", ErrJOSE, kid)
	}
	doc, err := r.Resolve(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("%w: resolving %s: %w", ErrJOSE, d, err)
	}
	key, err := doc.Key(kid, did.AssertionMethod)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	if err := t.Verify(key, algs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	payload, err := t.Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJOSE, err)
	}
	cred, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: 256 << 10, MaxDepth: 32})
	if err != nil {
		return nil, fmt.Errorf("%w: the payload: %w", ErrJOSE, err)
	}
	if err := Check(cred); err != nil {
		return nil, err
	}
	if _, ok := cred["proof"]; ok {
		return nil, fmt.Errorf("%w: an enveloped credential carries no embedded proof", ErrInvalid)
	}
	if iss := IssuerID(cred); iss != d {
		return nil, fmt.Errorf("%w: the credential's issuer %q did not sign it (%s did)", ErrJOSE, iss, d)
	}
	return cred, nil
}
