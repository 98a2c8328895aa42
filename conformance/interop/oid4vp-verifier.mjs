// oid4vp-verifier.mjs: an OpenID4VP 1.0 Verifier built on the OpenWallet
// Foundation's @openid4vc/openid4vp (Openid4vpVerifier), which verifies the
// SD-JWT VC presentations it receives with sd-jwt-js (@sd-jwt/sd-jwt-vc).
// Keys, signing, hashing and randomness are Node's own crypto.
//
// The Verifier is identified by a DID (client_id
// decentralized_identifier:did:jwk:…, §5.9.3) of its own P-256 key, and
// asks, by reference, with signed requests (RFC 9101):
//
//   GET  /request/{id}   the request object, application/oauth-authz-req+jwt
//   POST /response/{id}  the response_uri of response_mode direct_post (§8.2)
//   GET  /result/{id}    what came back, as JSON (for the test)
//
// What the library does: Openid4vpVerifier.createOpenId4vpAuthorizationRequest
// checks the request's parameters, signs the request object (typ
// oauth-authz-req+jwt, kid the DID URL of the key, iat and exp) through
// the signJwt callback and makes the openid4vp://?client_id=…&request_uri=…
// URI; parseOpenid4vpAuthorizationResponse reads the posted response,
// checks its state against the request's and parses the DCQL vp_token
// (§8.1) into presentations per Credential Query id. The script sets the
// request object's aud to https://self-issued.me/v2 (§5.8, static
// discovery): the library's default is the request_uri. What the script
// does because the library leaves it to the caller: it checks every
// Credential Query is answered and nothing else, verifies each
// presentation with sd-jwt-js — the issuer's signature by the did:jwk key
// its iss and kid name (iss one of the trusted issuers given), typ
// dc+sd-jwt, the Disclosures, the KB-JWT's signature by cnf.jwk, its nonce
// (the request's) and sd_hash — then checks the KB-JWT's aud is the
// client_id (sd-jwt-js leaves aud to its caller; OpenID4VP B.3.6), the vct
// is one asked for and each claim asked for is there. It records the
// processed claims and the names of the Disclosures it received.
//
// Usage: node oid4vp-verifier.mjs [REQUEST.json], or the request on
// standard input, a JSON object:
//   vct       the credential type to ask for
//   purpose   the seoulid_purpose of the requests (the seoulid profile)
//   issuers   the DIDs (did:jwk) of the issuers it trusts
//   requests  {name: [claim path, …]}: one request per name, each a DCQL
//             query for one credential of vct (Credential Query id
//             "residency") with those claims, e.g. [["resident_of_seoul"]]
// When ready it prints one JSON line:
//   {"url", "did", "clientId",
//    "requests": {name: {"uri": "openid4vp://?client_id=…&request_uri=…", "result": URL}}}
// and serves until killed. A result is {"status": "pending"}, or
//   {"status": "verified", "presentations": {queryId: [{"claims", "disclosed", "kb"}]}}
//   {"status": "refused", "reason"}       the Verifier refused the response
//   {"status": "wallet_error", "error", "error_description"}  the Wallet declined

import http from 'node:http';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Openid4vpVerifier } from '@openid4vc/openid4vp';
import { setGlobalConfig } from '@openid4vc/oauth2';
import { decodeHeader, instance, oneLine, publicJWK, readRequest, signerFor, verifierFor } from './lib.mjs';

const b64json = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const random = () => randomBytes(32).toString('base64url');

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verifierKey = privateKey.export({ format: 'jwk' });
const did = `did:jwk:${b64json(publicJWK(verifierKey))}`;
const kid = `${did}#0`;
const clientId = `decentralized_identifier:${did}`;

