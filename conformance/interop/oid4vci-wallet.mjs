// oid4vci-wallet.mjs: a wallet built on the OpenWallet Foundation's
// OpenID4VCI client (@openid4vc/openid4vci, with @openid4vc/oauth2) redeems
// a credential offer of the pre-authorized code flow (OpenID4VCI 1.0).
//
// What the library does: it parses the offer (§4.1), fetches the Credential
// Issuer Metadata (§12.2) and the Authorization Server Metadata (RFC 8414),
// sends the token request with the pre-authorized code and the tx_code
// (§6.1), with a DPoP proof (RFC 9449) when it is given a DPoP key, fetches
// a c_nonce from the Nonce Endpoint (§7), builds the openid4vci-proof+jwt
// key proofs (Appendix F.1) and sends the credential request (§8.2) by
// credential_configuration_id with "proofs" and the access token (as a DPoP
// token with a fresh DPoP proof when DPoP was used). This script decides
// only what a wallet decides: which algorithms, whether to use DPoP (yes,
// when the authorization server lists dpop_signing_alg_values_supported),
// how many credentials to ask for, and it supplies the keys and the
// signing, hashing and random callbacks (Node's own crypto).
//
// Usage:
//   node oid4vci-wallet.mjs OFFER_URI TX_CODE
//   node oid4vci-wallet.mjs < request.json
// where the request is a JSON object:
//   offer       the credential offer URI, openid-credential-offer://?credential_offer=…
//               (or …?credential_offer_uri=…)
//   txCode      the transaction code the citizen was given
//   alg         optional, "ES256" (default) or "EdDSA": the algorithm of the
//               holder keys and of the DPoP key, if the issuer takes it
//   batch       optional, how many credentials (each bound to its own fresh
//               holder key) to ask for; default 2, at most the issuer's
//               batch_credential_issuance.batch_size, 1 if it has none
//   dpop        optional, false to not use DPoP even where it is offered
//   issuerJwk   optional, the issuer's public JWK: then sd-jwt-js verifies
//               every credential received (signature, Disclosures, typ,
//               vct, cnf.jwk = the holder key; not its status, which the
//               caller checks where the status list is published)
// Output: one JSON object:
//   credentialIssuer, credentialConfigurationId, tokenType
//   credentials  [{credential, holderJwk, claims?}], holderJwk the public JWK
//                of the key the credential is bound to (its cnf.jwk), claims
//                the processed payload when issuerJwk was given
//   features     {txCode, dpop, dpopAlg, proofAlg, batchSize, nonceEndpoint}
// On failure: one line on standard error and exit status 1.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2';
import { Openid4vciClient, setGlobalConfig } from '@openid4vc/openid4vci';
import { algOf, decodeHeader, instance, oneLine, publicJWK, signerFor } from './lib.mjs';

// readInput takes OFFER_URI TX_CODE as arguments or a JSON request on
// standard input.
function readInput() {
  const args = process.argv.slice(2);
  if (args.length === 2) return { offer: args[0], txCode: args[1] };
  if (args.length !== 0) throw new Error('usage: node oid4vci-wallet.mjs OFFER_URI TX_CODE (or a JSON request on standard input)');
  const req = JSON.parse(readFileSync(0, 'utf8'));
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new Error('the request must be a JSON object');
  return req;
}

const b64json = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');

// sameKey reports whether two public JWKs are the same key.
const sameKey = (a, b) => a?.kty === b?.kty && a?.crv === b?.crv && a?.x === b?.x && a?.y === b?.y;

