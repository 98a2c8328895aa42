package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/store"
)

// Record kinds in the store.
const (
	kindCredential = "credential"
	kindReceipt    = "receipt"
	kindEvent      = "event"
)

// Credential is a credential in the wallet: one SD-JWT VC issued as
// several copies, each bound to its own holder key.
type Credential struct {
	ID              string `json:"id"`
	VCT             string `json:"vct"`
	Issuer          string `json:"issuer"`     // the issuer's DID ("iss")
	IssuerURL       string `json:"issuer_url"` // the Credential Issuer Identifier it came from
	ConfigurationID string `json:"configuration_id"`
	// IssuerName is the issuer's display name per locale, from its
	// metadata ("ko", "en").
	IssuerName map[string]string `json:"issuer_name,omitempty"`
	// Claims are the claims with every disclosure revealed, as the
	// wallet shows them to the citizen.
	Claims     map[string]any        `json:"claims"`
	IssuedAt   time.Time             `json:"issued_at,omitzero"`
	Expiry     time.Time             `json:"expiry,omitzero"`
	Status     *statuslist.Reference `json:"status,omitempty"`
	ReceivedAt time.Time             `json:"received_at"`
	Copies     []Copy                `json:"copies"`
}

// Copy is one copy of a credential: the SD-JWT VC as issued, with every
// disclosure, and the reference of the key it is bound to.
type Copy struct {
	SDJWT  string `json:"sd_jwt"`
	KeyRef string `json:"key_ref"`
	// Uses counts the presentations made with this copy; the wallet
	// presents the least used copy, so that a verifier sees a given copy
	// as rarely as possible.
	Uses int `json:"uses"`
}

// Type returns the credential's catalogue type, nil if the catalogue no
// longer has it.
func (w *Wallet) Type(c *Credential) *schemas.Type {
	t, err := w.cat.Lookup(c.VCT)
	if err != nil {
		return nil
	}
	return t
}

// Refusal is why the wallet would not take a credential.
type Refusal struct {
	Reason string
	Err    error // a sentinel below, wrapped
}

func (r *Refusal) Error() string { return "wallet: credential refused: " + r.Reason }
func (r *Refusal) Unwrap() error { return r.Err }

// The reasons a credential is refused on receipt.
var (
	ErrBadCredential  = errors.New("wallet: the credential does not verify")
	ErrUnknownType    = errors.New("wallet: the credential type is not in the catalogue")
	ErrNotAuthorised  = errors.New("wallet: the ledger does not authorise the issuer for this type")
	ErrInvalidClaims  = errors.New("wallet: the claims do not fit the type's schema")
	ErrNotBound       = errors.New("wallet: the credential is not bound to a key of this wallet")
	ErrNotFound       = errors.New("wallet: no such credential")
	ErrInconsistent   = errors.New("wallet: the copies of one credential differ")
	ErrWrongConfigVCT = errors.New("wallet: the credential is not of the type the issuer offered")
)

func refuse(err error, format string, args ...any) error {
	return &Refusal{Reason: fmt.Sprintf(format, args...), Err: err}
}

// OfferPreview is what the wallet shows before the citizen types the
// transaction code: who offers what.
type OfferPreview struct {
	Offer *oid4vci.Offer
}

// Preview reads a credential offer (by value or by reference) without
// redeeming it.
func (w *Wallet) Preview(ctx context.Context, offerURI string) (*oid4vci.Offer, error) {
	return w.issuance.ResolveOffer(ctx, offerURI)
}

// Receive redeems a credential offer with the transaction code the
// citizen received out of band, and keeps the credential — after checking
// every copy: the issuer's signature by a key of its DID (RFC 9901 §7.2,
// SD-JWT VC §3.4), the type in the catalogue and the one the issuer's
// metadata gives for the configuration, the issuer authorised on the ledger
// for that type, the claims valid against the type's schema, and each copy
// bound to a fresh key of this wallet. A credential that fails any check is
// refused with a *Refusal naming the reason, and its keys are deleted.
// configID "" takes the offer's first configuration.
func (w *Wallet) Receive(ctx context.Context, offerURI, configID, txCode string) (*Credential, error) {
	offer, err := w.issuance.ResolveOffer(ctx, offerURI)
	if err != nil {
		return nil, err
	}
	return w.ReceiveOffer(ctx, offer, configID, txCode)
}

