// Package interop checks that seoulid's SD-JWT VCs interoperate, both ways,
// with an independent implementation: the OpenWallet Foundation's sd-jwt-js
// (@sd-jwt/sd-jwt-vc, with @sd-jwt/crypto-nodejs for digests and salts;
// signatures by Node's own crypto). It has no Go code besides its test.
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
// To run it, install Node.js (20 or later) and the pinned packages, then
// run the test from the module root:
//
//	(cd conformance/interop && npm ci)
//	go test ./conformance/interop/ -count=1 -v
//
// Both tests fail, rather than skip, when node or node_modules is
// missing. package.json pins exact versions (@sd-jwt/sd-jwt-vc 0.20.0,
// @sd-jwt/crypto-nodejs 0.19.0, @openid4vc/openid4vci and
// @openid4vc/oauth2 0.4.6) and package-lock.json is committed, so npm ci
// installs the same libraries every time. Its
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
