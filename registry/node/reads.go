package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
)

// Resolve returns the current DID document of d, as a service in another
// process than the node resolves it: did:seoul from the node's committed
// state (an unknown DID fails with did.ErrNotFound, a deactivated one with
// registry.ErrDeactivated), did:key and did:jwk locally. It satisfies
// sdjwtvc.DIDResolver and the resolvers of the wallet and the verifier.
func (r *Remote) Resolve(ctx context.Context, d string) (*did.Document, error) {
	if !strings.HasPrefix(d, "did:"+registry.Method+":") {
		return did.LocalResolver{}.Resolve(ctx, d)
	}
	var rec registry.DIDRecord
	if err := r.Query(ctx, "/did/"+d, &rec); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", did.ErrNotFound, d)
		}
		return nil, err
	}
	if rec.DID != d || len(rec.Versions) == 0 {
		return nil, fmt.Errorf("node: the record the node sent is not of %s", d)
	}
	if rec.Deactivated {
		return nil, fmt.Errorf("%w: %s", registry.ErrDeactivated, d)
	}
	return rec.Latest().Document(d), nil
}

// Verifier returns a verifier's registered purposes, or nil when the
// ledger registers none for d.
func (r *Remote) Verifier(ctx context.Context, d string) (*registry.VerifierEntry, error) {
	var e registry.VerifierEntry
	if err := r.Query(ctx, "/verifier/"+d, &e); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &e, nil
}

// Agency returns a member agency, or nil when d is not one.
func (r *Remote) Agency(ctx context.Context, d string) (*registry.Agency, error) {
	var a registry.Agency
	if err := r.Query(ctx, "/agency/"+d, &a); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}

// Status returns the status list token the ledger holds for uri, or nil.
func (r *Remote) Status(ctx context.Context, uri string) (*registry.StatusEntry, error) {
	var e registry.StatusEntry
	if err := r.Query(ctx, "/status/"+uri, &e); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &e, nil
}

// KeyAt is registry.Reader.KeyAt through the node's RPC: the key a DID URL
// names if its DID authorised it for rel at t (key history honoured, a
// compromised key never).
func (r *Remote) KeyAt(ctx context.Context, kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error) {
	u, err := did.ParseURL(kidURL)
	if err != nil {
		return nil, err
	}
	d := u.DID.String()
	if !strings.HasPrefix(d, "did:"+registry.Method+":") {
		return did.VerificationKey(ctx, did.LocalResolver{}, kidURL, rel)
	}
	var rec registry.DIDRecord
	if err := r.Query(ctx, "/did/"+d, &rec); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", did.ErrNotFound, d)
		}
		return nil, err
	}
	return rec.KeyAt(kidURL, rel, t)
}

// StatusToken returns the status list token the ledger holds for uri and
// the issuer that published it ("" and ErrNotFound-wrapped when none).
func (r *Remote) StatusToken(ctx context.Context, uri string) (token, issuer string, err error) {
	e, err := r.Status(ctx, uri)
	if err != nil {
		return "", "", err
	}
	if e == nil {
		return "", "", fmt.Errorf("%w: status list %s", ErrNotFound, uri)
	}
	return e.Token, e.Issuer, nil
}