// didJwkKey is the public JWK of a did:jwk (its "Read" operation), for a
// kid that is a DID URL of it.
function didJwkKey(iss, headerKid) {
  if (!iss.startsWith('did:jwk:')) throw new Error(`iss ${iss} is not a did:jwk`);
  if (headerKid !== `${iss}#0` && headerKid !== '#0') throw new Error(`kid ${headerKid} is not the key of ${iss}`);
  const jwk = JSON.parse(Buffer.from(iss.slice('did:jwk:'.length), 'base64url').toString('utf8'));
  if ('d' in jwk) throw new Error(`${iss} holds a private key`);
  return publicJWK(jwk);
}

const callbacks = {
  hash: (data, alg) => {
    const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[alg];
    if (!name) throw new Error(`hash: unsupported algorithm ${alg}`);
    return createHash(name).update(data).digest();
  },
  // The library signs request objects with the Verifier's DID key.
  signJwt: (signer, { header, payload }) => {
    if (signer.method !== 'did' || signer.didUrl !== kid || header.alg !== 'ES256') {
      throw new Error('signJwt: only the Verifier\'s DID key signs here');
    }
    const input = `${b64json(header)}.${b64json(payload)}`;
    return { jwt: `${input}.${signerFor(verifierKey)(input)}`, signerJwk: publicJWK(verifierKey) };
  },
  verifyJwt: (signer, { compact }) => {
    if (signer.method !== 'jwk') return { verified: false };
    const [h, p, s] = compact.split('.');
    try {
      return { verified: verifierFor(signer.publicJwk)(`${h}.${p}`, s), signerJwk: signer.publicJwk };
    } catch {
      return { verified: false };
    }
  },
  // Only direct_post: nothing is encrypted.
  encryptJwe: () => { throw new Error('encryption is not used'); },
  decryptJwe: () => { throw new Error('encryption is not used'); },
  fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }),
};
const verifier = new Openid4vpVerifier({ callbacks });

// claimAt returns the value at a claim path of names (and indices), or
// undefined.
function claimAt(claims, path) {
  let v = claims;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !(p in v)) return undefined;
    v = v[p];
  }
  return v;
}

// verifyPresentation verifies one dc+sd-jwt presentation with sd-jwt-js.
async function verifyPresentation(presentation, query, pending, issuers) {
  if (typeof presentation !== 'string') throw new Error('a dc+sd-jwt presentation is a string');
  const header = decodeHeader(presentation);
  if (header.typ !== 'dc+sd-jwt') throw new Error(`typ is ${header.typ}, not dc+sd-jwt`);
  const unverified = JSON.parse(Buffer.from(presentation.split('~')[0].split('.')[1], 'base64url').toString('utf8'));
  if (!issuers.includes(unverified.iss)) throw new Error(`the issuer ${unverified.iss} is not trusted`);
  const sdjwt = instance({ issuerPublic: didJwkKey(unverified.iss, header.kid) });
  const { payload, kb } = await sdjwt.verify(presentation, { keyBindingNonce: pending.nonce });
  if (!kb) throw new Error('no key binding JWT');
  if (kb.payload.aud !== clientId) throw new Error(`the KB-JWT aud is ${kb.payload.aud}, not ${clientId}`);
  if (!query.meta.vct_values.includes(payload.vct)) throw new Error(`vct ${payload.vct} was not asked for`);
  for (const { path } of query.claims ?? []) {
    if (claimAt(payload, path) === undefined) throw new Error(`claim ${JSON.stringify(path)} is missing`);
  }
  const decoded = await sdjwt.decode(presentation);
  return {
    claims: payload,
    disclosed: decoded.disclosures.map((d) => d.key ?? null),
    kb: { aud: kb.payload.aud, nonce: kb.payload.nonce, iat: kb.payload.iat },
  };
}

