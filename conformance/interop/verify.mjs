// verify.mjs: sd-jwt-js verifies an SD-JWT VC or a presentation of one and
// prints the processed claims as JSON.
//
// Request (JSON, on standard input or in the file named by the argument):
//   sdjwt       the SD-JWT VC, or a presentation of one
//   issuerJwk   the issuer's public JWK
//   aud, nonce  optional: the expected KB-JWT audience and nonce; given
//               them, a KB-JWT is required (sd-jwt-js checks a KB-JWT only
//               when given a nonce, and then requires one)
//   requireKeyBinding  optional, like seoulid's --require-kb: needs aud and
//               nonce, which already require a KB-JWT
//   at          optional: verify as of this time, seconds since 1970
// Output: the claims, one JSON object. On failure: one line on standard
// error and exit status 1.
//
// A JSON array of requests is a batch: the output is an array with, for
// each, {"claims": {...}} or {"error": "one line"}.
//
// sd-jwt-js checks the signature, the Disclosures (RFC 9901 §7.1), exp, nbf
// and iat, and, given a nonce, the KB-JWT's signature by cnf.jwk, its typ,
// nonce and sd_hash (§7.3). It leaves two checks to its caller, made here:
// the typ dc+sd-jwt of the credential (SD-JWT VC §3.2.1) and the KB-JWT's
// aud (RFC 9901 §7.3 step 5.6). How old a KB-JWT may be (§7.3 step 5.5) is
// not checked, beyond sd-jwt-js refusing an iat in the future.

import { decodeHeader, instance, oneLine, run } from './lib.mjs';

async function verifyOne(req) {
  const { sdjwt: input, issuerJwk, aud, nonce, requireKeyBinding, at } = req;
  if (!input || !issuerJwk) throw new Error('verify: sdjwt and issuerJwk are required');
  if ((requireKeyBinding || aud || nonce) && !(aud && nonce)) {
    throw new Error('verify: key binding needs both aud and nonce');
  }
  const { typ } = decodeHeader(input);
  if (typ !== 'dc+sd-jwt') throw new Error(`verify: typ is ${typ}, not dc+sd-jwt`);

  const result = await instance({ issuerPublic: issuerJwk }).verify(input, {
    ...(nonce && { keyBindingNonce: nonce }),
    ...(at !== undefined && { currentDate: at }),
  });
  if (nonce && result.kb?.payload?.aud !== aud) {
    throw new Error(`verify: KB-JWT aud is ${result.kb?.payload?.aud}, expected ${aud}`);
  }
  return result.payload;
}

await run(async (req) => {
  if (!Array.isArray(req)) return verifyOne(req);
  const out = [];
  for (const one of req) {
    try {
      out.push({ claims: await verifyOne(one) });
    } catch (e) {
      out.push({ error: oneLine(e) });
    }
  }
  return out;
});
