// Shared by issue.mjs, present.mjs and verify.mjs: input, output, keys and
// the sd-jwt-js instance. Signing and verifying use Node's own crypto with
// JWKs; everything SD-JWT (digests, disclosures, KB-JWT, processing) is
// sd-jwt-js's.

import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';

// readRequest returns the JSON request in the file named by the only
// argument or, without arguments, on standard input.
export function readRequest() {
  const args = process.argv.slice(2);
  if (args.length > 1) throw new Error('usage: node SCRIPT [REQUEST.json] (or the request on standard input)');
  const req = JSON.parse(readFileSync(args.length === 1 ? args[0] : 0, 'utf8'));
  if (req === null || typeof req !== 'object') throw new Error('the request must be a JSON object or array');
  return req;
}

// oneLine is an error's message on one line.
export const oneLine = (e) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();

// run runs main on the request, prints what it returns (a string as is,
// anything else as JSON) and turns a failure into one line on standard error
// and exit status 1.
export async function run(main) {
  try {
    const out = await main(readRequest());
    process.stdout.write(`${typeof out === 'string' ? out : JSON.stringify(out)}\n`);
  } catch (e) {
    process.stderr.write(`${oneLine(e)}\n`);
    process.exitCode = 1;
  }
}

// algOf is the JWS algorithm of a JWK: EdDSA for Ed25519, ES256 for P-256.
export function algOf(jwk) {
  if (jwk?.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk?.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error(`unsupported JWK (kty ${jwk?.kty}, crv ${jwk?.crv}): want Ed25519 or P-256`);
}

// publicJWK keeps only the public members of a JWK.
export function publicJWK(jwk) {
  const { kty, crv, x, y } = jwk;
  return algOf(jwk) === 'ES256' ? { kty, crv, x, y } : { kty, crv, x };
}

// ES256 signatures are r||s (RFC 7518 §3.4), not DER; Ed25519 takes no hash.
const hashOf = (alg) => (alg === 'ES256' ? 'sha256' : null);
const keyOpts = (alg, key) => (alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);

// signerFor returns an sd-jwt-js Signer for a private JWK.
export function signerFor(jwk) {
  const alg = algOf(jwk);
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return (data) => sign(hashOf(alg), Buffer.from(data), keyOpts(alg, key)).toString('base64url');
}

// verifierFor returns an sd-jwt-js Verifier for a public JWK. It refuses a
// JWS whose header alg is not the key's algorithm.
export function verifierFor(jwk) {
  const alg = algOf(jwk);
  const key = createPublicKey({ key: publicJWK(jwk), format: 'jwk' });
  return (data, sig) => {
    const header = JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'));
    if (header.alg !== alg) throw new Error(`JWS alg is ${header.alg}, but the key is for ${alg}`);
    if (!/^[A-Za-z0-9_-]+$/.test(sig)) throw new Error('the signature is not base64url');
    return verify(hashOf(alg), Buffer.from(data), keyOpts(alg, key), Buffer.from(sig, 'base64url'));
  };
}

// instance is an sd-jwt-js SD-JWT VC instance using SHA-256 and the digest
// and salt functions of @sd-jwt/crypto-nodejs, with whatever keys are given.
export function instance({ issuerPrivate, issuerPublic, holderPrivate } = {}) {
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    ...(issuerPrivate && { signer: signerFor(issuerPrivate), signAlg: algOf(issuerPrivate) }),
    ...(issuerPublic && { verifier: verifierFor(issuerPublic) }),
    ...(holderPrivate && { kbSigner: signerFor(holderPrivate), kbSignAlg: algOf(holderPrivate) }),
    // The KB-JWT is checked with the holder key the credential names.
    kbVerifier: (data, sig, payload) => {
      if (!payload?.cnf?.jwk) throw new Error('the credential has no cnf.jwk to check the KB-JWT with');
      return verifierFor(payload.cnf.jwk)(data, sig);
    },
  });
}

// decodeHeader returns the protected header of the Issuer-signed JWT.
export function decodeHeader(sdjwt) {
  return JSON.parse(Buffer.from(sdjwt.split('~')[0].split('.')[0], 'base64url').toString('utf8'));
}
