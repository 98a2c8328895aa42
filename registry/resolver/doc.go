// Package resolver is seoulid's DID resolver: one Resolve for the four DID
// methods the city accepts, dispatched by method name —
//
//   - did:seoul from the committed state of the local ledger node
//     (registry.Reader), with versions and deactivation;
//   - did:key and did:jwk from the DID alone (did.LocalResolver), no I/O;
//   - did:web over HTTPS (package didweb, with its address guard);
//
// and every other method fails with did.ErrMethodNotSupported.
//
// Resolver.Resolve is the resolve() function of DID Core 1.0 §7.1 in the
// shape the verifiers need (Resolve(ctx, did) (*did.Document, error)); it
// satisfies sdjwtvc.DIDResolver and the resolver argument of
// did.VerificationKey, and a deactivated did:seoul is an error
// (registry.ErrDeactivated), so its keys verify nothing.
//
// Resolver.ResolveRepresentation is what the DID Resolution HTTP(S)
// binding needs (package registry/resolverhttp): the document with its
// DID document metadata (DID Core §7.1.3), the versionId and versionTime
// options (DID Resolution, "DID Parameters"), and a deactivated DID as a
// result — metadata with deactivated true and no document — rather than an
// error, following the DID Resolution algorithm ("If the input DID has been
// deactivated … didDocument: null, didDocumentMetadata: deactivated true").
//
// It holds no HTTP server code; the only network I/O is did:web's fetch.
package resolver
