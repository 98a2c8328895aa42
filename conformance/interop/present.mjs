// present.mjs: sd-jwt-js makes a presentation of an SD-JWT VC with a KB-JWT.
//
// Request (JSON, on standard input or in the file named by the argument):
//   sdjwt      the SD-JWT VC as issued
//   disclose   the sd-jwt-js presentation frame, e.g.
//              {"given_name": true, "address": {"locality": true},
//               "nationalities": {"1": true}}
//   holderJwk  the holder's private JWK (its public key is the cnf.jwk)
//   aud, nonce the Verifier's audience and nonce for the KB-JWT
//   iat        optional KB-JWT iat, seconds since 1970; default now
// Output: the compact SD-JWT+KB, one line.

import { instance, run } from './lib.mjs';

await run(async (req) => {
  const { sdjwt: credential, disclose, holderJwk, aud, nonce } = req;
  if (!credential || !disclose || !holderJwk || !aud || !nonce) {
    throw new Error('present: sdjwt, disclose, holderJwk, aud and nonce are required');
  }
  const iat = req.iat ?? Math.floor(Date.now() / 1000);
  const sdjwt = instance({ holderPrivate: holderJwk });
  return sdjwt.present(credential, disclose, { kb: { payload: { iat, aud, nonce } } });
});
