// oid4vci-issuer.mjs: an OpenID4VCI 1.0 Credential Issuer, with its own
// authorization server, built on the OpenWallet Foundation's issuer-side
// libraries: @openid4vc/openid4vci (Openid4vciIssuer) for the Credential
// Issuer and @openid4vc/oauth2 (Oauth2AuthorizationServer,
// Oauth2ResourceServer) for the token endpoint and the access tokens. It
// issues SD-JWT VCs with sd-jwt-js (@sd-jwt/sd-jwt-vc). Keys, signing,
// hashing and randomness are Node's own crypto.
//
// It serves one pre-authorized code offer with a tx_code, over plain http
// on 127.0.0.1 (the libraries' documented allowInsecureUrls setting is
// turned on for that, and for nothing else):
//
//   GET  /.well-known/openid-credential-issuer   Credential Issuer Metadata (§12.2)
//   GET  /.well-known/oauth-authorization-server Authorization Server Metadata (RFC 8414)
//   GET  /jwks                                   the key of the access tokens (jwks_uri)
//   GET  /offer                                  the Credential Offer, by reference (§4.1.3)
//   POST /token                                  Token Endpoint (§6), pre-authorized code + tx_code
//   POST /nonce                                  Nonce Endpoint (§7)
//   POST /credential                             Credential Endpoint (§8), a batch of up to 3
//   GET  /issued                                 what it issued: per request the token's scheme
//                                                (Bearer or DPoP) and the holder keys (for the test)
//
// What the libraries do: Openid4vciIssuer.createCredentialIssuerMetadata and
// Oauth2AuthorizationServer.createAuthorizationServerMetadata check the
// metadata; Openid4vciIssuer.createCredentialOffer makes the offer (by value
// and by reference) and its pre-authorized code; at the token endpoint
// parseAccessTokenRequest reads the request (grant, tx_code, DPoP header),
// verifyPreAuthorizedCodeAccessTokenRequest checks the code, the tx_code
// (and a DPoP proof, if the wallet sent one) and createAccessTokenResponse
// signs a JWT access token (RFC 9068, bound by cnf.jkt under DPoP);
// createNonceResponse writes the c_nonce; at the credential endpoint
// Oauth2ResourceServer.verifyResourceRequest verifies the access token (by
// the jwks_uri of the authorization server metadata) and, for a DPoP
// token, the DPoP proof; parseCredentialRequest reads the request;
// verifyCredentialRequestJwtProof verifies each openid4vci-proof+jwt key
// proof (signature by its jwk, typ, aud = this issuer, the c_nonce);
// createCredentialResponse writes the answer. What the script does by hand
// because no library call does it: it keeps its state (the offer, whether
// its code was redeemed, the c_nonces it gave and when they expire), finds
// which c_nonce a proof names (Openid4vciIssuer only compares a proof's
// nonce with one it is given, so the script reads it with oauth2's
// decodeJwt first) and answers invalid_nonce for an unknown or expired
// one (§8.3.1.2: the library has the error code, not the check), refuses
// more proofs than batch_size, and the HTTP plumbing (node:http).
//
// The credential is an SD-JWT VC (typ dc+sd-jwt) of the type and claims
// given, iss a did:jwk of the issuer's Ed25519 key (kid iss#0, so that a
// wallet resolves the key from the DID alone), iat, exp, the vct, cnf.jwk =
// the key of the proof, and the claims named in sd selectively disclosable.
//
// Usage: node oid4vci-issuer.mjs [REQUEST.json], or the request on standard
// input, a JSON object:
//   vct      the credential type, e.g. urn:seoulid:vct:residency-status:1
//   claims   the credential's claims (a catalogue type's example)
//   sd       the names of the top-level claims to make selectively disclosable
//   validFor optional, seconds the credential is valid; default 30 days
//   name     optional, the issuer's display name per locale, {"ko": …, "en": …}
// When ready it prints one JSON line:
//   {"url", "did", "offer" (by value), "offerByReference", "txCode",
//    "configurationId"}
// and serves until killed. Errors at start: one line on standard error and
// exit status 1.

