package issuer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
)

// ProofType is the JWT key proof's typ (OpenID4VCI 1.0 Appendix F.1).
const ProofType = "openid4vci-proof+jwt"

// proofAlgs are the algorithms accepted for key proofs.
var proofAlgs = []keys.Algorithm{keys.EdDSA, keys.ES256}

// CredentialRequest is a credential request (OpenID4VCI 1.0 §8.2) with the
// access token it came with.
type CredentialRequest struct {
	AccessToken string
	// DPoPJKT is the thumbprint of the key of a valid DPoP proof sent with
	// the request ("" without DPoP).
	DPoPJKT         string
	ConfigurationID string
	// Proofs are JWT key proofs: one credential copy per proof.
	Proofs []string
}

// Issued is a credential as issued, with the id of its record.
type Issued struct {
	ID         string
	Credential string // the SD-JWT VC (compact, with all Disclosures)
}

// Credential issues the credentials of a redeemed offer (OpenID4VCI 1.0
// §8): it checks the access token (and its DPoP binding), the
// configuration, every key proof (typ, alg, signature by the key it
// carries, aud = this issuer, iat within ProofMaxAge, the nonce: one fresh
// nonce of this issuer for the request), the ledger's authorisation; then
// signs one SD-JWT VC per proof, each bound to its proof's key with its own
// random status index, and stores the records (wiping the offer's claims)
// and spends the nonce in one transaction. An offer issues once, a nonce
// is spent once.
func (is *Issuer) Credential(ctx context.Context, req CredentialRequest) ([]Issued, error) {
	now := is.cfg.Now().UTC()
	if req.AccessToken == "" {
		return nil, refuse(CodeInvalidToken, "no access token", nil)
	}
	offer, err := is.store.OfferByToken(ctx, hash(req.AccessToken), now)
	if errors.Is(err, ErrTokenUnknown) {
		return nil, refuse(CodeInvalidToken, "unknown or expired access token", err)
	} else if err != nil {
		return nil, fmt.Errorf("issuer: token: %w", err)
	}
	if offer.TokenJKT != req.DPoPJKT {
		return nil, refuse(CodeInvalidToken, "the access token is bound to a DPoP key and this request does not prove it", nil)
	}
	t, known := is.types[req.ConfigurationID]
	switch {
	case req.ConfigurationID == "":
		return nil, refuse(CodeInvalidCredentialRequest, "credential_configuration_id is missing", nil)
	case !known:
		return nil, refuse(CodeUnknownCredentialConfiguration, fmt.Sprintf("%q is not a credential configuration of this issuer", req.ConfigurationID), nil)
	case req.ConfigurationID != offer.ConfigurationID:
		return nil, refuse(CodeInvalidCredentialRequest, "the access token was not issued for this credential configuration", nil)
	case offer.State != OfferRedeemed:
		return nil, refuse(CodeCredentialRequestDenied, "the credentials of this offer were already issued", nil)
	case len(req.Proofs) == 0:
		return nil, refuse(CodeInvalidProof, "no key proof: the credential is bound to a key the wallet proves it holds", nil)
	case len(req.Proofs) > is.cfg.BatchSize:
		return nil, refuse(CodeInvalidCredentialRequest, fmt.Sprintf("%d proofs; at most %d credentials per request", len(req.Proofs), is.cfg.BatchSize), nil)
	}

	holders := make([]*keys.PublicKey, len(req.Proofs))
	var nonce string
	for i, p := range req.Proofs {
		k, n, err := is.checkProof(ctx, p, now)
		if err != nil {
			return nil, err
		}
		if i > 0 && n != nonce {
			return nil, refuse(CodeInvalidProof, "the proofs of one request must carry the same nonce", nil)
		}
		nonce = n
		for _, h := range holders[:i] {
			if h.Thumbprint() == k.Thumbprint() {
				return nil, refuse(CodeInvalidProof, "two proofs are by the same key; each copy needs its own key", nil)
			}
		}
		holders[i] = k
	}
	// The trust check comes before the nonce is spent (in CompleteOffer),
	// so that a refusal leaves the wallet its nonce.
	if ok, err := is.trust.IssuerAuthorised(ctx, is.cfg.DID, t.VCT); err != nil {
		return nil, fmt.Errorf("issuer: trust registry: %w", err)
	} else if !ok {
		return nil, refuse(CodeCredentialRequestDenied, fmt.Sprintf("the ledger does not authorise this issuer for %s", t.VCT), nil)
	}
	nonceExpiry, ok, err := is.checkNonce(ctx, nonce, now)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, refuse(CodeInvalidNonce, "the nonce is unknown, used or expired: get a fresh one from the nonce endpoint", ErrNonceUnknown)
	}
	spent := SpentNonce{Hash: hash(nonce), Expiry: nonceExpiry}
	claims, err := jsonx.ParseObject(offer.Claims)
	if err != nil {
		return nil, fmt.Errorf("issuer: the offer's claims: %w", err)
	}

	for attempt := 0; ; attempt++ {
		out := make([]Issued, len(holders))
		recs := make([]*Credential, len(holders))
		for i, h := range holders {
			idb, err := is.random(16)
			if err != nil {
				return nil, err
			}
			uri, idx, err := is.lists.allocate(ctx)
			if err != nil {
				return nil, err
			}
			cred, err := t.Credential(is.cfg.DID, now, claims)
			if err != nil {
				return nil, fmt.Errorf("issuer: %w", err)
			}
			cred.Holder = h
			cred.Status = statuslist.Reference{Index: idx, URI: uri}.Claim()
			sd, err := sdjwtvc.Issue(ctx, is.signer, cred, sdjwtvc.IssueOptions{Rand: is.cfg.Rand, Now: func() time.Time { return now }})
			if err != nil {
				return nil, fmt.Errorf("issuer: signing: %w", err)
			}
			id := "crd_" + b64url.Encode(idb)
			out[i] = Issued{ID: id, Credential: sd.String()}
			recs[i] = &Credential{ID: id, OfferID: offer.ID, VCT: t.VCT, HolderThumbprint: h.Thumbprint(),
				ListURI: uri, Index: idx, Status: StatusValid, IssuedAt: now, Expiry: cred.Expiry, UpdatedAt: now}
		}
		err := is.store.CompleteOffer(ctx, offer.ID, spent, recs, now)
		if errors.Is(err, ErrIndexTaken) && attempt < 3 {
			continue // another process of this issuer took one of these indexes at the same moment
		}
		if errors.Is(err, ErrNonceUnknown) {
			return nil, refuse(CodeInvalidNonce, "the nonce is unknown, used or expired: get a fresh one from the nonce endpoint", err)
		}
		if errors.Is(err, ErrCodeUsed) {
			return nil, refuse(CodeCredentialRequestDenied, "the credentials of this offer were already issued", err)
		}
		if err != nil {
			return nil, fmt.Errorf("issuer: storing the issuance: %w", err)
		}
		if is.cfg.OnIssued != nil {
			is.cfg.OnIssued(offer.VCT, len(out))
		}
		return out, nil
	}
}