// ReceiveOffer is Receive for an offer already resolved (Preview).
func (w *Wallet) ReceiveOffer(ctx context.Context, offer *oid4vci.Offer, configID, txCode string) (*Credential, error) {
	refs := make([]string, 0, w.cfg.Copies)
	holders := make([]oid4vci.Signer, 0, w.cfg.Copies)
	byThumb := map[string]string{}
	kept := false
	defer func() {
		if kept {
			return
		}
		for _, ref := range refs {
			if err := w.keys.Delete(context.WithoutCancel(ctx), ref); err != nil {
				w.log.Warn("deleting an unused holder key", "err", err)
			}
		}
	}()
	for range w.cfg.Copies {
		ref, pub, err := w.keys.Generate(ctx, w.cfg.HolderAlgorithm)
		if err != nil {
			return nil, fmt.Errorf("wallet: a holder key: %w", err)
		}
		refs = append(refs, ref)
		holders = append(holders, holderKey{w.keys, ref, pub})
		byThumb[pub.Thumbprint()] = ref
	}
	// The access token is bound to a DPoP key when the issuer offers DPoP
	// (RFC 9449): a stolen token is then useless. The key lives only as
	// long as this redemption.
	dpopKey, err := keys.Generate(keys.ES256)
	if err != nil {
		return nil, fmt.Errorf("wallet: a DPoP key: %w", err)
	}
	got, err := w.issuance.Redeem(ctx, offer, configID, txCode, holders, dpopKey)
	if err != nil {
		return nil, err
	}
	c, err := w.check(ctx, offer, got, byThumb)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	if err := w.rec.Put(ctx, kindCredential, c.ID, payload); err != nil {
		return nil, fmt.Errorf("wallet: storing the credential: %w", err)
	}
	kept = true
	// Keys the issuer did not use (a smaller batch) are deleted now.
	used := map[string]bool{}
	for _, cp := range c.Copies {
		used[cp.KeyRef] = true
	}
	for _, ref := range refs {
		if !used[ref] {
			if err := w.keys.Delete(ctx, ref); err != nil {
				w.log.Warn("deleting an unused holder key", "err", err)
			}
		}
	}
	w.event(ctx, Event{Kind: "received", Credential: c.ID, VCT: c.VCT, Party: c.Issuer, PartyName: c.IssuerName})
	return c, nil
}

