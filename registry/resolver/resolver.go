package resolver

import (
	"context"
	"errors"
	"fmt"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/didweb"
	"github.com/seoulid/seoulid/registry"
)

// The DID methods the resolver knows.
const (
	MethodSeoul = registry.Method // "seoul"
	MethodKey   = "key"
	MethodJWK   = "jwk"
	MethodWeb   = didweb.Method // "web"
)

// Errors of ResolveRepresentation's options, beside those of packages did,
// didweb and registry. They correspond to the DID Resolution errors
// INVALID_OPTIONS and FEATURE_NOT_SUPPORTED.
var (
	// ErrInvalidOptions: the options contradict each other (versionId and
	// versionTime together).
	ErrInvalidOptions = errors.New("resolver: invalid resolution options")
	// ErrOptionNotSupported: an option the DID's method cannot honour:
	// versionId or versionTime for a method without versions (did:key,
	// did:jwk, did:web).
	ErrOptionNotSupported = errors.New("resolver: resolution option not supported for this DID method")
)

// Resolver resolves did:seoul, did:key, did:jwk and did:web DIDs. Its
// fields say which back ends it has; the zero value resolves did:key and
// did:jwk only. It is safe for concurrent use if its back ends are (both
// are).
type Resolver struct {
	// Seoul reads did:seoul documents from the local node's committed
	// state. Nil means did:seoul is not supported
	// (did.ErrMethodNotSupported).
	Seoul *registry.Reader
	// Web fetches did:web documents. Nil means did:web is not supported
	// (did.ErrMethodNotSupported).
	Web *didweb.Resolver
}

// Resolve returns the current DID document of d (DID Core §7.1 resolve()).
// It dispatches on the method: did:seoul to Seoul (registry.Reader.Resolve:
// a deactivated DID fails with registry.ErrDeactivated, an unknown one with
// did.ErrNotFound), did:key and did:jwk to did.LocalResolver, did:web to Web
// (didweb.Resolver.Resolve). d must be a DID, not a DID URL
// (did.ErrInvalidDID); any other method, or one whose back end is nil,
// fails with did.ErrMethodNotSupported.
//
// It satisfies sdjwtvc.DIDResolver. It checks nothing the back ends do
// not: in particular the document's id is checked by each of them.
func (r *Resolver) Resolve(ctx context.Context, d string) (*did.Document, error) {
	method, err := r.method(d)
	if err != nil {
		return nil, err
	}
	switch method {
	case MethodSeoul:
		return r.Seoul.Resolve(ctx, d)
	case MethodWeb:
		return r.Web.Resolve(ctx, d)
	default: // key, jwk
		return did.LocalResolver{}.Resolve(ctx, d)
	}
}

// Result is the outcome of a resolution with metadata.
type Result struct {
	// Method is the DID method: "seoul", "key", "jwk" or "web".
	Method string
	// Document is the resolved DID document, or nil when the DID is
	// deactivated (Metadata.Deactivated).
	Document *did.Document
	// Metadata is the DID document metadata (DID Core §7.1.3). Only
	// did:seoul has any: the ledger's created, updated, versionId,
	// nextUpdate, nextVersionId, deactivated, compromised keys and block
	// height. For the other methods it is the zero value.
	Metadata registry.DocumentMetadata
}

// ResolveRepresentation resolves d with its document metadata, at the
// version opts select: a VersionID, the version in force at a VersionTime
// (DID Resolution "DID Parameters" versionId and versionTime), or, both
// zero, the latest.
//
// Unlike Resolve, a deactivated did:seoul is not an error: the Result has
// Metadata.Deactivated set and no Document (DID Resolution, "DID
// Resolution Algorithm"), so that an HTTP binding can answer 410. Errors:
// those of Resolve; ErrInvalidOptions for both VersionID and VersionTime;
// ErrOptionNotSupported for either with a method other than did:seoul;
// registry.ErrNotFound for a version the DID does not have or a time before
// it existed.
func (r *Resolver) ResolveRepresentation(ctx context.Context, d string, opts registry.ResolveOptions) (*Result, error) {
	method, err := r.method(d)
	if err != nil {
		return nil, err
	}
	versioned := opts.VersionID != "" || !opts.VersionTime.IsZero()
	switch {
	case opts.VersionID != "" && !opts.VersionTime.IsZero():
		return nil, fmt.Errorf("%w: give versionId or versionTime, not both", ErrInvalidOptions)
	case versioned && method != MethodSeoul:
		return nil, fmt.Errorf("%w: did:%s documents have no versions (versionId, versionTime)", ErrOptionNotSupported, method)
	}
	if method != MethodSeoul {
		doc, err := r.Resolve(ctx, d)
		if err != nil {
			return nil, err
		}
		return &Result{Method: method, Document: doc}, nil
	}
	res, err := r.Seoul.ResolveVersion(ctx, d, opts)
	if err != nil {
		return nil, err
	}
	out := &Result{Method: method, Document: res.Document, Metadata: res.Metadata}
	if out.Metadata.Deactivated {
		out.Document = nil
	}
	return out, nil
}

// method parses d and returns its method if the resolver can resolve it.
func (r *Resolver) method(d string) (string, error) {
	p, err := did.Parse(d)
	if err != nil {
		return "", err
	}
	switch {
	case p.Method == MethodKey || p.Method == MethodJWK,
		p.Method == MethodSeoul && r.Seoul != nil,
		p.Method == MethodWeb && r.Web != nil:
		return p.Method, nil
	default:
		m := p.Method
		if len(m) > 32 {
			m = m[:32] + "..."
		}
		return "", fmt.Errorf("%w: did:%s (this resolver handles %s)", did.ErrMethodNotSupported, m, r.methods())
	}
}

func (r *Resolver) methods() string {
	s := "did:key, did:jwk"
	if r.Seoul != nil {
		s = "did:seoul, " + s
	}
	if r.Web != nil {
		s += ", did:web"
	}
	return s
}
