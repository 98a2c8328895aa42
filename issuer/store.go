package issuer

import (
	"context"
	"errors"
	"time"
)

// Store is what an issuer keeps: offers until they are redeemed and
// issued, single-use nonces, issuance records with their status-list
// indexes, operators and the audit log. Every method is atomic: a crash
// (kill -9) at any moment leaves each call either done or not done, never
// half done. Implementations: store/sqlite (default), store/postgres; both
// pass store/storetest.
//
// Secrets are never stored in the clear: codes, tokens and nonces are
// stored as SHA-256 hashes of their values (they have 128 bits or more of
// entropy); the 6-digit tx_code as a salted hash, protected by the
// attempt limit rather than by its entropy. The one exception is the key
// the issuer authenticates its nonces with (Secret), which the store must
// hold to share it between the issuer's processes.
//
// An operator's action and its audit entry are stored in one transaction
// (PutOffer, SetStatus, PutOperator take the entry): the log cannot miss an
// action that happened, nor record one that did not.
type Store interface {
	// PutOffer stores a new offer and, when audit is not nil, appends
	// audit to the audit log (as AppendAudit does) in the same
	// transaction.
	PutOffer(ctx context.Context, o *Offer, audit *AuditEntry) error
	// RedeemOffer redeems the offer whose pre-authorized code hashes to
	// codeHash, in one transaction: it fails with ErrCodeUnknown,
	// ErrCodeExpired (now ≥ ExpiresAt), ErrCodeUsed (already redeemed) or
	// ErrCodeBurned; it checks the tx_code with check; on a wrong tx_code it
	// counts the attempt and, at maxAttempts, burns the offer (ErrTxCode
	// either way, ErrCodeBurned once burned); on success it records the
	// grant (token hash, expiry, DPoP key thumbprint) and returns the offer.
	RedeemOffer(ctx context.Context, codeHash []byte, check func(o *Offer) bool, maxAttempts int, grant TokenGrant, now time.Time) (*Offer, error)
	// OfferByToken returns the redeemed offer whose access token hashes to
	// tokenHash, or ErrTokenUnknown (unknown, or expired at now).
	OfferByToken(ctx context.Context, tokenHash []byte, now time.Time) (*Offer, error)
	// Offer returns an offer by id (ErrNotFound).
	Offer(ctx context.Context, id string) (*Offer, error)
	// ListOffers returns offers, newest first, at most limit.
	ListOffers(ctx context.Context, limit int) ([]*Offer, error)

	// Secret returns the secret stored under name, first storing
	// candidate under it if there is none: every caller, in every process
	// sharing the store, gets the same value.
	Secret(ctx context.Context, name string, candidate []byte) ([]byte, error)

	// CompleteOffer stores the issuance records of an offer's credentials,
	// marks the offer issued (wiping its claims) and spends the nonce of
	// the request's key proofs, in one transaction. An offer that is not
	// redeemed, or already issued, fails with ErrCodeUsed; a nonce spent
	// before fails with ErrNonceUnknown (a nonce is spent at most once even
	// under concurrent calls; spent nonces are kept until their expiry and
	// may be forgotten after); each record's (ListURI, Index) must be
	// unused: if one is taken the call fails with ErrIndexTaken. On any
	// failure nothing is stored. A record's unset OfferID is offerID; an
	// unset IssuedAt is now.
	CompleteOffer(ctx context.Context, offerID string, nonce SpentNonce, recs []*Credential, now time.Time) error
	// Credential returns an issuance record (ErrNotFound).
	Credential(ctx context.Context, id string) (*Credential, error)
	// ListCredentials returns issuance records, newest first, at most limit.
	ListCredentials(ctx context.Context, limit int) ([]*Credential, error)
	// SetStatus changes a credential's status, appends audit (when not
	// nil) to the audit log in the same transaction, and returns the
	// record as changed; ErrNotFound for an unknown id. Revocation is
	// final: moving a revoked credential to another status fails with
	// ErrRevoked, checked in the same statement as the change so that no
	// concurrent reinstate can undo a revocation.
	SetStatus(ctx context.Context, id string, status Status, now time.Time, audit *AuditEntry) (*Credential, error)
	// Statuses returns, for one status list, every index whose status is
	// not Valid.
	Statuses(ctx context.Context, listURI string) (map[int]Status, error)
	// Indexes returns every taken index of a list, in ascending order.
	Indexes(ctx context.Context, listURI string) ([]int, error)
	// CountIndexes returns how many indexes of a list are taken.
	CountIndexes(ctx context.Context, listURI string) (int, error)

	// PutOperator stores an operator (its token as a hash) and, when
	// audit is not nil, appends audit to the audit log in the same
	// transaction.
	PutOperator(ctx context.Context, op *Operator, audit *AuditEntry) error
	// OperatorByToken returns the operator whose token hashes to
	// tokenHash, or ErrTokenUnknown.
	OperatorByToken(ctx context.Context, tokenHash []byte) (*Operator, error)
	// CountOperators returns how many operators exist.
	CountOperators(ctx context.Context) (int, error)
	// WipeClaims deletes the claims of every offer that can no longer be
	// issued at now — pending past its expiry, burned, or redeemed with an
	// expired access token — and returns how many it wiped (PIPA Art. 21:
	// destroyed once no longer needed). Issued offers lose theirs in
	// CompleteOffer.
	WipeClaims(ctx context.Context, now time.Time) (int, error)

	// AppendAudit appends an entry to the audit log and returns it with
	// its sequence number and hash set: each entry's Hash is SHA-256 over
	// the previous entry's Hash and this entry's fields, so that a removed
	// or altered entry breaks the chain.
	AppendAudit(ctx context.Context, e *AuditEntry) (*AuditEntry, error)
	// Audit returns the audit log in order, from sequence number from.
	Audit(ctx context.Context, from int64, limit int) ([]*AuditEntry, error)

	// Close releases the store.
	Close() error
}