// check verifies the copies a redemption brought and makes the
// credential of them.
func (w *Wallet) check(ctx context.Context, offer *oid4vci.Offer, got *oid4vci.Redeemed, byThumb map[string]string) (*Credential, error) {
	cfg := got.Metadata.Configurations[got.ConfigurationID]
	now := w.cfg.Now().UTC()
	c := &Credential{ID: newID("wcr_"), IssuerURL: offer.CredentialIssuer, ConfigurationID: got.ConfigurationID, ReceivedAt: now,
		IssuerName: issuerNames(got.Metadata.Display)}
	var first string
	for i, s := range got.Credentials {
		vc, err := w.verifier.VerifyIssued(ctx, s)
		if err != nil {
			return nil, refuse(ErrBadCredential, "copy %d: %v", i+1, err)
		}
		if vc.SDJWT.HolderKey == nil {
			return nil, refuse(ErrNotBound, "copy %d is not bound to a key (no cnf)", i+1)
		}
		ref, ok := byThumb[vc.SDJWT.HolderKey.Thumbprint()]
		if !ok {
			return nil, refuse(ErrNotBound, "copy %d is bound to a key this wallet did not send", i+1)
		}
		delete(byThumb, vc.SDJWT.HolderKey.Thumbprint()) // one copy per key
		claims := userClaims(vc.Claims)
		canon, err := jsonx.Marshal(claims)
		if err != nil {
			return nil, fmt.Errorf("wallet: %w", err)
		}
		if i == 0 {
			first = string(canon)
			t, err := w.cat.Lookup(vc.VCT)
			if err != nil {
				return nil, refuse(ErrUnknownType, "%s is not a credential type of the catalogue", vc.VCT)
			}
			if cfg.VCT != "" && cfg.VCT != vc.VCT {
				return nil, refuse(ErrWrongConfigVCT, "the issuer offered %s and sent %s", cfg.VCT, vc.VCT)
			}
			ok, err := w.ledger.IssuerAuthorised(ctx, vc.Issuer, vc.VCT)
			if err != nil {
				return nil, fmt.Errorf("wallet: the ledger: %w", err)
			}
			if !ok {
				return nil, refuse(ErrNotAuthorised, "the ledger does not authorise %s to issue %s", vc.Issuer, t.Name(schemas.English))
			}
			if err := t.Validate(claims); err != nil {
				return nil, refuse(ErrInvalidClaims, "%v", err)
			}
			c.VCT, c.Issuer, c.Claims = vc.VCT, vc.Issuer, claims
			c.IssuedAt, c.Expiry = vc.IssuedAt, vc.Expiry
			if vc.Status != nil {
				r, err := statuslist.ParseReference(vc.Status)
				if err != nil {
					return nil, refuse(ErrBadCredential, "its status: %v", err)
				}
				c.Status = &r
			}
		} else if string(canon) != first || vc.Issuer != c.Issuer || vc.VCT != c.VCT {
			return nil, refuse(ErrInconsistent, "copy %d differs from the first", i+1)
		}
		c.Copies = append(c.Copies, Copy{SDJWT: s, KeyRef: ref})
	}
	if len(c.Copies) == 0 {
		return nil, refuse(ErrBadCredential, "the issuer sent no credential")
	}
	return c, nil
}

// registered are the claims of SD-JWT VC §3.2.2 that are about the
// credential, not its subject.
var registered = []string{"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "sub", "_sd_alg"}

// userClaims is a copy of claims without the registered ones.
func userClaims(all map[string]any) map[string]any {
	out := make(map[string]any, len(all))
	for k, v := range all {
		if !slices.Contains(registered, k) {
			out[k] = v
		}
	}
	return out
}

// issuerNames reads the issuer's display names per locale.
func issuerNames(display []map[string]any) map[string]string {
	out := map[string]string{}
	for _, d := range display {
		name, _ := d["name"].(string)
		locale, _ := d["locale"].(string)
		if name != "" {
			if locale == "" {
				locale = "und"
			}
			out[locale] = name
		}
	}
	return out
}

// Credentials returns the wallet's credentials, newest first.
func (w *Wallet) Credentials(ctx context.Context) ([]*Credential, error) {
	recs, err := w.rec.List(ctx, kindCredential)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	out := make([]*Credential, 0, len(recs))
	for _, r := range recs {
		c, err := decodeCredential(r.Payload)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.After(out[j].ReceivedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// Credential returns one credential, or ErrNotFound.
func (w *Wallet) Credential(ctx context.Context, id string) (*Credential, error) {
	b, err := w.rec.Get(ctx, kindCredential, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	return decodeCredential(b)
}

func decodeCredential(b []byte) (*Credential, error) {
	var c Credential
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("wallet: a stored credential does not decode: %w", err)
	}
	if c.Claims != nil {
		// Numbers as json.Number, as everywhere else in seoulid.
		raw, _ := json.Marshal(c.Claims)
		if m, err := jsonx.ParseObject(raw); err == nil {
			c.Claims = m
		}
	}
	return &c, nil
}

// Delete removes a credential and its holder keys. Receipts of past
// disclosures stay: they are the citizen's record of what was shared.
func (w *Wallet) Delete(ctx context.Context, id string) error {
	c, err := w.Credential(ctx, id)
	if err != nil {
		return err
	}
	if err := w.rec.Delete(ctx, kindCredential, id); err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	for _, cp := range c.Copies {
		if err := w.keys.Delete(ctx, cp.KeyRef); err != nil {
			w.log.Warn("deleting a holder key", "credential", id, "err", err)
		}
	}
	w.event(ctx, Event{Kind: "deleted", Credential: id, VCT: c.VCT, Party: c.Issuer, PartyName: c.IssuerName})
	return nil
}