// checkProof verifies one JWT key proof (OpenID4VCI 1.0 Appendix F.1) and
// returns the key it proves and its nonce.
func (is *Issuer) checkProof(ctx context.Context, p string, now time.Time) (*keys.PublicKey, string, error) {
	bad := func(format string, args ...any) (*keys.PublicKey, string, error) {
		return nil, "", refuse(CodeInvalidProof, fmt.Sprintf(format, args...), nil)
	}
	tok, err := jws.Parse(p, jws.Limits{MaxBytes: 16 << 10})
	if err != nil {
		return bad("the proof is not a JWS: %v", err)
	}
	if tok.HeaderString("typ") != ProofType {
		return bad("the proof's typ must be %s", ProofType)
	}
	h := tok.Header()
	_, hasJWK := h["jwk"]
	kid := tok.HeaderString("kid")
	_, hasX5C := h["x5c"]
	var pub *keys.PublicKey
	switch {
	case hasX5C || (hasJWK && kid != ""):
		return bad("the proof must name its key by jwk or by a did:key / did:jwk kid, not both, not x5c")
	case hasJWK:
		m, ok := h["jwk"].(map[string]any)
		if !ok {
			return bad("the proof's jwk is not an object")
		}
		if _, private := m["d"]; private {
			return bad("the proof's jwk holds a private key")
		}
		if pub, err = keys.PublicKeyFromJWK(m); err != nil {
			return bad("the proof's jwk: %v", err)
		}
	case kid != "":
		if pub, err = did.VerificationKey(ctx, did.LocalResolver{}, kid, did.Authentication); err != nil {
			return bad("the proof's kid: %v", err)
		}
	default:
		return bad("the proof names no key (jwk or kid)")
	}
	if err := tok.Verify(pub, proofAlgs); err != nil {
		return bad("the proof's signature: %v", err)
	}
	payload, err := tok.Payload()
	if err != nil {
		return bad("the proof's payload: %v", err)
	}
	claims, err := jsonx.ParseObject(payload)
	if err != nil {
		return bad("the proof's payload: %v", err)
	}
	switch aud := claims["aud"].(type) {
	case string:
		if aud != is.cfg.URL {
			return bad("the proof is for %q, not this issuer (%s)", aud, is.cfg.URL)
		}
	case []any:
		if !slices.Contains(aud, any(is.cfg.URL)) {
			return bad("the proof's aud does not name this issuer (%s)", is.cfg.URL)
		}
	default:
		return bad("the proof has no aud")
	}
	iat, ok := jsonx.Int64(claims["iat"])
	if !ok {
		return bad("the proof has no iat")
	}
	at := time.Unix(iat, 0)
	if at.Before(now.Add(-is.cfg.ProofMaxAge)) || at.After(now.Add(is.cfg.ProofMaxAge)) {
		return bad("the proof's iat %s is not within %s of now", at.UTC().Format(time.RFC3339), is.cfg.ProofMaxAge)
	}
	nonce, _ := claims["nonce"].(string)
	if nonce == "" {
		return bad("the proof has no nonce: get one from the nonce endpoint") // invalid_proof (§8.3.1.2)
	}
	return pub, nonce, nil
}