async function start(req) {
  const { vct, purpose, issuers, requests } = req;
  if (typeof vct !== 'string' || !vct) throw new Error('vct is required');
  if (!Array.isArray(issuers) || issuers.length === 0) throw new Error('issuers must list the trusted issuers\' DIDs');
  if (!requests || typeof requests !== 'object' || Object.keys(requests).length === 0) throw new Error('requests is required');

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  // Plain http response_uri and request_uri, on loopback only: the
  // library's documented switch.
  setGlobalConfig({ allowInsecureUrls: true });

  const pending = new Map(); // id -> {payload, jwt, nonce, state, result}
  const out = {};
  for (const [name, paths] of Object.entries(requests)) {
    const id = random().slice(0, 22);
    const nonce = random();
    const state = random();
    const dcqlQuery = {
      credentials: [{
        id: 'residency', format: 'dc+sd-jwt', meta: { vct_values: [vct] },
        claims: paths.map((path) => ({ path })),
      }],
    };
    const created = await verifier.createOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: {
        response_type: 'vp_token',
        client_id: clientId,
        response_mode: 'direct_post',
        response_uri: `${base}/response/${id}`,
        nonce,
        state,
        dcql_query: dcqlQuery,
        client_metadata: {
          vp_formats_supported: {
            'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA', 'ES256'], 'kb-jwt_alg_values': ['EdDSA', 'ES256'] },
          },
        },
        ...(purpose && { seoulid_purpose: purpose }),
      },
      jar: {
        requestUri: `${base}/request/${id}`,
        jwtSigner: { method: 'did', didUrl: kid, alg: 'ES256' },
        expiresInSeconds: 300,
        additionalJwtPayload: { aud: 'https://self-issued.me/v2' },
      },
    });
    pending.set(id, {
      payload: created.authorizationRequestPayload, jwt: created.jar.authorizationRequestJwt,
      nonce, query: dcqlQuery, result: { status: 'pending' },
    });
    out[name] = { uri: created.authorizationRequest, result: `${base}/result/${id}` };
  }

  async function respond(p, body) {
    const form = Object.fromEntries(new URLSearchParams(body));
    if ('error' in form) {
      // An Authorization Error Response (§8.5): the Wallet declined.
      if (form.state !== p.payload.state) throw new Error('the error response has another state');
      p.result = { status: 'wallet_error', error: form.error, error_description: form.error_description };
      return {};
    }
    const parsed = await verifier.parseOpenid4vpAuthorizationResponse({
      authorizationResponse: form, authorizationRequestPayload: p.payload, callbacks,
    });
    if (parsed.type !== 'dcql') throw new Error(`a ${parsed.type} response to a DCQL request`);
    const got = parsed.dcql.presentations;
    const asked = p.query.credentials.map((c) => c.id);
    for (const qid of Object.keys(got)) if (!asked.includes(qid)) throw new Error(`vp_token answers ${qid}, which was not asked`);
    const presentations = {};
    for (const query of p.query.credentials) {
      if (!got[query.id]?.length) throw new Error(`no presentation for ${query.id}`);
      presentations[query.id] = [];
      for (const pres of got[query.id]) presentations[query.id].push(await verifyPresentation(pres, query, p, issuers));
    }
    p.result = { status: 'verified', presentations };
    return {};
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, base);
    const [, what, id] = url.pathname.split('/');
    const p = pending.get(id);
    const json = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!p) return json(404, { error: 'not_found' });
    if (req.method === 'GET' && what === 'request') {
      res.writeHead(200, { 'Content-Type': 'application/oauth-authz-req+jwt', 'Cache-Control': 'no-store' });
      return res.end(p.jwt);
    }
    if (req.method === 'GET' && what === 'result') return json(200, p.result);
    if (req.method !== 'POST' || what !== 'response') return json(404, { error: 'not_found' });
    if (p.result.status !== 'pending') return json(400, { error: 'invalid_request', error_description: 'this request was answered already' });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try {
      json(200, await respond(p, Buffer.concat(chunks).toString('utf8')));
    } catch (e) {
      p.result = { status: 'refused', reason: oneLine(e) };
      json(400, { error: 'invalid_request', error_description: oneLine(e).replace(/["\\]/g, "'") });
    }
  });

  return { url: base, did, clientId, requests: out };
}

try {
  process.stdout.write(`${JSON.stringify(await start(readRequest()))}\n`);
} catch (e) {
  process.stderr.write(`oid4vp-verifier: ${oneLine(e)}\n`);
  process.exit(1);
}
