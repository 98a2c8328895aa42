// Package didweb resolves did:web DIDs: it maps the DID to an HTTPS URL,
// fetches the DID document there and checks it.
//
// It follows the did:web Method Specification (W3C CCG,
// https://w3c-ccg.github.io/did-method-web/), "Read (Resolve)":
//
//	did:web:example.com                  -> https://example.com/.well-known/did.json
//	did:web:example.com:user:alice       -> https://example.com/user/alice/did.json
//	did:web:example.com%3A3000:user:alice -> https://example.com:3000/user/alice/did.json
//
// and DID Core 1.0 §7.1 for what a resolution returns: the document's "id"
// must be exactly the DID resolved.
//
// Every DID it is given is untrusted input, and fetching it is a request
// to a host the DID names, so the fetch is guarded by the policy of package
// safehttp, which package issuermeta uses too:
//
//   - HTTPS only, also after redirects (at most three);
//   - the host must be a domain name: the method forbids IP addresses, and
//     a host whose last label is numeric is refused as one;
//   - no connection to loopback, private, link-local or other
//     special-purpose addresses, checked on every connection after DNS
//     resolution, so a name cannot be pointed inward (unless
//     Config.AllowPrivateNetworks);
//   - no proxy (it would hide the real destination from that check);
//   - a time limit on each resolution and a size limit on the document;
//   - only 200 answers with a JSON media type are read; 404 and 410 mean
//     the DID does not exist (did.ErrNotFound);
//   - the document is parsed strictly by did.ParseDocument (duplicate
//     members, depth, size) and its "id" must equal the DID.
//
// It does not cache, does not use DNS over HTTPS (the method's SHOULD), and
// does not check that DID URLs in the document are written absolute (the
// method's rule against key confusion): did.ParseDocument resolves relative
// ones against the document's id, which has been checked to be the DID.
package didweb