import http from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import {
  Oauth2AuthorizationServer, Oauth2ErrorCodes, Oauth2ResourceServer, Oauth2ResourceUnauthorizedError,
  Oauth2ServerErrorResponseError, clientAuthenticationAnonymous, decodeJwt, preAuthorizedCodeGrantIdentifier,
} from '@openid4vc/oauth2';
import { Openid4vciIssuer, Openid4vciVersion, setGlobalConfig } from '@openid4vc/openid4vci';
import { algOf, instance, oneLine, publicJWK, readRequest, signerFor, verifierFor } from './lib.mjs';

const b64json = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const sameKey = (a, b) => a?.kty === b?.kty && a?.crv === b?.crv && a?.x === b?.x && a?.y === b?.y;

function newKey(alg) {
  const { privateKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'jwk' });
}

// The issuer's keys: the credentials' (Ed25519, named by a did:jwk) and the
// access tokens' (P-256, published at jwks_uri).
const credentialKey = newKey('EdDSA');
const did = `did:jwk:${b64json(publicJWK(credentialKey))}`;
const kid = `${did}#0`;
const tokenKey = newKey('ES256');
const tokenJwk = { ...publicJWK(tokenKey), kid: 'at-1', use: 'sig', alg: 'ES256' };

// The libraries' callbacks.
const callbacks = {
  hash: (data, alg) => {
    const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[alg];
    if (!name) throw new Error(`hash: unsupported algorithm ${alg}`);
    return createHash(name).update(data).digest();
  },
  generateRandom: (n) => randomBytes(n),
  // The libraries sign one thing here: access tokens, with the token key.
  signJwt: (signer, { header, payload }) => {
    if (signer.method !== 'jwk' || !sameKey(signer.publicJwk, tokenJwk) || header.alg !== 'ES256') {
      throw new Error('signJwt: only the access token key signs here');
    }
    const input = `${b64json(header)}.${b64json(payload)}`;
    return { jwt: `${input}.${signerFor(tokenKey)(input)}`, signerJwk: tokenJwk };
  },
  // Key proofs and DPoP proofs carry their jwk; access tokens are checked
  // with the jwks_uri key the library picked. The JWS alg must be the key's.
  verifyJwt: (signer, { compact }) => {
    if (signer.method !== 'jwk') return { verified: false };
    const [h, p, s] = compact.split('.');
    try {
      return { verified: verifierFor(signer.publicJwk)(`${h}.${p}`, s), signerJwk: signer.publicJwk };
    } catch {
      return { verified: false };
    }
  },
  clientAuthentication: clientAuthenticationAnonymous(),
  // The resource server fetches the jwks_uri, which is this server.
  fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }),
};

const issuer = new Openid4vciIssuer({ callbacks });
const authorizationServer = new Oauth2AuthorizationServer({ callbacks });
const resourceServer = new Oauth2ResourceServer({ callbacks });

// State, which no library keeps.
const offers = new Map(); // pre-authorized code -> {txCode, expiresAt, redeemed}
const nonces = new Map(); // c_nonce -> expiresAt
const issued = []; // per credential request: {scheme, dpop, holders}
const NONCE_SECONDS = 300;
const BATCH_SIZE = 3;

