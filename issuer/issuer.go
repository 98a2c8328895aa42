package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/schemas"
)

// Signer signs credentials and status lists: the issuer's did:seoul
// assertionMethod key, with KeyID its DID URL.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// Trust answers whether the ledger authorises an issuer for a credential
// type (registry.Reader satisfies it).
type Trust interface {
	IssuerAuthorised(ctx context.Context, issuer, vct string) (bool, error)
}

// Publisher publishes a status list token to the ledger.
type Publisher interface {
	PublishStatusList(ctx context.Context, uri, token string) error
}

// LastPublisher is a Publisher that can say when it last published a list:
// the "iat" of the token the ledger holds for uri, zero when it holds none.
// The ledger takes only a token newer than the one it holds, to the second;
// an issuer restarted within the second of its last publication asks, and
// signs a newer one. Optional: without it, such a publication is refused
// and the list is published again at the next batch.
type LastPublisher interface {
	LastPublished(ctx context.Context, uri string) (time.Time, error)
}

// TxCodeSender delivers a tx_code to the citizen out of band (an SMS
// gateway at a real agency).
type TxCodeSender interface {
	SendTxCode(ctx context.Context, offerID, txCode string) error
}

// Config configures an Issuer. Fields say what their zero value means.
type Config struct {
	// URL is the Credential Issuer Identifier: the https URL wallets
	// fetch metadata from, and the "aud" of key proofs. Required.
	URL string
	// DID is the issuer's did:seoul, the "iss" of its credentials.
	// Required; the signer's key id must be a DID URL of it.
	DID string
	// Types are the vcts this issuer offers. Required.
	Types []string
	// Catalogue is the credential catalogue; nil means schemas.Default().
	Catalogue *schemas.Catalogue
	// OfferTTL is how long a pre-authorized code stays valid; 0 means 10
	// minutes.
	OfferTTL time.Duration
	// TokenTTL is how long an access token stays valid; 0 means 5 minutes.
	TokenTTL time.Duration
	// NonceTTL is how long a nonce stays valid; 0 means 5 minutes.
	NonceTTL time.Duration
	// ProofMaxAge is how old a key proof's iat may be (and how far in the
	// future, as clock skew); 0 means 5 minutes.
	ProofMaxAge time.Duration
	// MaxTxCodeAttempts burns an offer after this many wrong tx_codes; 0
	// means 5.
	MaxTxCodeAttempts int
	// BatchSize is the most key proofs (credential copies) per request; 0
	// means 10.
	BatchSize int
	// StatusListSize is the number of entries of each status list; 0 means
	// 131,072 (the least the ledger accepts).
	StatusListSize int
	// StatusListURL is the base of status list URIs (list n is at
	// StatusListURL + "/" + n); "" means URL + "/status-lists".
	StatusListURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnIssued, when set, is told of every issuance once it is stored:
	// the type and how many copies (for metrics; it must not block).
	OnIssued func(vct string, copies int)
	// Rand is the source of codes, tokens, nonces and status indexes; nil
	// means crypto/rand.
	Rand io.Reader
	// Logger; nil discards.
	Logger *slog.Logger
}

// LogValue keeps a config printable without anything secret in it (it has
// none; the method exists so that adding one later stays safe).
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", c.URL), slog.String("did", c.DID), slog.Int("types", len(c.Types)))
}

// Issuer is the issuance core. It is safe for concurrent use.
type Issuer struct {
	cfg       Config
	signer    Signer
	store     Store
	trust     Trust
	publisher Publisher
	sender    TxCodeSender
	cat       *schemas.Catalogue
	types     map[string]*schemas.Type // by configuration id
	log       *slog.Logger

	lists  statusLists
	nonces nonceMinter
}

// New makes an Issuer. store, trust and signer are required; publisher and
// sender may be nil (no ledger publication; tx_codes only returned to the
// operator).
func New(signer Signer, store Store, trust Trust, publisher Publisher, sender TxCodeSender, cfg Config) (*Issuer, error) {
	if signer == nil || store == nil || trust == nil {
		return nil, errors.New("issuer: a signer, a store and a trust registry are required")
	}
	if !strings.HasPrefix(cfg.URL, "https://") && !strings.HasPrefix(cfg.URL, "http://127.0.0.1") && !strings.HasPrefix(cfg.URL, "http://localhost") {
		return nil, fmt.Errorf("issuer: URL %q must be https (http only on loopback, for development)", cfg.URL)
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	if !strings.HasPrefix(signer.KeyID(), cfg.DID+"#") || cfg.DID == "" {
		return nil, fmt.Errorf("issuer: the signer's key id %q is not a key of the issuer's DID %q", signer.KeyID(), cfg.DID)
	}
	if len(cfg.Types) == 0 {
		return nil, errors.New("issuer: no credential types configured")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.OfferTTL, 10*time.Minute)
	def(&cfg.TokenTTL, 5*time.Minute)
	def(&cfg.NonceTTL, 5*time.Minute)
	def(&cfg.ProofMaxAge, 5*time.Minute)
	if cfg.MaxTxCodeAttempts == 0 {
		cfg.MaxTxCodeAttempts = 5
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 10
	}
	if cfg.StatusListSize == 0 {
		cfg.StatusListSize = 131072
	}
	if cfg.StatusListURL == "" {
		cfg.StatusListURL = cfg.URL + "/status-lists"
	}
	cfg.StatusListURL = strings.TrimSuffix(cfg.StatusListURL, "/")
	if publisher != nil && !strings.HasPrefix(cfg.StatusListURL, "https://") {
		// The ledger takes status lists at https URIs only.
		return nil, fmt.Errorf("issuer: status list URL %q must be https to be published to the ledger (set Config.StatusListURL)", cfg.StatusListURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = schemas.Default()
	}
	is := &Issuer{cfg: cfg, signer: signer, store: store, trust: trust, publisher: publisher, sender: sender,
		cat: cfg.Catalogue, types: map[string]*schemas.Type{}, log: cfg.Logger}
	for _, vct := range cfg.Types {
		t, err := cfg.Catalogue.Lookup(vct)
		if err != nil {
			return nil, fmt.Errorf("issuer: %w", err)
		}
		is.types[t.ConfigurationID()] = t
	}
	is.lists.init(is)
	return is, nil
}

// Config returns the configuration in force (defaults filled in).
func (is *Issuer) Config() Config { return is.cfg }

// Types returns the credential types offered, by configuration id.
func (is *Issuer) Types() map[string]*schemas.Type {
	out := make(map[string]*schemas.Type, len(is.types))
	for k, v := range is.types {
		out[k] = v
	}
	return out
}

// typeByVCT finds an offered type.
func (is *Issuer) typeByVCT(vct string) (*schemas.Type, bool) {
	for _, t := range is.types {
		if t.VCT == vct {
			return t, true
		}
	}
	return nil, false
}

// random returns n random bytes.
func (is *Issuer) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(is.cfg.Rand, b); err != nil {
		return nil, fmt.Errorf("issuer: randomness: %w", err)
	}
	return b, nil
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// auditEntry is the audit log entry of an operator's action, which the
// store appends in the action's own transaction.
func (is *Issuer) auditEntry(operator, action, subject, detail string) *AuditEntry {
	return &AuditEntry{Time: is.cfg.Now().UTC(), Operator: operator, Action: action, Subject: subject, Detail: detail}
}
