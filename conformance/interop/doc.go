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
// To run it, install Node.js (20 or later) and the pinned packages, then
// run the test from the module root:
//
//	(cd conformance/interop && npm ci)
//	go test ./conformance/interop/ -count=1 -v
//
// The test fails, rather than skipping, when node or node_modules is
// missing. package.json pins exact versions and package-lock.json is
// committed, so npm ci installs the same sd-jwt-js every time. Its
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
