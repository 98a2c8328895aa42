// Package resolverhttp is the HTTP face of the registry: the DID
// Resolution HTTP(S) binding over package resolver, and read-only
// endpoints over the trust registry, the status lists and the council of
// the local node (registry.Reader). It decodes, calls the core and renders;
// it writes nothing to the ledger.
//
// # DID resolution
//
// GET /1.0/identifiers/{did} follows the HTTP(S) binding of W3C DID
// Resolution (https://w3c.github.io/did-resolution/, §"HTTP(S) Binding";
// read at commit 77571c5 of w3c/did-resolution, July 2026):
//
//   - {did} is the DID, percent-encoded (RFC 3986 §2.1, as the binding
//     requires when options are given: did%3Aseoul%3A…) or as is
//     (did:seoul:…). A path segment starting "did%3A" (either case) is
//     decoded once; one starting "did:" is taken byte for byte, so that a
//     DID's own percent-encodings (did:web:example.com%3A8443) survive.
//
//   - The resolution options versionId and versionTime (DID Resolution
//     "DID Parameters"; versionTime as an RFC 3339 / XML datetime) are
//     query parameters of the request. Given twice, or together, or empty,
//     they are invalidOptions; any other query parameter is
//     featureNotSupported, as is a DID URL with a path, query or fragment
//     in {did} (DID URL dereferencing is not implemented).
//
//   - The Accept header selects the answer (RFC 9110 §12.5.1, q-values and
//     wildcards honoured): application/did-resolution — the default, and
//     what application/json, application/* and */* get — is a DID
//     resolution result (DID Resolution §"DID Resolution Result"):
//
//     {"@context": "https://w3id.org/did-resolution/v1", "didDocument": {…},
//     "didDocumentMetadata": {…}, "didResolutionMetadata": {"contentType": …}}
//
//     application/did+ld+json is the document alone in the JSON-LD
//     representation (DID Core 1.0 §6.3.1: "@context" first
//     https://www.w3.org/ns/did/v1, added if the method's document has
//     none); application/did+json is the document in the JSON
//     representation (§6.2.1), without "@context", which is a JSON-LD
//     representation-specific entry (§6.3). Anything else is 406.
//
//   - didDocumentMetadata (DID Core §7.1.3) is the ledger's for did:seoul
//     (created, updated, versionId, nextUpdate, nextVersionId, deactivated,
//     and two method-specific members: compromisedKeys, the DID URLs of
//     keys reported compromised, and blockHeight, the block that wrote the
//     version), datetimes in UTC without sub-second precision as §7.1.3
//     requires; it is {} for did:key, did:jwk and did:web.
//
//   - Errors are a DID resolution result with no document, empty document
//     metadata, and didResolutionMetadata {"error": code, "errorMessage":
//     text}. The code is a keyword, as DID Core 1.0 §7.1.2 requires, and
//     the status follows the table of the binding: invalidDid 400,
//     invalidOptions 400, notFound 404, representationNotSupported 406,
//     methodNotSupported 501, featureNotSupported 501, invalidDidDocument
//     500, internalError 500. (The 2026 Candidate Recommendation of DID
//     Resolution writes error as an RFC 9457 object with a type URI such as
//     https://www.w3.org/ns/did#NOT_FOUND; seoulid follows DID Core 1.0, the
//     Recommendation, until that one is final.) An internal error's cause
//     is logged, never sent.
//
//   - A deactivated DID answers 410 Gone (the binding: "If … deactivated …
//     true … the HTTP response status code MUST be 410") with a resolution
//     result whose didDocument is null and whose didDocumentMetadata has
//     deactivated true (DID Resolution §"DID Resolution Algorithm"), what
//     the Accept header asked for notwithstanding. It is not an error:
//     there is no "error" member.
//
// # Registry reads
//
//	GET /1.0/trust/issuers/{did}    registry.IssuerEntry as JSON
//	GET /1.0/trust/verifiers/{did}  registry.VerifierEntry as JSON
//	GET /1.0/status-lists?uri={uri} the statuslist+jwt token itself, Content-Type application/statuslist+jwt
//	GET /1.0/council                registry.Council as JSON
//	GET /1.0/agencies/{did}         registry.Agency as JSON
//	GET /1.0/catalogue              registry.CatalogueEntry as JSON
//	GET /healthz                    {"status": "ok", "chain": …, "height": …}
//
// A missing record is 404 with {"error": "notFound", "message": …}; a
// malformed {did} 400 "invalidDid"; a missing or repeated uri 400
// "invalidRequest"; an unknown path 404 "notFound".
//
// # Limits and what the caller must do
//
// Every method but GET and HEAD is 405 (with Allow); HEAD answers the
// headers of GET. A request target (escaped path and query) over
// MaxTargetBytes is 414. The handler reads no request body.
//
// Timeouts are the server's business: run the handler in an http.Server
// with ReadHeaderTimeout (5 s is plenty), ReadTimeout, WriteTimeout above
// the did:web fetch timeout (didweb.Config.Timeout, 10 s by default),
// IdleTimeout, and a small MaxHeaderBytes (16 KiB). A did:web resolution
// runs under the request's context, so a client that goes away cancels it.
// Anyone who can reach the endpoint can make the resolver fetch a did:web
// URL: the didweb guard keeps those fetches off private networks; leave
// Resolver.Web nil where did:web is not needed.
package resolverhttp