// newKey makes a fresh key pair and returns its private and public JWK.
function newKey(alg) {
  const { privateKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('ed25519');
  const priv = privateKey.export({ format: 'jwk' });
  return { priv, pub: publicJWK(priv) };
}

// The wallet's keys, by which the signJwt callback finds the private key of
// the public JWK the library names.
const wallet = [];
function walletKey(alg) {
  const k = newKey(alg);
  wallet.push(k);
  return k;
}

// The library's callbacks: signing with the wallet's keys, SHA-2 and
// randomness from Node's crypto, and no client authentication (the
// pre-authorized code flow's anonymous access, §6).
const callbacks = {
  hash: (data, alg) => {
    const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[alg];
    if (!name) throw new Error(`hash: unsupported algorithm ${alg}`);
    return createHash(name).update(data).digest();
  },
  generateRandom: (n) => randomBytes(n),
  signJwt: (signer, { header, payload }) => {
    if (signer.method !== 'jwk') throw new Error(`signJwt: only jwk signers are used, not ${signer.method}`);
    const k = wallet.find((w) => sameKey(w.pub, signer.publicJwk));
    if (!k) throw new Error('signJwt: the library asked to sign with a key this wallet does not hold');
    if (signer.alg !== algOf(k.priv) || header.alg !== signer.alg) {
      throw new Error(`signJwt: alg ${header.alg} does not fit the ${algOf(k.priv)} key`);
    }
    const input = `${b64json(header)}.${b64json(payload)}`;
    return { jwt: `${input}.${signerFor(k.priv)(input)}`, signerJwk: k.pub };
  },
  clientAuthentication: clientAuthenticationAnonymous(),
  // Every request has a time limit, so that a stuck issuer fails the run.
  fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(20_000) }),
};

// pickAlg is the first algorithm of the wallet's preference that the issuer
// lists.
function pickAlg(preferred, supported, what) {
  const want = preferred === 'EdDSA' ? ['EdDSA', 'ES256'] : ['ES256', 'EdDSA'];
  const alg = want.find((a) => supported.includes(a));
  if (!alg) throw new Error(`${what}: the issuer takes ${supported.join(', ') || 'no algorithm'}, this wallet ES256 or EdDSA`);
  return alg;
}

// loopbackHTTP reports whether the offer is of an http:// issuer on this
// machine: the credential_issuer it names, or for an offer by reference its
// credential_offer_uri. It is read here only to decide whether plain http
// is acceptable; the library parses the offer.
function loopbackHTTP(offerURI) {
  try {
    const q = new URL(offerURI.replace(/^[a-z0-9+.-]+:\/\/[^?]*/i, 'http://offer.invalid/')).searchParams;
    const named = new URL(q.get('credential_offer')
      ? JSON.parse(q.get('credential_offer')).credential_issuer
      : q.get('credential_offer_uri'));
    return named.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(named.hostname);
  } catch {
    return false;
  }
}

// checkTxCode applies what the offer says of the transaction code (§4.1.1:
// input_mode, length) to the one the citizen gave, as a wallet's input
// form would.
function checkTxCode(spec, txCode) {
  if (!spec) return;
  if (!txCode) throw new Error('the offer asks for a tx_code and none was given');
  if (spec.length !== undefined && txCode.length !== spec.length) {
    throw new Error(`the offer says the tx_code has ${spec.length} characters, the one given has ${txCode.length}`);
  }
  if ((spec.input_mode ?? 'numeric') === 'numeric' && !/^[0-9]+$/.test(txCode)) {
    throw new Error('the offer says the tx_code is numeric, the one given is not');
  }
}

function payloadOf(credential) {
  return JSON.parse(Buffer.from(credential.split('~')[0].split('.')[1], 'base64url').toString('utf8'));
}

