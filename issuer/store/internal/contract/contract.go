package contract

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/issuer"
)

// HashSize is the size of every hash the store is keyed by (SHA-256).
const HashSize = 32

// Nanos returns t as Unix nanoseconds (UTC), the way both schemas store
// time: an int64 keeps every nanosecond, which the audit hash covers and a
// PostgreSQL timestamp (microseconds) would lose. A zero time, or one
// outside the years 1678–2262 that an int64 of nanoseconds can hold, is an
// error naming field.
func Nanos(field string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, fmt.Errorf("%s is not set", field)
	}
	n := t.UnixNano()
	if !time.Unix(0, n).Equal(t) {
		return 0, fmt.Errorf("%s (%s) cannot be stored: outside the years 1678–2262", field, t)
	}
	return n, nil
}

// NullNanos is Nanos for a time that may be unset: the zero time is nil
// (SQL NULL).
func NullNanos(field string, t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	n, err := Nanos(field, t)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Time is the UTC time of Unix nanoseconds n.
func Time(n int64) time.Time { return time.Unix(0, n).UTC() }

// NullTime is Time for a nullable column: nil is the zero time.
func NullTime(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return Time(*n)
}

// CheckHash checks that h has the size of a SHA-256 hash: the store keeps
// hashes of secrets, never the secrets.
func CheckHash(field string, h []byte) error {
	if len(h) != HashSize {
		return fmt.Errorf("%s must be a SHA-256 hash (%d bytes), not %d bytes", field, HashSize, len(h))
	}
	return nil
}

// Offer columns, in the order OfferArgs and ScanOffer use.
const OfferColumns = "id, vct, configuration_id, claims, code_hash, tx_code_salt, tx_code_hash, attempts, state, operator, created_at, expires_at, token_hash, token_expiry, token_jkt, issued_at, credentials"

// OfferArgs checks a new offer and returns the values of OfferColumns. A
// new offer has no state yet ("" is pending) or is pending; the grant and
// issuance fields are written by RedeemOffer and CompleteOffer only.
func OfferArgs(o *issuer.Offer) ([]any, error) {
	state := o.State
	if state == "" {
		state = issuer.OfferPending
	}
	switch {
	case o.ID == "":
		return nil, errors.New("offer without an id")
	case state != issuer.OfferPending:
		return nil, fmt.Errorf("a new offer is pending, not %q", state)
	case o.Attempts != 0:
		return nil, errors.New("a new offer has no tx_code attempts")
	case o.TokenHash != nil || !o.TokenExpiry.IsZero() || o.TokenJKT != "":
		return nil, errors.New("a new offer has no access token")
	case !o.IssuedAt.IsZero() || o.Credentials != 0:
		return nil, errors.New("a new offer has issued nothing")
	}
	if err := CheckHash("offer code hash", o.CodeHash); err != nil {
		return nil, err
	}
	created, err := Nanos("offer CreatedAt", o.CreatedAt)
	if err != nil {
		return nil, err
	}
	expires, err := Nanos("offer ExpiresAt", o.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return []any{o.ID, o.VCT, o.ConfigurationID, o.Claims, o.CodeHash, o.TxCodeSalt, o.TxCodeHash,
		0, string(state), o.Operator, created, expires, nil, nil, "", nil, 0}, nil
}

// ScanOffer reads the columns of OfferColumns with scan (a Row's or Rows'
// Scan of database/sql or pgx).
func ScanOffer(scan func(dest ...any) error) (*issuer.Offer, error) {
	var (
		o                     issuer.Offer
		state                 string
		created, expires      int64
		tokenExpiry, issuedAt *int64
	)
	err := scan(&o.ID, &o.VCT, &o.ConfigurationID, &o.Claims, &o.CodeHash, &o.TxCodeSalt, &o.TxCodeHash,
		&o.Attempts, &state, &o.Operator, &created, &expires, &o.TokenHash, &tokenExpiry, &o.TokenJKT, &issuedAt, &o.Credentials)
	if err != nil {
		return nil, err
	}
	o.State = issuer.OfferState(state)
	o.CreatedAt, o.ExpiresAt = Time(created), Time(expires)
	o.TokenExpiry, o.IssuedAt = NullTime(tokenExpiry), NullTime(issuedAt)
	return &o, nil
}

// Redeem applies RedeemOffer's rules to o, the stored offer its code hash
// found, as of now, and reports whether o changed and must be written back
// (its Attempts, State and token fields) in the same transaction, and the
// error RedeemOffer returns after that write commits:
//
//   - burned: ErrCodeBurned; redeemed or issued: ErrCodeUsed; now at or
//     after ExpiresAt: ErrCodeExpired — nothing changes. The state is
//     checked before the expiry so that a burned or used code keeps giving
//     the same answer after it expires.
//   - check(o) false: one more attempt is counted and ErrTxCode returned;
//     the attempt that reaches maxAttempts also burns the offer.
//   - otherwise the offer is redeemed for grant.
//
// A grant without a SHA-256 token hash or an expiry is an error before
// anything else is looked at.
//
// check sees a copy of o, so it cannot change what is stored.
func Redeem(o *issuer.Offer, check func(*issuer.Offer) bool, maxAttempts int, grant issuer.TokenGrant, now time.Time) (write bool, err error) {
	if err := CheckHash("access token hash", grant.Hash); err != nil {
		return false, err
	}
	if _, err := Nanos("access token expiry", grant.Expiry); err != nil {
		return false, err
	}
	switch o.State {
	case issuer.OfferPending:
	case issuer.OfferBurned:
		return false, issuer.ErrCodeBurned
	case issuer.OfferRedeemed, issuer.OfferIssued:
		return false, issuer.ErrCodeUsed
	default:
		return false, fmt.Errorf("offer %s has an unknown state %q", o.ID, o.State)
	}
	if !now.Before(o.ExpiresAt) {
		return false, issuer.ErrCodeExpired
	}
	if !check(CloneOffer(o)) {
		o.Attempts++
		if o.Attempts >= maxAttempts {
			o.State = issuer.OfferBurned
		}
		return true, issuer.ErrTxCode
	}
	o.State = issuer.OfferRedeemed
	o.TokenHash = bytes.Clone(grant.Hash)
	o.TokenExpiry = grant.Expiry.UTC()
	o.TokenJKT = grant.JKT
	return true, nil
}

// CloneOffer returns a deep copy of o.
func CloneOffer(o *issuer.Offer) *issuer.Offer {
	c := *o
	c.Claims = bytes.Clone(o.Claims)
	c.CodeHash = bytes.Clone(o.CodeHash)
	c.TxCodeSalt = bytes.Clone(o.TxCodeSalt)
	c.TxCodeHash = bytes.Clone(o.TxCodeHash)
	c.TokenHash = bytes.Clone(o.TokenHash)
	return &c
}

// CredentialColumns are the credential columns, in the order
// CredentialArgs and ScanCredential use.
const CredentialColumns = "id, offer_id, vct, holder_thumbprint, list_uri, idx, status, issued_at, expiry, updated_at"

// CredentialArgs checks one issuance record of offer offerID and returns
// the values of CredentialColumns. The record's OfferID, if set, must be
// offerID; an unset IssuedAt is now.
func CredentialArgs(offerID string, c *issuer.Credential, now time.Time) ([]any, error) {
	switch {
	case c == nil:
		return nil, errors.New("nil issuance record")
	case c.ID == "":
		return nil, errors.New("issuance record without an id")
	case c.OfferID != "" && c.OfferID != offerID:
		return nil, fmt.Errorf("issuance record %s belongs to offer %s, not %s", c.ID, c.OfferID, offerID)
	case c.ListURI == "":
		return nil, fmt.Errorf("issuance record %s has no status list", c.ID)
	case c.Index < 0:
		return nil, fmt.Errorf("issuance record %s has a negative status index", c.ID)
	}
	issuedAt := c.IssuedAt
	if issuedAt.IsZero() {
		issuedAt = now
	}
	issued, err := Nanos("credential IssuedAt", issuedAt)
	if err != nil {
		return nil, err
	}
	expiry, err := NullNanos("credential Expiry", c.Expiry)
	if err != nil {
		return nil, err
	}
	updated, err := NullNanos("credential UpdatedAt", c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, offerID, c.VCT, c.HolderThumbprint, c.ListURI, int64(c.Index), int64(c.Status), issued, expiry, updated}, nil
}

// ScanCredential reads the columns of CredentialColumns with scan.
func ScanCredential(scan func(dest ...any) error) (*issuer.Credential, error) {
	var (
		c               issuer.Credential
		idx, status     int64
		issued          int64
		expiry, updated *int64
	)
	if err := scan(&c.ID, &c.OfferID, &c.VCT, &c.HolderThumbprint, &c.ListURI, &idx, &status, &issued, &expiry, &updated); err != nil {
		return nil, err
	}
	c.Index, c.Status = int(idx), issuer.Status(status)
	c.IssuedAt, c.Expiry, c.UpdatedAt = Time(issued), NullTime(expiry), NullTime(updated)
	return &c, nil
}

// OperatorColumns are the operator columns, in the order OperatorArgs and
// ScanOperator use.
const OperatorColumns = "id, name, token_hash, created_at"

// OperatorArgs checks an operator and returns the values of
// OperatorColumns.
func OperatorArgs(op *issuer.Operator) ([]any, error) {
	if op.ID == "" {
		return nil, errors.New("operator without an id")
	}
	if err := CheckHash("operator token hash", op.TokenHash); err != nil {
		return nil, err
	}
	created, err := Nanos("operator CreatedAt", op.CreatedAt)
	if err != nil {
		return nil, err
	}
	return []any{op.ID, op.Name, op.TokenHash, created}, nil
}

// ScanOperator reads the columns of OperatorColumns with scan.
func ScanOperator(scan func(dest ...any) error) (*issuer.Operator, error) {
	var (
		op      issuer.Operator
		created int64
	)
	if err := scan(&op.ID, &op.Name, &op.TokenHash, &created); err != nil {
		return nil, err
	}
	op.CreatedAt = Time(created)
	return &op, nil
}

// AuditColumns are the audit log columns, in the order AuditArgs and
// ScanAudit use.
const AuditColumns = "seq, time, operator, action, subject, detail, hash"

// NextAudit builds the entry that follows the one with sequence number
// lastSeq and hash lastHash (0 and nil for the first entry): e's fields
// with Seq and Hash set (issuer.AuditHash) and Time in UTC. e is not
// changed. It returns the entry and the values of AuditColumns.
func NextAudit(e *issuer.AuditEntry, lastSeq int64, lastHash []byte) (*issuer.AuditEntry, []any, error) {
	t, err := Nanos("audit entry Time", e.Time)
	if err != nil {
		return nil, nil, err
	}
	next := &issuer.AuditEntry{Seq: lastSeq + 1, Time: Time(t), Operator: e.Operator, Action: e.Action, Subject: e.Subject, Detail: e.Detail}
	next.Hash = issuer.AuditHash(lastHash, next)
	return next, []any{next.Seq, t, next.Operator, next.Action, next.Subject, next.Detail, next.Hash}, nil
}

// ScanAudit reads the columns of AuditColumns with scan.
func ScanAudit(scan func(dest ...any) error) (*issuer.AuditEntry, error) {
	var (
		e issuer.AuditEntry
		t int64
	)
	if err := scan(&e.Seq, &t, &e.Operator, &e.Action, &e.Subject, &e.Detail, &e.Hash); err != nil {
		return nil, err
	}
	e.Time = Time(t)
	return &e, nil
}

// CheckSecret checks the arguments of Store.Secret: a name of 1 to 64
// bytes and a candidate of 16 to 1024 bytes.
func CheckSecret(name string, candidate []byte) error {
	switch {
	case name == "" || len(name) > 64:
		return fmt.Errorf("a secret's name has 1 to 64 bytes, not %d", len(name))
	case len(candidate) < 16 || len(candidate) > 1024:
		return fmt.Errorf("a secret has 16 to 1024 bytes, not %d", len(candidate))
	}
	return nil
}

// CheckSpentNonce checks a spent nonce: a SHA-256 hash and an expiry.
func CheckSpentNonce(n issuer.SpentNonce) (int64, error) {
	if err := CheckHash("nonce hash", n.Hash); err != nil {
		return 0, err
	}
	return Nanos("nonce expiry", n.Expiry)
}
