// oid4vp-wallet.mjs: an OpenID4VP 1.0 Wallet built on the OpenWallet
// Foundation's @openid4vc/openid4vp (Openid4vpClient), presenting SD-JWT VCs
// made presentable by sd-jwt-js (@sd-jwt/sd-jwt-vc). Keys, signing,
// hashing, key agreement and AES-GCM are Node's own crypto.
//
// What the library does: parseOpenid4vpAuthorizationRequest reads the
// openid4vp:// URI; resolveOpenId4vpAuthorizationRequest fetches the
// request object by request_uri (POST with wallet_metadata when
// request_uri_method is post, §5.10), checks its typ and signature through
// the verifyJwt callback (a decentralized_identifier client id, §5.9.3: the
// signer is a DID URL) and validates the request's parameters;
// createOpenid4vpAuthorizationResponse adds the state and, for
// direct_post.jwt, encrypts the response to the key in the request's
// client_metadata (through encryptJwe, §8.3); submitOpenid4vpAuthorizationResponse
// posts it to the response_uri. What the script does because the library
// leaves it to the caller: it resolves the Verifier's DID through a DID
// Resolution HTTP endpoint (the "resolver" given), evaluates the DCQL
// query against the one credential it holds (its vct, each claim path,
// null standing for every array element), and makes the presentation with
// sd-jwt-js: exactly the Disclosures of the claims asked for, and a KB-JWT
// with aud the client_id and the request's nonce.
//
// Usage: node oid4vp-wallet.mjs [REQUEST.json], or the request on standard
// input, a JSON object:
//   uri         the openid4vp:// URI
//   resolver    base URL of a DID Resolution HTTP endpoint (GET /1.0/identifiers/{did})
//   credential  an SD-JWT VC (dc+sd-jwt) as issued
//   holderJwk   the private JWK its cnf.jwk names
//   credentials or, for several, [{"credential", "holderJwk"}…]: each Credential
//               Query gets the first of its vct; one that none answers is left
//               out (the Verifier decides what its absence means)
//   tamper      optional: "aud" signs the KB-JWT for another audience,
//               "nonce" with another nonce (negative tests)
// It prints one JSON line:
//   {"clientId", "responseMode", "purpose", "asked": [[path]…], "disclosed": [name…],
//    "features": {…}, "status", "body"}
// and exits 0 whatever the Verifier answered (the caller judges).

import { createCipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { setGlobalConfig } from '@openid4vc/oauth2';
import { instance, oneLine, publicJWK, readRequest, verifierFor } from './lib.mjs';

const b64 = (b) => Buffer.from(b).toString('base64url');
const b64json = (v) => b64(JSON.stringify(v));

// didKey resolves a DID through the resolver and returns the public JWK of
// the verification method didUrl names.
async function didKey(resolver, didUrl) {
  const did = didUrl.split('#')[0];
  const res = await fetch(`${resolver}/1.0/identifiers/${encodeURIComponent(did)}`, {
    headers: { Accept: 'application/did+json' }, signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`resolving ${did}: HTTP ${res.status}`);
  const doc = await res.json();
  const vm = (doc.verificationMethod ?? []).find((m) => m.id === didUrl || `${did}${m.id}` === didUrl);
  if (!vm?.publicKeyJwk) throw new Error(`${didUrl} is not a verification method of ${did}`);
  const auth = (doc.authentication ?? []).map((a) => (typeof a === 'string' ? a : a.id));
  if (!auth.includes(vm.id)) throw new Error(`${didUrl} is not an authentication key of ${did}`);
  return publicJWK(vm.publicKeyJwk);
}

// concatKDF is the Concat KDF of RFC 7518 §4.6.2 for ECDH-ES in direct key
// agreement mode: the key is the content encryption key.
function concatKDF(z, enc, apu, apv, bits) {
  const len = (b) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  const info = Buffer.concat([len(Buffer.from(enc)), len(apu), len(apv), (() => { const b = Buffer.alloc(4); b.writeUInt32BE(bits); return b; })()]);
  const out = [];
  for (let i = 1; out.length * 32 < bits / 8; i++) {
    const c = Buffer.alloc(4); c.writeUInt32BE(i);
    out.push(createHash('sha256').update(Buffer.concat([c, z, info])).digest());
  }
  return Buffer.concat(out).subarray(0, bits / 8);
}

// encryptJwe makes a compact JWE: ECDH-ES on P-256, A128GCM or A256GCM.
function encryptJwe(encryptor, plaintext) {
  const { publicJwk, alg, enc, apu, apv } = encryptor;
  if (alg !== 'ECDH-ES') throw new Error(`JWE alg ${alg} is not supported here`);
  const bits = { A128GCM: 128, A256GCM: 256 }[enc];
  if (!bits) throw new Error(`JWE enc ${enc} is not supported here`);
  if (publicJwk.kty !== 'EC' || publicJwk.crv !== 'P-256') throw new Error('the Verifier\'s encryption key is not P-256');
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: createPublicKey({ key: publicJWK(publicJwk), format: 'jwk' }) });
  const cek = concatKDF(z, enc, apu ? Buffer.from(apu, 'base64url') : Buffer.alloc(0), apv ? Buffer.from(apv, 'base64url') : Buffer.alloc(0), bits);
  const header = { alg, enc, epk: publicJWK(eph.publicKey.export({ format: 'jwk' })), ...(publicJwk.kid && { kid: publicJwk.kid }), ...(apu && { apu }), ...(apv && { apv }) };
  const protectedHeader = b64json(header);
  const iv = randomBytes(12);
  const cipher = createCipheriv(`aes-${bits}-gcm`, cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader));
  const ct = Buffer.concat([cipher.update(Buffer.from(plaintext)), cipher.final()]);
  return { jwe: `${protectedHeader}..${b64(iv)}.${b64(ct)}.${b64(cipher.getAuthTag())}`, encryptionJwk: publicJwk };
}

// frame is the sd-jwt-js presentation frame that discloses the claim at
// path in claims (null: every element of an array).
function frame(claims, path, into = {}) {
  const [head, ...rest] = path;
  if (head === null) {
    if (!Array.isArray(claims)) throw new Error('a null path element on something that is not an array');
    claims.forEach((el, i) => { into[i] = rest.length ? frame(el, rest, into[i] ?? {}) : true; });
    return into;
  }
  if (claims === null || typeof claims !== 'object' || !(head in claims)) throw new Error(`the credential has no claim ${JSON.stringify(path)}`);
  into[head] = rest.length ? frame(claims[head], rest, typeof into[head] === 'object' ? into[head] : {}) : true;
  return into;
}

