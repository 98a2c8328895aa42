package did

import (
	"context"
	"fmt"

	"github.com/seoulid/seoulid/internal/keys"
)

// LocalResolver resolves the DID methods whose documents follow from the
// DID alone: did:key (ResolveKey) and did:jwk (ResolveJWK). It does no I/O.
// The zero value is ready to use.
type LocalResolver struct{}

// Resolve returns the DID document of a did:key or did:jwk (DID Core §7.1,
// without resolution metadata). DIDs of other methods fail with
// ErrMethodNotSupported; a DID URL (with a fragment, say) fails with
// ErrInvalidDID: resolve its DID, see VerificationKey.
func (LocalResolver) Resolve(ctx context.Context, did string) (*Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	switch d.Method {
	case "key":
		return ResolveKey(did)
	case "jwk":
		return ResolveJWK(did)
	default:
		return nil, fmt.Errorf("%w: %s (this resolver handles did:key and did:jwk)", ErrMethodNotSupported, quote("did:"+d.Method))
	}
}

// VerificationKey finds the key that a DID URL such as a JWS "kid" names and
// checks that the DID's document authorizes it for rel: it parses kidURL,
// which must be an absolute DID URL with a fragment, resolves its DID with r,
// checks that r returned the document of that DID, and calls Document.Key.
//
// r is any resolver, LocalResolver or one that looks DIDs up, and must not
// be nil; its errors are returned as they are. VerificationKey does not check what a resolver
// cannot tell from the document (deactivation, versions).
func VerificationKey(ctx context.Context, r interface {
	Resolve(context.Context, string) (*Document, error)
}, kidURL string, rel RelationshipKind) (*keys.PublicKey, error) {
	u, err := ParseURL(kidURL)
	if err != nil {
		return nil, err
	}
	if u.Fragment == "" {
		return nil, fmt.Errorf("%w: %s has no fragment, so names no verification method", ErrKeyNotFound, quote(kidURL))
	}
	did := u.DID.String()
	doc, err := r.Resolve(ctx, did)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, fmt.Errorf("%w: the resolver returned no document for %s", ErrNotFound, quote(did))
	}
	if doc.ID != did {
		return nil, fmt.Errorf("%w: asked for %s, the resolver returned the document of %s", ErrInvalidDocument, quote(did), quote(doc.ID))
	}
	return doc.Key(kidURL, rel)
}