function oauthError(error, description, status = 400) {
  return new Oauth2ServerErrorResponseError({ error, error_description: description }, { status });
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 1 << 20) throw oauthError(Oauth2ErrorCodes.InvalidRequest, 'the body is too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// requestLike is what the libraries read of a request.
function requestLike(req, base) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  return { headers, method: req.method, url: new URL(req.url, base).toString() };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function start(req) {
  const { vct, claims, sd, validFor = 30 * 24 * 3600, name } = req;
  if (typeof vct !== 'string' || !vct) throw new Error('vct is required');
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('claims must be a JSON object');
  if (!Array.isArray(sd) || sd.some((n) => !(n in claims))) throw new Error('sd must list names of claims');

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  // Plain http, on loopback only: the libraries' documented switch.
  setGlobalConfig({ allowInsecureUrls: true });

  const configurationId = vct.replace(/^urn:seoulid:vct:/, '').replace(/[^A-Za-z0-9_-]/g, '_') + '_dc_sd_jwt';
  const credentialIssuerMetadata = issuer.createCredentialIssuerMetadata({
    credential_issuer: base,
    authorization_servers: [base],
    credential_endpoint: `${base}/credential`,
    nonce_endpoint: `${base}/nonce`,
    batch_credential_issuance: { batch_size: BATCH_SIZE },
    display: Object.entries(name ?? { en: 'Interop test issuer' }).map(([locale, n]) => ({ name: n, locale })),
    credential_configurations_supported: {
      [configurationId]: {
        format: 'dc+sd-jwt',
        vct,
        scope: configurationId,
        cryptographic_binding_methods_supported: ['jwk'],
        credential_signing_alg_values_supported: ['EdDSA'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256', 'EdDSA'] } },
        credential_metadata: { display: [{ name: vct, locale: 'en' }] },
      },
    },
  });
  const authorizationServerMetadata = authorizationServer.createAuthorizationServerMetadata({
    issuer: base,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    grant_types_supported: [preAuthorizedCodeGrantIdentifier],
    'pre-authorized_grant_anonymous_access_supported': true,
    dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
  });
  // What the library's client gets from resolveIssuerMetadata, made here
  // from the same metadata.
  const issuerMetadata = {
    originalDraftVersion: Openid4vciVersion.V1,
    credentialIssuer: credentialIssuerMetadata,
    authorizationServers: [authorizationServerMetadata],
    knownCredentialConfigurations: issuer.getKnownCredentialConfigurationsSupported(credentialIssuerMetadata),
  };

  // The offer: the library makes the pre-authorized code; the tx_code is
  // six digits, sent "out of band" (printed).
  const txCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const grant = { tx_code: { input_mode: 'numeric', length: 6, description: 'The code sent to you by text message' } };
  const byValue = await issuer.createCredentialOffer({
    issuerMetadata, credentialConfigurationIds: [configurationId],
    grants: { [preAuthorizedCodeGrantIdentifier]: grant },
  });
  const code = byValue.credentialOfferObject.grants[preAuthorizedCodeGrantIdentifier]['pre-authorized_code'];
  const byReference = await issuer.createCredentialOffer({
    issuerMetadata, credentialConfigurationIds: [configurationId],
    grants: { [preAuthorizedCodeGrantIdentifier]: { ...grant, 'pre-authorized_code': code } },
    credentialOfferUri: `${base}/offer`,
  });
  offers.set(code, { txCode, expiresAt: new Date(Date.now() + 600_000), redeemed: false });

  const sdjwt = instance({ issuerPrivate: credentialKey });

  async function token(req) {
    const r = requestLike(req, base);
    const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const parsed = authorizationServer.parseAccessTokenRequest({ request: r, accessTokenRequest: body });
    if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
      throw oauthError(Oauth2ErrorCodes.UnsupportedGrantType, 'only the pre-authorized code grant is supported');
    }
    const offer = offers.get(parsed.grant.preAuthorizedCode);
    if (!offer || offer.redeemed) throw oauthError(Oauth2ErrorCodes.InvalidGrant, 'unknown or already redeemed pre-authorized_code');
    const verified = await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
      authorizationServerMetadata, grant: parsed.grant, accessTokenRequest: parsed.accessTokenRequest, request: r,
      expectedPreAuthorizedCode: parsed.grant.preAuthorizedCode, expectedTxCode: offer.txCode,
      preAuthorizedCodeExpiresAt: offer.expiresAt,
      dpop: parsed.dpop && { jwt: parsed.dpop.jwt, allowedSigningAlgs: authorizationServerMetadata.dpop_signing_alg_values_supported },
    });
    offer.redeemed = true;
    return authorizationServer.createAccessTokenResponse({
      authorizationServer: base, audience: base, subject: parsed.grant.preAuthorizedCode, expiresInSeconds: 300,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: tokenJwk },
      dpop: verified.dpop && { jwk: verified.dpop.jwk },
    });
  }

  async function nonce() {
    const cNonce = randomBytes(24).toString('base64url');
    nonces.set(cNonce, new Date(Date.now() + NONCE_SECONDS * 1000));
    return issuer.createNonceResponse({ cNonce, cNonceExpiresIn: NONCE_SECONDS });
  }

  async function credential(req) {
    const r = requestLike(req, base);
    const access = await resourceServer.verifyResourceRequest({ request: r, resourceServer: base, authorizationServers: [authorizationServerMetadata] });
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      throw oauthError(Oauth2ErrorCodes.InvalidCredentialRequest, 'the body is not JSON');
    }
    const parsed = issuer.parseCredentialRequest({ issuerMetadata, credentialRequest: body });
    if (parsed.credentialConfigurationId !== configurationId) {
      throw oauthError(Oauth2ErrorCodes.InvalidCredentialRequest, `this issuer takes credential_configuration_id ${configurationId}`);
    }
    const jwts = parsed.proofs?.jwt;
    if (!jwts?.length) throw oauthError(Oauth2ErrorCodes.InvalidProof, 'a jwt key proof is required (cryptographic binding)');
    if (jwts.length > BATCH_SIZE) throw oauthError(Oauth2ErrorCodes.InvalidCredentialRequest, `at most ${BATCH_SIZE} proofs`);
    const holders = [];
    const used = new Set();
    for (const jwt of jwts) {
      // Which c_nonce the proof names: decoded (not trusted) only to look it
      // up; the library then verifies the proof against it.
      const { payload } = decodeJwt({ jwt });
      const expiresAt = typeof payload.nonce === 'string' ? nonces.get(payload.nonce) : undefined;
      if (!expiresAt || expiresAt < new Date()) {
        throw oauthError(Oauth2ErrorCodes.InvalidNonce, 'the proof has no c_nonce of this issuer, or an expired one');
      }
      const { signer } = await issuer.verifyCredentialRequestJwtProof({
        issuerMetadata, jwt, expectedNonce: payload.nonce, nonceExpiresAt: expiresAt,
      });
      algOf(signer.publicJwk);
      const holder = publicJWK(signer.publicJwk);
      if (holders.some((h) => sameKey(h, holder))) throw oauthError(Oauth2ErrorCodes.InvalidProof, 'two proofs of one key');
      holders.push(holder);
      used.add(payload.nonce);
    }
    for (const n of used) nonces.delete(n);

    const iat = Math.floor(Date.now() / 1000);
    const frame = { _sd: sd };
    const credentials = [];
    for (const holder of holders) {
      const vc = await sdjwt.issue(
        { ...claims, iss: did, iat, exp: iat + validFor, vct, cnf: { jwk: holder } },
        frame,
        { header: { typ: 'dc+sd-jwt', kid } },
      );
      credentials.push({ credential: vc });
    }
    issued.push({ scheme: access.scheme, dpop: Boolean(access.dpop), holders });
    return issuer.createCredentialResponse({ credentialRequest: parsed, credentials });
  }

  const routes = {
    'GET /.well-known/openid-credential-issuer': async () => credentialIssuerMetadata,
    'GET /.well-known/oauth-authorization-server': async () => authorizationServerMetadata,
    'GET /jwks': async () => ({ keys: [tokenJwk] }),
    'GET /offer': async () => byReference.credentialOfferObject,
    'GET /issued': async () => issued,
    'POST /token': token,
    'POST /nonce': nonce,
    'POST /credential': credential,
  };
  server.on('request', async (req, res) => {
    const route = routes[`${req.method} ${new URL(req.url, base).pathname}`];
    if (!route) return send(res, 404, { error: 'not_found' });
    try {
      send(res, 200, await route(req));
    } catch (e) {
      if (e instanceof Oauth2ResourceUnauthorizedError) {
        return send(res, 401, { error: 'invalid_token', error_description: oneLine(e) }, { 'WWW-Authenticate': e.toHeaderValue() });
      }
      if (e instanceof Oauth2ServerErrorResponseError) return send(res, e.status, e.errorResponse);
      process.stderr.write(`oid4vci-issuer: ${req.method} ${req.url}: ${oneLine(e)}\n`);
      send(res, 500, { error: 'server_error', error_description: oneLine(e) });
    }
  });

  return {
    url: base, did, offer: byValue.credentialOffer, offerByReference: byReference.credentialOffer,
    txCode, configurationId,
  };
}

try {
  process.stdout.write(`${JSON.stringify(await start(readRequest()))}\n`);
} catch (e) {
  process.stderr.write(`oid4vci-issuer: ${oneLine(e)}\n`);
  process.exit(1);
}
