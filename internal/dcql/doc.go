// Package dcql implements the Digital Credentials Query Language of OpenID
// for Verifiable Presentations 1.0 (final, July 2025), §6, with the claims
// path pointers of §7 and the "meta" members of Appendix B: "vct_values"
// for dc+sd-jwt (B.3.5), "doctype_value" for mso_mdoc (B.2.3) and
// "type_values" for jwt_vc_json and ldp_vc (B.1.1).
//
// It has three parts, one per party:
//
//   - Parse and Validate, for anyone reading or writing a query. Parse is
//     strict: at most MaxQueryBytes, duplicate member names refused (package
//     jsonx), and every rule of §6, §7 and Appendix B enforced — a query
//     that breaks one is refused whole, with every problem listed in a
//     *QueryError. Members the specification does not define are ignored
//     (§6: "Implementations MUST ignore any unknown properties"), and so
//     are credential formats it does not know: their "meta" is kept, not
//     checked.
//   - Match, for the Wallet (§6.4): which of its credentials answer which
//     Credential Query, with which claims (claim_sets in the Verifier's
//     order of preference, values, null over arrays), which Credential Set
//     options can be satisfied, and whether the whole query can. The result
//     names every alternative — credentials, claim sets, credential set
//     options — so that a consent screen can offer them (§6.4.3), and gives
//     for each the claim paths to disclose, in the Holder's view of the
//     credential (every Disclosure applied), which sdjwt.SDJWT.Select takes.
//   - Check, for the Verifier (§8.6 step 2.2 and step 3): whether what a
//     Wallet presented answers the query — every presentation of the
//     format, type and claims its Credential Query asks for, "multiple"
//     respected, every required Credential Set satisfied — naming the
//     Credential Query and claim path of whatever is missing in a
//     *ResponseError.
//
// What this package does not do. It sees credentials as JSON claims, a
// format and a type; it verifies nothing (signatures, holder binding,
// status, trust: the caller does that before Check, and tells Check whether
// holder binding was verified). It evaluates "trusted_authorities" only for
// credentials that implement AuthorityMatcher. It matches "vct_values"
// exactly, without the type inheritance (SD-JWT VC "extends") that B.3.5
// allows a Wallet to follow. It does not evaluate "type_values" (W3C
// formats need JSON-LD expansion), so credentials of formats whose "meta"
// it cannot evaluate match only queries with an empty "meta".
//
// "values" constraints leak information about the claims that did not
// match (§15.4.1): a Wallet must not let the Verifier tell a mismatch from
// a refusal, and must involve the End-User before any response. Match
// treats a claim whose value does not match as absent (§6.4.1); what the
// Wallet shows and sends is its own affair.
package dcql