// OfferState is where an offer is in its life.
type OfferState string

// The offer states.
const (
	OfferPending  OfferState = "pending"  // created, not redeemed
	OfferRedeemed OfferState = "redeemed" // the wallet has an access token
	OfferIssued   OfferState = "issued"   // credentials issued; claims wiped
	OfferBurned   OfferState = "burned"   // too many wrong tx_codes
)

// Offer is a credential offer made by an operator for one citizen.
type Offer struct {
	ID              string
	VCT             string
	ConfigurationID string
	// Claims are the credential's claims (JSON), kept only until the
	// credential is issued.
	Claims      []byte
	CodeHash    []byte
	TxCodeSalt  []byte
	TxCodeHash  []byte
	Attempts    int
	State       OfferState
	Operator    string // the operator's id
	CreatedAt   time.Time
	ExpiresAt   time.Time // of the pre-authorized code
	TokenHash   []byte
	TokenExpiry time.Time
	// TokenJKT is the RFC 7638 thumbprint of the DPoP key the access token
	// is bound to (RFC 9449 §6), "" for a bearer token.
	TokenJKT    string
	IssuedAt    time.Time
	Credentials int // how many credentials were issued for it
}

// SpentNonce is the nonce of a credential request's key proofs, spent when
// its credentials are stored.
type SpentNonce struct {
	Hash   []byte    // SHA-256 of the nonce
	Expiry time.Time // when the nonce expires; the store may forget it after
}

// TokenGrant is the access token an offer is redeemed for.
type TokenGrant struct {
	Hash   []byte // SHA-256 of the token
	Expiry time.Time
	JKT    string // DPoP key thumbprint, "" for a bearer token
}

// Status is a credential's status, as the Token Status List encodes it
// (draft-ietf-oauth-status-list §7.1).
type Status uint8

// The statuses.
const (
	StatusValid     Status = 0
	StatusRevoked   Status = 1 // "INVALID"
	StatusSuspended Status = 2
)

func (s Status) String() string {
	switch s {
	case StatusValid:
		return "valid"
	case StatusRevoked:
		return "revoked"
	case StatusSuspended:
		return "suspended"
	}
	return "unknown"
}

// Credential is the record of one issued credential: no claim values, only
// what revocation and the back office need.
type Credential struct {
	ID               string
	OfferID          string
	VCT              string
	HolderThumbprint string // RFC 7638 thumbprint of the key it is bound to
	ListURI          string
	Index            int
	Status           Status
	IssuedAt         time.Time
	Expiry           time.Time
	UpdatedAt        time.Time
}

// Operator is a member of the agency's staff who may use the back office.
type Operator struct {
	ID        string
	Name      string
	TokenHash []byte
	CreatedAt time.Time
}

// AuditEntry is one entry of the append-only audit log.
type AuditEntry struct {
	Seq      int64
	Time     time.Time
	Operator string
	Action   string // "offer.create", "credential.revoke", …
	Subject  string // the offer or credential id
	Detail   string // what else matters (never a claim value or a secret)
	Hash     []byte // SHA-256(previous Hash || fields), see AuditHash
}

// Errors of the store and the issuer core. The HTTP face maps them to
// OpenID4VCI error codes.
var (
	ErrNotFound     = errors.New("issuer: not found")
	ErrCodeUnknown  = errors.New("issuer: unknown pre-authorized code")
	ErrCodeExpired  = errors.New("issuer: pre-authorized code expired")
	ErrCodeUsed     = errors.New("issuer: pre-authorized code already used")
	ErrCodeBurned   = errors.New("issuer: pre-authorized code burned after too many wrong tx_codes")
	ErrTxCode       = errors.New("issuer: wrong tx_code")
	ErrTokenUnknown = errors.New("issuer: unknown or expired token")
	ErrNonceUnknown = errors.New("issuer: unknown, used or expired nonce")
	ErrIndexTaken   = errors.New("issuer: status list index already taken")
	ErrRevoked      = errors.New("issuer: the credential is revoked, which is final")
)
