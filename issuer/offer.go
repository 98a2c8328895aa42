package issuer

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// PreAuthorizedGrant is the grant type of the pre-authorized code flow
// (OpenID4VCI 1.0 §4.1.1).
const PreAuthorizedGrant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// OfferResult is a created offer with its secrets, which exist only here:
// the store keeps their hashes.
type OfferResult struct {
	Offer *Offer
	// PreAuthorizedCode goes into the offer URI.
	PreAuthorizedCode string
	// TxCode is the 6-digit PIN the citizen types in; it is sent out of
	// band and shown once to the operator.
	TxCode string
	// URI is the openid-credential-offer:// URI (OpenID4VCI 1.0 §4.1),
	// with the offer by value.
	URI string
	// CredentialOffer is the credential offer object.
	CredentialOffer map[string]any
}

// CreateOffer makes an offer of a credential of type vct with claims for
// one citizen, on behalf of operator: the claims must fit the catalogue
// type, the issuer must offer the type and be authorised for it on the
// ledger. The pre-authorized code lives OfferTTL and is single-use; the
// tx_code is 6 random digits.
func (is *Issuer) CreateOffer(ctx context.Context, operator string, vct string, claims map[string]any) (*OfferResult, error) {
	t, ok := is.typeByVCT(vct)
	if !ok {
		return nil, refuse(CodeUnknownCredentialConfiguration, fmt.Sprintf("this issuer does not offer %s", vct), nil)
	}
	if err := t.Validate(claims); err != nil {
		return nil, err // a *schemas.ValidationError with every violation
	}
	if ok, err := is.trust.IssuerAuthorised(ctx, is.cfg.DID, vct); err != nil {
		return nil, fmt.Errorf("issuer: trust registry: %w", err)
	} else if !ok {
		return nil, refuse(CodeCredentialRequestDenied, fmt.Sprintf("the ledger does not authorise %s to issue %s", is.cfg.DID, vct), nil)
	}
	claimsJSON, err := jsonx.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("issuer: claims: %w", err)
	}
	idb, err := is.random(16)
	if err != nil {
		return nil, err
	}
	codeb, err := is.random(32)
	if err != nil {
		return nil, err
	}
	salt, err := is.random(16)
	if err != nil {
		return nil, err
	}
	txCode, err := is.digits(6)
	if err != nil {
		return nil, err
	}
	code := b64url.Encode(codeb)
	now := is.cfg.Now().UTC()
	o := &Offer{
		ID: "off_" + b64url.Encode(idb), VCT: vct, ConfigurationID: t.ConfigurationID(), Claims: claimsJSON,
		CodeHash: hash(code), TxCodeSalt: salt, TxCodeHash: txCodeHash(salt, txCode),
		State: OfferPending, Operator: operator, CreatedAt: now, ExpiresAt: now.Add(is.cfg.OfferTTL),
	}
	if err := is.store.PutOffer(ctx, o, is.auditEntry(operator, "offer.create", o.ID, vct)); err != nil {
		is.log.Error("storing an offer", "offer", o.ID, "err", err)
		return nil, fmt.Errorf("issuer: storing the offer: %w", err)
	}
	if is.sender != nil {
		if err := is.sender.SendTxCode(ctx, o.ID, txCode); err != nil {
			is.log.Error("tx_code delivery failed", "offer", o.ID, "err", err)
		}
	}
	offer := map[string]any{
		"credential_issuer":            is.cfg.URL,
		"credential_configuration_ids": []any{t.ConfigurationID()},
		"grants": map[string]any{PreAuthorizedGrant: map[string]any{
			"pre-authorized_code": code,
			"tx_code":             map[string]any{"input_mode": "numeric", "length": 6, "description": "문자로 받은 6자리 번호 / the 6-digit code sent to you by SMS"},
		}},
	}
	b, _ := json.Marshal(offer)
	return &OfferResult{
		Offer: o, PreAuthorizedCode: code, TxCode: txCode, CredentialOffer: offer,
		URI: "openid-credential-offer://?credential_offer=" + url.QueryEscape(string(b)),
	}, nil
}

// digits returns n uniformly random decimal digits.
func (is *Issuer) digits(n int) (string, error) {
	out := make([]byte, n)
	for i := range out {
		for {
			b, err := is.random(1)
			if err != nil {
				return "", err
			}
			if b[0] < 250 { // reject 250–255 so that every digit is equally likely
				out[i] = '0' + b[0]%10
				break
			}
		}
	}
	return string(out), nil
}

func txCodeHash(salt []byte, txCode string) []byte {
	return hash(string(salt) + "\x00" + txCode)
}

// TokenRequest is a token request of the pre-authorized code grant.
type TokenRequest struct {
	PreAuthorizedCode string
	TxCode            string
	// DPoPJKT is the thumbprint of the key of a valid DPoP proof sent with
	// the request ("" without DPoP): the token is bound to it.
	DPoPJKT string
}

// TokenResult is an access token.
type TokenResult struct {
	AccessToken     string
	TokenType       string // "Bearer" or "DPoP"
	ExpiresIn       int    // seconds
	ConfigurationID string
}

// Token redeems a pre-authorized code and its tx_code for an access token
// (OpenID4VCI 1.0 §6). A wrong tx_code counts against the offer; after
// MaxTxCodeAttempts the code is burned. Every refusal is invalid_grant
// (RFC 6749 §5.2) and changes nothing but the attempt count.
func (is *Issuer) Token(ctx context.Context, req TokenRequest) (*TokenResult, error) {
	if req.PreAuthorizedCode == "" {
		return nil, refuse(CodeInvalidRequest, "pre-authorized_code is missing", nil)
	}
	tokb, err := is.random(32)
	if err != nil {
		return nil, err
	}
	token := b64url.Encode(tokb)
	now := is.cfg.Now().UTC()
	check := func(o *Offer) bool {
		return subtle.ConstantTimeCompare(txCodeHash(o.TxCodeSalt, req.TxCode), o.TxCodeHash) == 1
	}
	o, err := is.store.RedeemOffer(ctx, hash(req.PreAuthorizedCode), check, is.cfg.MaxTxCodeAttempts,
		TokenGrant{Hash: hash(token), Expiry: now.Add(is.cfg.TokenTTL), JKT: req.DPoPJKT}, now)
	switch {
	case errors.Is(err, ErrTxCode):
		return nil, refuse(CodeInvalidGrant, "the tx_code is wrong", err)
	case errors.Is(err, ErrCodeBurned):
		return nil, refuse(CodeInvalidGrant, "too many wrong tx_codes: this offer can no longer be redeemed; ask the agency for a new one", err)
	case errors.Is(err, ErrCodeExpired):
		return nil, refuse(CodeInvalidGrant, "the pre-authorized code has expired", err)
	case errors.Is(err, ErrCodeUsed):
		return nil, refuse(CodeInvalidGrant, "the pre-authorized code was already used", err)
	case errors.Is(err, ErrCodeUnknown):
		return nil, refuse(CodeInvalidGrant, "unknown pre-authorized code", err)
	case err != nil:
		return nil, fmt.Errorf("issuer: redeeming: %w", err)
	}
	tt := "Bearer"
	if req.DPoPJKT != "" {
		tt = "DPoP"
	}
	return &TokenResult{AccessToken: token, TokenType: tt, ExpiresIn: int(is.cfg.TokenTTL / 1e9), ConfigurationID: o.ConfigurationID}, nil
}
