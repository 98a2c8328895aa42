// Package oid4vci is the wallet-facing HTTP face of the issuer: OpenID for
// Verifiable Credential Issuance 1.0 (final) with the pre-authorized code
// flow, over the transport-free core of package issuer. It decodes, calls
// the core and renders; the offers themselves are made by the back office
// (package issuer/backoffice) and reach the wallet as a QR code or a link.
//
// The issuer is its own authorization server. Every path below is under the
// path of the Credential Issuer Identifier (issuer.Config.URL), and the
// well-known documents are at the well-known prefix followed by that path
// (§12.2.2, RFC 8414 §3), so the handler is mounted at the root of its host:
//
//	GET  /.well-known/openid-credential-issuer  Credential Issuer Metadata (§12.2)
//	GET  /.well-known/oauth-authorization-server  Authorization Server Metadata (RFC 8414, §12.3)
//	GET  /.well-known/jwt-vc-issuer             JWT VC Issuer Metadata (SD-JWT VC §4): the signing key
//	POST /token                                 Token Endpoint (§6, pre-authorized code grant)
//	POST /nonce                                 Nonce Endpoint (§7)
//	POST /credential                            Credential Endpoint (§8)
//	GET  /status-lists/{n}                      status list tokens (application/statuslist+jwt)
//	GET  /type-metadata/{vct}, ?vct={vct}       SD-JWT VC Type Metadata of each offered type
//	GET  /healthz                               {"status": "ok"}
//
// Status lists are served when issuer.Config.StatusListURL is on the
// issuer's own origin (the default, URL + "/status-lists"), at its path.
//
// # Metadata
//
// The Credential Issuer Metadata has credential_issuer, credential_endpoint,
// nonce_endpoint, batch_credential_issuance (with the issuer's BatchSize,
// when it is 2 or more, as §12.2.4 requires), display (the issuer's name in
// Korean and English, Config.Name) and credential_configurations_supported,
// one per type the issuer offers, from the catalogue
// (schemas.Type.CredentialConfiguration) with the algorithm of the
// issuer's key. There is no authorization_servers (the issuer is its own
// authorization server), no deferred or notification endpoint, no
// encryption, and no signed metadata: a request for application/jwt gets
// the JSON. Every language is sent whatever Accept-Language says.
//
// The Authorization Server Metadata has issuer, token_endpoint,
// grant_types_supported (the pre-authorized code grant only),
// pre-authorized_grant_anonymous_access_supported (true: no client
// authentication, §12.3), token_endpoint_auth_methods_supported ["none"],
// and dpop_signing_alg_values_supported (EdDSA, ES256; RFC 9449 §5.1).
// response_types_supported is left out, as §12.3 allows an authorization
// server of the pre-authorized code grant alone.
//
// # Token endpoint
//
// A form (application/x-www-form-urlencoded, RFC 6749 §4.1.3) with
// grant_type urn:ietf:params:oauth:grant-type:pre-authorized_code,
// pre-authorized_code and tx_code. Every offer of this issuer has a
// tx_code, so a request without one is invalid_request and counts as no
// attempt (§6.3); a wrong one is invalid_grant and counts against the
// offer, which is burned at the issuer's limit. A parameter given twice is
// invalid_request (RFC 6749 §3.2); unknown parameters are ignored (§6.1),
// client_id among them (anonymous access). Another grant type is
// unsupported_grant_type.
//
// With a DPoP header (RFC 9449 §5) the proof is checked (package
// internal/dpop: htm POST, htu the token endpoint, iat within a minute,
// jti single-use) and the token is bound to its key: token_type "DPoP".
// A bad proof is invalid_dpop_proof.
//
// authorization_details (RFC 9396, §5.1.1, §6.1) is optional. When the
// request has it — a JSON array of objects of type openid_credential, each
// with a credential_configuration_id this issuer offers — the response
// has it too, for the configuration the offer was made for, with
// credential_identifiers [that configuration id], which the credential
// endpoint then accepts as credential_identifier. Anything else in it is
// invalid_authorization_details (RFC 9396 §5), checked before the code is
// redeemed. The core redeems a code without being told which
// configuration the wallet asked for, so a wallet that asks for an offered
// configuration other than the offer's gets the offer's.
//
// Responses have Cache-Control: no-store; errors are 400 with
// {"error", "error_description"} (RFC 6749 §5.2), a server failure 500 with
// "server_error" and nothing of its cause.
//
// # Nonce endpoint
//
// POST, no body needed, no access token (§7.1): {"c_nonce": …} with
// Cache-Control: no-store. A nonce is single-use: the core consumes it
// with the credential request whose proofs carry it.
//
// # Credential endpoint
//
// JSON (application/json), with the access token in the Authorization
// header, "Bearer <token>" (RFC 6750 §2.1) or, for a DPoP-bound token,
// "DPoP <token>" with a DPoP proof whose ath is the token's hash, htm POST
// and htu the credential endpoint (RFC 9449 §7.1). A token bound to a DPoP
// key does nothing without a proof by that key.
//
// The body has credential_configuration_id — or credential_identifier when
// the token response had authorization_details — and "proofs": {"jwt":
// [one key proof per copy]} (§8.2, Appendix F.1); each copy is bound to
// its proof's key (batch issuance, up to the issuer's BatchSize). The
// response is {"credentials": [{"credential": "<SD-JWT VC>"}, …]} in the
// order of the proofs.
//
// Members this issuer does not know are ignored, as §8.2 requires ("The
// Credential Issuer MUST ignore any unrecognized parameters"). Members it
// knows and does not support are refused: the single "proof" of the drafts
// before 1.0 (invalid_credential_request, so that a wallet of the drafts
// learns why instead of getting a credential it cannot bind), and
// credential_response_encryption (invalid_encryption_parameters: the
// issuer does not encrypt responses, and sending one in the clear to a
// wallet that asked for encryption is worse than refusing). A proof type
// other than jwt is invalid_proof. Duplicate members are refused.
//
// Errors: a missing, malformed or unknown token is 401 with
// WWW-Authenticate (Bearer or DPoP, error="invalid_token", RFC 6750 §3,
// RFC 9449 §7.1; without an error code when there was no token at all,
// then with both challenges); a bad DPoP proof 401 with
// error="invalid_dpop_proof"; two Authorization headers 400
// invalid_request. The errors of the request itself are 400 with
// {"error", "error_description"} (§8.3.1.2): invalid_credential_request,
// unknown_credential_configuration, unknown_credential_identifier,
// invalid_proof, invalid_nonce, invalid_encryption_parameters,
// credential_request_denied. A server failure is 500 "server_error"; the
// cause is logged, never sent. An error_description is printable ASCII
// without '"' and '\', at most 300 bytes, as §8.3.1.2 and RFC 6749 §5.2
// require: a double quote becomes an apostrophe, a backslash a slash, and
// anything else outside the set a question mark.
//
// # Limits and what the caller must do
//
// A request body over MaxBodyBytes is 413; a request target over
// MaxTargetBytes 414; a method an endpoint does not take 405 with Allow
// (GET endpoints also answer HEAD). Header sizes and timeouts are the
// server's: run the handler in an http.Server with ReadHeaderTimeout,
// ReadTimeout, WriteTimeout, IdleTimeout and a small MaxHeaderBytes (16 KiB
// is plenty), behind TLS (§8: the credential endpoint MUST use TLS; the core
// refuses a non-loopback http URL).
//
// The DPoP replay cache is in this process's memory; run one handler per
// issuer per process, and see package internal/dpop for what a cache per
// instance does not catch behind a load balancer.
package oid4vci