async function main(req) {
  const { uri, resolver, tamper } = req;
  const held = req.credentials ?? [{ credential: req.credential, holderJwk: req.holderJwk }];
  if (!uri || !resolver || !held.length || held.some((h) => !h.credential || !h.holderJwk)) {
    throw new Error('uri, resolver and a credential with its holderJwk (or credentials) are required');
  }
  setGlobalConfig({ allowInsecureUrls: true }); // the Verifier is on loopback http in the tests
  const verified = [];
  const callbacks = {
    hash: (data, alg) => createHash({ 'sha-256': 'sha256' }[alg] ?? 'sha256').update(data).digest(),
    fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }),
    verifyJwt: async (signer, { compact }) => {
      if (signer.method !== 'did') return { verified: false };
      const jwk = await didKey(resolver, signer.didUrl);
      const [h, p, s] = compact.split('.');
      const ok = verifierFor(jwk)(`${h}.${p}`, s);
      if (ok) verified.push(signer.didUrl);
      return { verified: ok, signerJwk: jwk };
    },
    encryptJwe,
    decryptJwe: () => { throw new Error('nothing is decrypted by this Wallet'); },
    signJwt: () => { throw new Error('this Wallet signs only KB-JWTs, with sd-jwt-js'); },
  };
  const client = new Openid4vpClient({ callbacks });
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: uri });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
    wallet: {
      metadata: {
        vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] } },
        client_id_prefixes_supported: ['decentralized_identifier'],
      },
    },
  });
  const request = resolved.authorizationRequestPayload;
  if (!resolved.jar) throw new Error('the request was not a signed request object');
  if (verified.length === 0) throw new Error('the request object\'s signature was not checked');
  if (resolved.client.prefix !== 'decentralized_identifier') throw new Error(`client id prefix ${resolved.client.prefix}`);
  const query = resolved.dcql?.query;
  if (!query?.credentials?.length) throw new Error('no DCQL query');

  // Each Credential Query gets the first credential of its vct.
  const wallet = [];
  for (const h of held) {
    const sdjwt = instance({ holderPrivate: h.holderJwk });
    const decoded = await sdjwt.decode(h.credential);
    wallet.push({ ...h, sdjwt, claims: await decoded.getClaims(createHashFn()) });
  }
  const vpToken = {};
  const asked = [];
  for (const cq of query.credentials) {
    if (cq.format !== 'dc+sd-jwt') throw new Error(`format ${cq.format} is not dc+sd-jwt`);
    const w = wallet.find((c) => cq.meta?.vct_values?.includes(c.claims.vct));
    if (!w) continue;
    // A query with claim_sets is answered with the first set the
    // credential can satisfy (OpenID4VP 1.0 §6.4.1: sets in order of
    // preference); without claim_sets, with every claim.
    let f = null;
    let chosen = [];
    for (const ids of cq.claim_sets ?? [null]) {
      const claims = (cq.claims ?? []).filter((c) => !ids || ids.includes(c.id));
      try {
        let g = {};
        for (const c of claims) g = frame(w.claims, c.path, g);
        f = g;
        chosen = claims;
        break;
      } catch {
        // this set asks for a claim the credential lacks: try the next
      }
    }
    if (f === null) throw new Error(`the credential for ${cq.id} satisfies none of its claim sets`);
    for (const c of chosen) asked.push(c.path);
    const aud = tamper === 'aud' ? 'decentralized_identifier:did:example:someone-else' : request.client_id;
    const nonce = tamper === 'nonce' ? randomBytes(16).toString('base64url') : request.nonce;
    vpToken[cq.id] = [await w.sdjwt.present(w.credential, f, { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud, nonce } } })];
  }
  if (Object.keys(vpToken).length === 0) throw new Error('no credential answers the query');
  const jarm = request.response_mode === 'direct_post.jwt'
    ? { encryption: { nonce: randomBytes(16).toString('base64url') },
        serverMetadata: {
          authorization_signing_alg_values_supported: ['ES256', 'EdDSA'],
          authorization_encryption_alg_values_supported: ['ECDH-ES'],
          authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
        } }
    : undefined;
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request, authorizationResponsePayload: { vp_token: vpToken }, jarm,
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    ...(response.jarm && { jarm: { responseJwt: response.jarm.responseJwt } }),
  });
  const body = await submitted.response.text();
  const disclosed = [];
  for (const [qid, [p]] of Object.entries(vpToken)) {
    const w = wallet.find((c) => query.credentials.find((q) => q.id === qid).meta.vct_values.includes(c.claims.vct));
    for (const d of (await w.sdjwt.decode(p)).disclosures) disclosed.push(d.key ?? null);
  }
  return {
    clientId: request.client_id,
    responseMode: submitted.responseMode,
    purpose: request.seoulid_purpose ?? null,
    asked,
    disclosed,
    answered: Object.keys(vpToken),
    features: {
      signedRequest: true, requestObjectKey: verified[0], requestUriMethod: parsed.params.request_uri_method ?? 'get',
      version: resolved.version, encrypted: Boolean(response.jarm),
    },
    status: submitted.response.status,
    body: (() => { try { return JSON.parse(body); } catch { return body; } })(),
  };
}

// createHashFn is the hasher sd-jwt-js's getClaims needs.
function createHashFn() {
  return (data, alg) => createHash({ 'sha-256': 'sha256' }[alg] ?? 'sha256').update(data).digest();
}

try {
  process.stdout.write(`${JSON.stringify(await main(readRequest()))}\n`);
} catch (e) {
  process.stderr.write(`oid4vp-wallet: ${oneLine(e)}\n`);
  process.exit(1);
}
