package sdjwtvc

import (
	"context"
	"fmt"
	"strings"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// DIDResolver resolves a DID to its document: did.LocalResolver for
// did:key and did:jwk, the registry's client for did:seoul.
type DIDResolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// DIDKeys is the KeyResolver for issuers identified by a DID: "iss" is the
// DID, the header's "kid" a DID URL of that DID (absolute, or a relative
// "#fragment"), and the key must be one the DID document authorizes for
// assertionMethod (DID Core §5.3.2) — the relationship for issuing
// credentials.
type DIDKeys struct {
	Resolver DIDResolver
}

// IssuerKey implements KeyResolver.
func (d DIDKeys) IssuerKey(ctx context.Context, iss string, header map[string]any) (*keys.PublicKey, error) {
	if d.Resolver == nil {
		return nil, fmt.Errorf("%w: no DID resolver", ErrConfig)
	}
	issDID, err := did.Parse(iss)
	if err != nil {
		return nil, fmt.Errorf("%w: iss: %w", ErrIssuerKey, err)
	}
	kidRaw, ok := header["kid"]
	if !ok {
		return nil, fmt.Errorf("%w: the JWT has no kid naming a key of %s", ErrIssuerKey, iss)
	}
	kid, ok := kidRaw.(string)
	if !ok {
		return nil, fmt.Errorf("%w: kid is %s, not a DID URL", ErrIssuerKey, jsonx.Describe(kidRaw))
	}
	ref, err := did.ResolveReference(issDID, kid)
	if err != nil {
		return nil, fmt.Errorf("%w: kid: %w", ErrIssuerKey, err)
	}
	// The key must be the issuer's own: a kid pointing into another DID
	// would let anyone with a DID sign as iss.
	if ref.DID != issDID {
		return nil, fmt.Errorf("%w: kid %s is not a key of the issuer %s", ErrIssuerKey, kid, iss)
	}
	k, err := did.VerificationKey(ctx, d.Resolver, ref.String(), did.AssertionMethod)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerKey, err)
	}
	return k, nil
}

// ByIssuer chooses the key discovery mechanism from the form of "iss"
// alone, so that whoever made the credential cannot choose it (§8.3): a
// DID goes to DID, an https URL to HTTPS. A nil field refuses issuers of
// that form.
type ByIssuer struct {
	DID   KeyResolver // for iss = "did:…"
	HTTPS KeyResolver // for iss = "https://…" (JWT VC Issuer Metadata)
}

// IssuerKey implements KeyResolver.
func (b ByIssuer) IssuerKey(ctx context.Context, iss string, header map[string]any) (*keys.PublicKey, error) {
	var r KeyResolver
	switch {
	case strings.HasPrefix(iss, "did:"):
		r = b.DID
	case strings.HasPrefix(iss, "https://"):
		r = b.HTTPS
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no way to find keys of issuer %q (DID and https issuers are supported by configuration)", ErrIssuerKey, iss)
	}
	return r.IssuerKey(ctx, iss, header)
}
