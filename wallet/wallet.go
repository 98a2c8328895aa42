package wallet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/store"
)

// Records is the encrypted store the wallet keeps everything in
// (wallet/store.Store, unlocked). Unlock checks the PIN again when the
// citizen approves a disclosure, with the store's attempt counter.
type Records interface {
	Unlock(ctx context.Context, pin []byte) error
	Put(ctx context.Context, kind, id string, payload []byte) error
	Get(ctx context.Context, kind, id string) ([]byte, error)
	Delete(ctx context.Context, kind, id string) error
	List(ctx context.Context, kind string) ([]store.Record, error)
}

// Signer is a holder key: it signs and shows its public key, and never
// gives out its private part.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
	Public() *keys.PublicKey
}

// KeyStore makes and uses holder keys (wallet/keystore in software; a
// phone's secure element in the Seoul Citizen Card app). A key is named by
// an opaque reference.
type KeyStore interface {
	Generate(ctx context.Context, alg keys.Algorithm) (ref string, pub *keys.PublicKey, err error)
	Sign(ctx context.Context, ref string, signingInput []byte) ([]byte, error)
	Delete(ctx context.Context, ref string) error
}

// holderKey is a key of the key store as a Signer.
type holderKey struct {
	ks  KeyStore
	ref string
	pub *keys.PublicKey
}

func (h holderKey) Algorithm() keys.Algorithm { return h.pub.Algorithm() }
func (h holderKey) KeyID() string             { return "" }
func (h holderKey) Public() *keys.PublicKey   { return h.pub }
func (h holderKey) Sign(ctx context.Context, signingInput []byte) ([]byte, error) {
	return h.ks.Sign(ctx, h.ref, signingInput)
}

// Ledger is what the wallet reads from the registry ledger: whether an
// issuer may issue a type, and a verifier's name and registered purposes.
type Ledger interface {
	IssuerAuthorised(ctx context.Context, issuerDID, vct string) (bool, error)
	// Verifier returns nil when the ledger registers nothing for the DID.
	Verifier(ctx context.Context, verifierDID string) (*VerifierInfo, error)
}

// VerifierInfo is what the ledger says of a verifier.
type VerifierInfo struct {
	Name     map[string]string // "ko", "en": the agency's name
	Purposes []Purpose
}

// Purpose is a verifier's purpose as the ledger registers it: what it may
// ask for, why, under which law, and how long it may keep what it gets.
type Purpose struct {
	ID          string
	Description map[schemas.Lang]string
	LegalBasis  string
	Retention   string // ISO 8601 duration; P0D keeps nothing
	// Claims are the claim paths it may request, per credential type.
	Claims map[string][]sdjwt.Path
}

// Resolver resolves DIDs: the registry's client for did:seoul,
// did.LocalResolver for did:key and did:jwk.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// Issuance is the wallet's OpenID4VCI client (wallet/oid4vci.Client).
type Issuance interface {
	ResolveOffer(ctx context.Context, uri string) (*oid4vci.Offer, error)
	Redeem(ctx context.Context, o *oid4vci.Offer, configID, txCode string, holders []oid4vci.Signer, dpopKey oid4vci.Signer) (*oid4vci.Redeemed, error)
}

// Config tunes a Wallet. The zero value is the wallet of the Seoul Citizen
// Card: the embedded catalogue, ES256 holder keys, three copies of each
// credential.
type Config struct {
	// Catalogue is the credential catalogue; nil means schemas.Default().
	Catalogue *schemas.Catalogue
	// HolderAlgorithm is the algorithm of new holder keys; "" means ES256,
	// which every issuer and secure element supports.
	HolderAlgorithm keys.Algorithm
	// Copies is how many copies of each credential to ask for, each bound
	// to its own key so that two presentations cannot be linked by the
	// key or the issuer's signature (a batch, OpenID4VCI 1.0 §8.2); 0
	// means 3. An issuer without batch issuance gives one.
	Copies int
	// ClockSkew is the tolerance on the credentials' times; 0 means one
	// minute.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs at the wallet's edges; nil discards.
	Logger *slog.Logger
}

// Wallet is the citizen's wallet: credentials received and checked,
// disclosures consented to, receipts kept. It is safe for concurrent use
// by one citizen; its store must be unlocked.
type Wallet struct {
	rec      Records
	keys     KeyStore
	ledger   Ledger
	resolver Resolver
	issuance Issuance
	// presentation is the OpenID4VP client.
	presentation Presentation
	cat          *schemas.Catalogue
	verifier     *sdjwtvc.Verifier
	cfg          Config
	log          *slog.Logger
}

// New makes a Wallet over an unlocked store, a key store, the ledger, a
// DID resolver (for issuer and verifier keys), an OpenID4VCI client and an
// OpenID4VP client.
func New(rec Records, ks KeyStore, ledger Ledger, resolver Resolver, issuance Issuance, presentation Presentation, cfg Config) (*Wallet, error) {
	if rec == nil || ks == nil || ledger == nil || resolver == nil || issuance == nil || presentation == nil {
		return nil, errors.New("wallet: a store, a key store, the ledger, a DID resolver and OpenID4VCI and OpenID4VP clients are required")
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = schemas.Default()
	}
	if cfg.HolderAlgorithm == "" {
		cfg.HolderAlgorithm = keys.ES256
	}
	if _, err := keys.ParseAlgorithm(string(cfg.HolderAlgorithm)); err != nil {
		return nil, fmt.Errorf("wallet: holder algorithm: %w", err)
	}
	switch {
	case cfg.Copies == 0:
		cfg.Copies = 3
	case cfg.Copies < 0 || cfg.Copies > 20:
		return nil, fmt.Errorf("wallet: %d copies: between 1 and 20", cfg.Copies)
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: resolver}, sdjwtvc.Config{
		Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}, ClockSkew: cfg.ClockSkew, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	return &Wallet{rec: rec, keys: ks, ledger: ledger, resolver: resolver, issuance: issuance, presentation: presentation, cat: cfg.Catalogue,
		verifier: v, cfg: cfg, log: cfg.Logger}, nil
}

// newID returns prefix followed by 96 random bits.
func newID(prefix string) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("wallet: crypto/rand failed: " + err.Error()) // never on a supported platform
	}
	return prefix + b64url.Encode(b)
}
