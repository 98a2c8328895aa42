// issue.mjs: sd-jwt-js issues an SD-JWT VC (typ dc+sd-jwt, _sd_alg sha-256).
//
// Request (JSON, on standard input or in the file named by the argument):
//   issuerJwk  the issuer's private JWK (Ed25519 or P-256)
//   claims     the credential's claims, a JSON object
//   frame      the sd-jwt-js disclosure frame, e.g.
//              {"_sd": ["given_name"], "address": {"_sd": ["locality"]},
//               "nationalities": {"_sd": [0, 1]}}
//   holderJwk  the holder's public JWK, put in cnf.jwk
//   vct, iss   the credential type and the issuer
//   iat        optional, seconds since 1970; default now
//   exp        optional, seconds since 1970
// Output: the compact SD-JWT VC, one line.

import { decodeHeader, instance, publicJWK, run } from './lib.mjs';

await run(async (req) => {
  const { issuerJwk, claims, frame, holderJwk, vct, iss, exp } = req;
  if (!issuerJwk || !claims || !frame || !holderJwk || !vct || !iss) {
    throw new Error('issue: issuerJwk, claims, frame, holderJwk, vct and iss are required');
  }
  const payload = {
    ...claims,
    iss,
    iat: req.iat ?? Math.floor(Date.now() / 1000),
    ...(exp !== undefined && { exp }),
    vct,
    cnf: { jwk: publicJWK(holderJwk) },
  };
  const sdjwt = instance({ issuerPrivate: issuerJwk });
  const credential = await sdjwt.issue(payload, frame, { header: { typ: 'dc+sd-jwt' } });
  const { typ } = decodeHeader(credential);
  if (typ !== 'dc+sd-jwt') throw new Error(`issue: sd-jwt-js wrote typ ${typ}, not dc+sd-jwt`);
  return credential;
});
