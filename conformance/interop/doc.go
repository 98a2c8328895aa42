// Package interop checks that seoulid's SD-JWT VCs interoperate, both ways,
// with an independent implementation: the OpenWallet Foundation's sd-jwt-js
// (@sd-jwt/sd-jwt-vc, with @sd-jwt/crypto-nodejs for digests and salts;
// signatures by Node's own crypto), and that seoulid's Go wallet speaks
// OpenID4VCI 1.0 and OpenID4VP 1.0 with the OpenWallet Foundation's
// @openid4vc libraries on the other side. It has no Go code besides its
// tests.
//
// For EdDSA (Ed25519) and ES256 (P-256) keys made by `seoulid keys
// generate`, the test runs the seoulid binary and the ES module scripts in
// this folder (issue.mjs, present.mjs, verify.mjs) and checks that:
//
//   - a credential seoulid issues — Korean strings, a selectively disclosable
//     object with a disclosable member, disclosable array elements, holder
//     binding — is verified by sd-jwt-js with exactly the claims seoulid's
//     own verification yields, and so are presentations with a KB-JWT made
//     from it by seoulid and by sd-jwt-js;
//   - a credential sd-jwt-js issues (typ dc+sd-jwt, _sd_alg sha-256) is
//     verified by seoulid with the claims that were put in, and so are
//     presentations with a KB-JWT made from it by sd-jwt-js and by seoulid;
//   - both refuse a presentation with a wrong nonce or audience and a
//     credential with one Disclosure altered, so that the comparisons above
//     can fail.
//
// Claims are compared as JSON values, not as text.
//
// The folder also holds an independent OpenID4VCI 1.0 wallet,
// oid4vci-wallet.mjs, built on the OpenWallet Foundation's client library
// @openid4vc/openid4vci (with @openid4vc/oauth2; keys, signing, hashing and
// randomness from Node's crypto). Given a credential offer URI and its
// tx_code, the library resolves the offer, the Credential Issuer Metadata
// and the Authorization Server Metadata, gets an access token with the
// pre-authorized code and the tx_code — DPoP-bound when the authorization
// server lists dpop_signing_alg_values_supported — fetches a c_nonce from
// the Nonce Endpoint, makes one openid4vci-proof+jwt key proof per fresh
// holder key (a batch of two when the issuer supports batch issuance) and
// sends the credential request; the script matches each credential to its
// key by cnf.jwk and, given the issuer's key, verifies it with sd-jwt-js.
// Its test is TestIssuerAgainstNode in cmd/seoulid: a real registry node
// and `seoulid issuer serve` run in process, the operator makes an offer
// from the command line, this wallet redeems it, and each credential it
// prints verifies against the ledger exactly as the Go wallet's does
// (seoulid's SD-JWT VC verifier with the issuer's DID key from the ledger,
// the issuer's DID, the vct, cnf.jwk = the holder key the wallet printed,
// a status list reference whose list on the ledger says valid), with the
// same processed claims from sd-jwt-js as from seoulid. That proves that
// a wallet written by others against OpenID4VCI 1.0 and RFC 9449, not
// seoulid's own client, can redeem seoulid's offers. The http:// URLs of
// that test issuer are allowed through the library's documented global
// setting allowInsecureUrls, which the script turns on only for an offer
// of a loopback issuer.
//
// The other way round, two servers built on the same libraries' issuer and
// verifier sides face seoulid's Go wallet (package wallet with its
// wallet/oid4vci and wallet/oid4vp clients) in TestWalletAgainstOWF:
//
//   - oid4vci-issuer.mjs, an OpenID4VCI 1.0 Credential Issuer with its own
//     authorization server: Openid4vciIssuer (@openid4vc/openid4vci) checks
//     its Credential Issuer Metadata, makes a pre-authorized code offer with
//     a tx_code (by value and by reference), writes the c_nonce of its Nonce
//     Endpoint, parses the credential request, verifies each
//     openid4vci-proof+jwt key proof and writes the credential response;
//     Oauth2AuthorizationServer (@openid4vc/oauth2) checks its
//     Authorization Server Metadata, parses and verifies the token request
//     (pre-authorized code, tx_code, a DPoP proof) and signs a JWT access
//     token, DPoP-bound; Oauth2ResourceServer verifies the access token and
//     the DPoP proof at the Credential Endpoint. sd-jwt-js issues the SD-JWT
//     VCs, one per key proof, bound to its key. The script itself keeps the
//     offer and the c_nonces and answers invalid_nonce, which no library
//     call does. Its iss is a did:jwk of its Ed25519 key, so that the
//     wallet resolves the key without a registry.
//   - oid4vp-verifier.mjs, an OpenID4VP 1.0 Verifier identified by a
//     did:jwk (client_id decentralized_identifier:did:jwk:…): Openid4vpVerifier
//     (@openid4vc/openid4vp) makes signed requests by reference (request
//     object typ oauth-authz-req+jwt, kid the DID URL of its key,
//     response_mode direct_post, a DCQL query, client_metadata with
//     vp_formats_supported, and seoulid_purpose) and parses the direct_post
//     response (state, the DCQL vp_token); sd-jwt-js verifies each
//     presentation (issuer signature by the key of the trusted issuer's
//     did:jwk, Disclosures, the KB-JWT's signature, nonce and sd_hash) and
//     the script checks the KB-JWT's aud is its client_id.
//
// The test builds a wallet as the Seoul Citizen Card app does (an encrypted
// store, its software key store, a ledger that authorises the JS issuer's
// DID for residency-status and registers the JS verifier's DID for the
// purpose residency-check, which covers resident_of_seoul only) and checks
// that: the wallet previews the offer by value and redeems it by reference
// with the tx_code (a wrong tx_code gets the library's invalid_grant), with
// a DPoP-bound token; it keeps the catalogue example of residency-status
// that the JS issuer signed, in up to three copies, each bound to its own
// key in the wallet's key store; it takes the JS verifier's signed
// request and shows who asks, for which purpose and which claim; on
// approval with the PIN sd-jwt-js verifies the presentation and receives
// exactly one Disclosure, resident_of_seoul, and none of the credential's
// other disclosable claims; and a request of the same verifier that also
// asks for name, outside its registered purpose, is refused
// (wallet.ErrOverAsking) before the citizen is asked, the verifier being
// told access_denied. That proves that seoulid's wallet interoperates, for
// receiving and for presenting, with OpenID4VCI and OpenID4VP
// implementations written by others.
//
// And an independent OpenID4VP 1.0 wallet faces seoulid's verifier:
// oid4vp-wallet.mjs, on the same library's client side (Openid4vpClient:
// it parses the openid4vp:// URI, fetches the request object by POST to
// the request_uri with its wallet_metadata, checks the signature through a
// callback that resolves the Verifier's did:seoul on the city's DID
// resolver, validates the request, encrypts the response for
// direct_post.jwt — the script does the ECDH-ES and AES-GCM with Node's
// crypto — and posts it), with sd-jwt-js making the presentation: the
// Disclosures of the claims the DCQL query asks for and a KB-JWT for the
// client_id and nonce. TestJSWalletAgainstVerifier starts a city (package
// city: a ledger node, seoulid's issuers and verifiers), has City Hall
// issue a Seoul Citizen Card over OpenID4VCI to a key the script gets,
// and checks that the script gets an explained "eligible" decision from
// the Seoul Library's verifier — the one "seoulid verifier serve" runs —
// by direct_post.jwt (the verifier's default) and by direct_post, with the
// verifier's signed acknowledgement, the library finding nothing
// non-conformant (it reports OpenID4VP 1.0 final, version 100); that with
// five credentials from four of the city's issuers it gets an eligible
// youth-allowance decision, with its six reasons, from the welfare portal;
// and that a presentation whose key binding names another audience or
// nonce is refused with invalid_request and the reason in the decision.
//
// The same script faces the command-line deployment in
// TestIssuerAgainstNode (cmd/seoulid, jsWalletPresents), with no city:
// the verifier that "seoulid verifier serve" runs there, its DID and
// purposes put on the ledger by the registry commands, starts requests of
// the facility-entry programme through its portal API (POST
// /api/requests), and the script answers them with Seoul Citizen Cards
// that the running "seoulid issuer serve" issued over OpenID4VCI to ES256
// and EdDSA keys whose private halves it gets. That test's node runs
// without --http, so the test serves the DID Resolution HTTP binding (GET
// /1.0/identifiers/{did}) over the node's RPC for the script to find the
// verifier's key. The portal API (GET /api/requests/{id}) must give: a
// member of the library eligible and a resident who is not a member not
// eligible, each criterion with its reason, by direct_post.jwt, the only
// response mode "verifier serve" makes requests in; the member eligible by
// direct_post, from the same verifier/server with the verifier's key and
// DID and Mode direct_post; each accepted response acknowledged by a
// receipt signed by the verifier's key, with exactly the Disclosures the
// first claim set of the query that the card satisfies asks for; and refused — HTTP 400,
// invalid_request, the request "refused" with the failed check as its
// reason — a KB-JWT for another audience, one with another nonce, and a
// card signed by a DID on the ledger that the council never authorised to
// issue it.
//
// One default of @openid4vc/openid4vp 0.4.6 does not: it sets a request
// object's aud to the request_uri, where OpenID4VP 1.0 §5.8 asks for
// https://self-issued.me/v2 when the Verifier did not discover the
// Wallet's metadata, and seoulid's wallet, which does not identify itself
// by a request_uri, refuses such a request object (RFC 7519 §4.1.3). The
// library fixed its default after 0.4.6 (oid4vc-ts pull request 237);
// oid4vp-verifier.mjs sets aud explicitly.
//
// To run the tests, install Node.js (20 or later) and the pinned packages,
// then run them from the module root:
//
//	(cd conformance/interop && npm ci)
//	go test ./conformance/interop/ -count=1 -v
//
// The tests fail, rather than skip, when node or node_modules is
// missing. package.json pins exact versions (@sd-jwt/sd-jwt-vc 0.20.0,
// @sd-jwt/crypto-nodejs 0.19.0, @openid4vc/openid4vci, @openid4vc/oauth2
// and @openid4vc/openid4vp 0.4.6) and package-lock.json is committed, so
// npm ci installs the same libraries every time. Its
// "overrides" pin three transitive packages because the versions asked for
// are not published in the registry:
//
//   - @owf/identity-common and @owf/token-status-list, which @sd-jwt/core
//     and @sd-jwt/sd-jwt-vc 0.20.0 ask for as ^0.1.0-alpha-20260312123226,
//     are pinned to 0.3.0-alpha-20260508181749, which exports everything
//     0.20.0 imports (the base64url helpers; getListFromStatusListJWT and
//     SLException, for status lists, which the test does not use);
//   - cbor-extract, an optional native speed-up of cbor-x (CBOR, for status
//     lists) whose 2.2.3 names platform packages that exist only up to
//     2.2.2, is pinned to 2.2.2; without it npm ci refuses the lock file.
package interop
