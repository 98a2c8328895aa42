// Package backoffice is the HTTP face of the issuer for an agency's staff:
// the back office where an operator creates credential offers for citizens,
// looks up what was issued, revokes, suspends and reinstates credentials,
// adds colleagues and reads the audit log. It decodes, calls the issuer core
// (package issuer) and renders; the wallet-facing endpoints are package
// issuer/oid4vci.
//
// # Authentication
//
// Every request needs "Authorization: Bearer <operator token>" (RFC 6750
// §2.1), a token made by issuer.CreateOperator; anything else is 401 with
// WWW-Authenticate: Bearer and a JSON error, before any routing, so that an
// unauthenticated client learns nothing about the endpoints. The core
// looks a token up by its SHA-256 hash, so no comparison of secrets takes
// time that depends on how much of a guess was right.
//
// # Endpoints
//
//	POST /admin/v1/offers[?qr=false]             {"vct", "claims"} → 201 the offer, its tx_code and QR code
//	GET  /admin/v1/offers?limit=N                offers, newest first (no claim values)
//	GET  /admin/v1/offers/{id}                   one offer
//	GET  /admin/v1/credentials?limit=N           issuance records, newest first (no claim values)
//	GET  /admin/v1/credentials/{id}              one record
//	POST /admin/v1/credentials/{id}/revoke       → the record, status "revoked" (final)
//	POST /admin/v1/credentials/{id}/suspend      → the record, status "suspended"
//	POST /admin/v1/credentials/{id}/reinstate    → the record, status "valid"
//	POST /admin/v1/operators                     {"name"} → 201 {"id", "name", "token"}
//	GET  /admin/v1/audit?from=N&limit=N          audit entries with their hashes
//
// A created offer is answered with "offer_id", "offer_uri" (the
// openid-credential-offer:// URI, OpenID4VCI 1.0 §4.1), "tx_code" — shown
// here once and never again: the store keeps a salted hash —, "expires_at"
// (of the pre-authorized code) and "qr_png", the offer URI as a QR code
// (PNG, 256 px, error correction level M), base64. The back office shows it
// to the citizen at the counter, or prints it; the tx_code reaches the
// citizen by another channel (issuer.TxCodeSender). Drawing the code takes
// about 10 ms of CPU (an offer by value is a large QR code: version 20 and
// more); a client that does not show it asks for none with ?qr=false.
//
// Claims that do not fit the credential type's schema are 422 with
// {"error": "invalid_claims", "violations": [{"pointer", "message"}]}, one
// per violation, the pointer an RFC 6901 JSON pointer into "claims"; a vct
// the issuer does not offer is 400 "unknown_vct"; a type the ledger does
// not authorise the issuer for is 403 "issuer_not_authorised".
//
// A status change takes effect on the ledger at the issuer's next status
// list publication (issuer.RunStatusPublisher), not at once. Revocation is
// final: suspending or reinstating a revoked credential is 409
// "revoked_is_final".
//
// The audit log is returned with each entry's hash (hex); when the run
// starts at the first entry (from=1, the default) the response says
// whether the hash chain of the entries returned holds ("verified",
// issuer.VerifyAudit), and where it breaks if not. Every action is audited
// by the core, under the operator's id; the back office adds no entries of
// its own.
//
// Errors are {"error": code, "error_description": text}; an internal
// error's cause is logged, never sent.
//
// # Limits
//
// Request bodies are JSON objects (Content-Type application/json) of at
// most MaxBodyBytes, parsed strictly: duplicate and unknown members are
// refused (package jsonx). Lists return at most MaxLimit items. A method an
// endpoint does not take is 405 with Allow. Responses are not cacheable
// (Cache-Control: no-store): they carry tx_codes and tokens.
//
// The handler speaks plain HTTP. In production it runs behind a TLS
// terminator on the agency's internal network, never on the internet; it
// sets no CORS headers, so browsers on other origins cannot call it.
package backoffice