async function main(req) {
  const { offer, txCode, alg = 'ES256', batch = 2, dpop: useDPoP = true, issuerJwk } = req;
  if (typeof offer !== 'string' || !offer) throw new Error('offer (the credential offer URI) is required');
  if (alg !== 'ES256' && alg !== 'EdDSA') throw new Error(`alg must be ES256 or EdDSA, not ${alg}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error('batch must be a positive integer');

  // The library accepts only https:// URLs unless its global config allows
  // insecure ones (Oid4vcTsConfig.allowInsecureUrls, documented default
  // false). A test issuer on this machine serves plain http on loopback, so
  // the wallet allows http for an offer of a loopback issuer, and only then.
  if (loopbackHTTP(offer)) setGlobalConfig({ allowInsecureUrls: true });

  const client = new Openid4vciClient({ callbacks });
  const credentialOffer = await client.resolveCredentialOffer(offer);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const issuer = issuerMetadata.credentialIssuer;
  if (issuer.credential_issuer !== credentialOffer.credential_issuer) {
    throw new Error(`the offer is from ${credentialOffer.credential_issuer}, the metadata of ${issuer.credential_issuer}`);
  }
  if (credentialOffer.credential_configuration_ids.length !== 1) {
    throw new Error(`the offer names ${credentialOffer.credential_configuration_ids.length} configurations; this wallet takes offers of one`);
  }
  const configurationId = credentialOffer.credential_configuration_ids[0];
  const configuration = issuer.credential_configurations_supported[configurationId];
  if (!configuration) throw new Error(`the offer's configuration ${configurationId} is not in the issuer's metadata`);
  if (configuration.format !== 'dc+sd-jwt') throw new Error(`${configurationId} is of format ${configuration.format}, this wallet takes dc+sd-jwt`);
  const grant = credentialOffer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  if (!grant) throw new Error('the offer has no pre-authorized code grant');
  checkTxCode(grant.tx_code, txCode);

  // DPoP when the authorization server takes it (RFC 9449 §5.1).
  const as = issuerMetadata.authorizationServers[0];
  const dpopAlgs = as?.dpop_signing_alg_values_supported ?? [];
  let dpop;
  if (useDPoP && dpopAlgs.length > 0) {
    const dpopAlg = pickAlg(alg, dpopAlgs, 'DPoP');
    dpop = { signer: { method: 'jwk', alg: dpopAlg, publicJwk: walletKey(dpopAlg).pub } };
  }

  const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode: grant.tx_code ? txCode : undefined, dpop,
  });
  const { access_token: accessToken, token_type: tokenType } = token.accessTokenResponse;

  // One fresh holder key per credential, all proofs with one c_nonce.
  const proofAlg = pickAlg(alg, configuration.proof_types_supported?.jwt?.proof_signing_alg_values_supported ?? [], 'key proof');
  const batchSize = Math.min(batch, issuer.batch_credential_issuance?.batch_size ?? 1);
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
  const holders = [];
  const jwts = [];
  for (let i = 0; i < batchSize; i++) {
    const k = walletKey(proofAlg);
    holders.push(k);
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configurationId, nonce,
      signer: { method: 'jwk', alg: proofAlg, publicJwk: k.pub },
    });
    jwts.push(jwt);
  }
  const response = await client.retrieveCredentials({
    issuerMetadata, accessToken, credentialConfigurationId: configurationId,
    proofs: { jwt: jwts }, dpop: token.dpop,
  });
  const received = response.credentialResponse.credentials?.map((c) => c.credential)
    ?? (response.credentialResponse.credential ? [response.credentialResponse.credential] : []);
  if (received.length !== batchSize) throw new Error(`asked for ${batchSize} credentials with ${batchSize} proofs, received ${received.length}`);

  // Which key each credential is bound to: the response need not keep the
  // order of the proofs.
  const verifier = issuerJwk && instance({ issuerPublic: issuerJwk });
  const credentials = [];
  for (const [i, credential] of received.entries()) {
    if (typeof credential !== 'string') throw new Error(`credential ${i} is not a compact SD-JWT VC`);
    const { typ } = decodeHeader(credential);
    if (typ !== 'dc+sd-jwt') throw new Error(`credential ${i} has typ ${typ}, not dc+sd-jwt`);
    const out = { credential };
    let payload = payloadOf(credential);
    if (verifier) {
      // The status is the caller's to check (see the header comment).
      ({ payload } = await verifier.verify(credential, { disableStatusVerification: true }));
      out.claims = payload;
    }
    if (payload.vct !== configuration.vct) throw new Error(`credential ${i} has vct ${payload.vct}, the configuration ${configuration.vct}`);
    const holder = holders.find((h) => sameKey(h.pub, payload.cnf?.jwk));
    if (!holder) throw new Error(`credential ${i} is not bound to a key of this request's proofs`);
    if (credentials.some((c) => c.holderJwk === holder.pub)) throw new Error(`two credentials are bound to one key`);
    out.holderJwk = holder.pub;
    credentials.push(out);
  }

  return {
    credentialIssuer: issuer.credential_issuer,
    credentialConfigurationId: configurationId,
    tokenType,
    credentials,
    features: {
      txCode: Boolean(grant.tx_code),
      dpop: Boolean(dpop),
      dpopAlg: dpop?.signer.alg ?? null,
      proofAlg,
      batchSize,
      nonceEndpoint: true,
    },
  };
}

try {
  process.stdout.write(`${JSON.stringify(await main(readInput()))}\n`);
} catch (e) {
  process.stderr.write(`oid4vci-wallet: ${oneLine(e)}\n`);
  process.exitCode = 1;
}
