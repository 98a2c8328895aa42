package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seoulid/seoulid/internal/sqlitedb"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/internal/contract"
)

// Store is an issuer.Store in one SQLite database file (internal/sqlitedb:
// WAL, synchronous=FULL, a reader pool, and one writer connection whose
// BEGIN IMMEDIATE transactions are group-committed, so that a
// read-modify-write — redeeming a code, appending to the audit chain —
// cannot interleave with another). The writer's statements are prepared
// once: parsing SQL was a sixth of an issuance's CPU time before.
type Store struct {
	db *sqlitedb.DB
	// w and r are db's writer and readers.
	w, r *sql.DB
}

var _ issuer.Store = (*Store)(nil)

// Open opens (creating it if need be) the SQLite database at path and
// brings its schema to the current version. path is a file name; ":memory:"
// and "file:" URIs are refused, since a store must outlive its process and
// its connections must share one database.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{
		Pragmas:         []string{"foreign_keys(1)"},
		MigrationsTable: "schema_migrations",
		Migrations:      migrations,
		Writes:          writes,
	})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, w: db.W, r: db.R}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// The statements of the writer.
const (
	qInsertOffer     = "INSERT INTO offers (" + contract.OfferColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	qOfferByCode     = "SELECT " + contract.OfferColumns + " FROM offers WHERE code_hash = ?"
	qRedeem          = "UPDATE offers SET attempts = ?, state = ?, token_hash = ?, token_expiry = ?, token_jkt = ? WHERE id = ?"
	qOfferState      = "SELECT state FROM offers WHERE id = ?"
	qSpendNonce      = "INSERT INTO spent_nonces (hash, expiry) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING"
	qForgetNonces    = "DELETE FROM spent_nonces WHERE expiry <= ?"
	qInsertCred      = "INSERT INTO credentials (" + contract.CredentialColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	qIssued          = "UPDATE offers SET state = 'issued', claims = NULL, issued_at = ?, credentials = ? WHERE id = ?"
	qSetStatus       = "UPDATE credentials SET status = ?, updated_at = ? WHERE id = ? AND (status <> 1 OR ? = 1) RETURNING " + contract.CredentialColumns
	qCredExists      = "SELECT 1 FROM credentials WHERE id = ?"
	qInsertOperator  = "INSERT INTO operators (" + contract.OperatorColumns + ") VALUES (?, ?, ?, ?)"
	qLastAudit       = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
	qInsertAudit     = "INSERT INTO audit (" + contract.AuditColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
	qInsertSecret    = "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
	qSecret          = "SELECT value FROM secrets WHERE name = ?"
	qOfferByToken    = "SELECT " + contract.OfferColumns + " FROM offers WHERE token_hash = ?"
	qOfferByID       = "SELECT " + contract.OfferColumns + " FROM offers WHERE id = ?"
	qListOffers      = "SELECT " + contract.OfferColumns + " FROM offers ORDER BY created_at DESC, id DESC LIMIT ?"
	qCredByID        = "SELECT " + contract.CredentialColumns + " FROM credentials WHERE id = ?"
	qListCreds       = "SELECT " + contract.CredentialColumns + " FROM credentials ORDER BY issued_at DESC, id DESC LIMIT ?"
	qStatuses        = "SELECT idx, status FROM credentials WHERE list_uri = ? AND status <> 0"
	qIndexes         = "SELECT idx FROM credentials WHERE list_uri = ? ORDER BY idx"
	qCountIndexes    = "SELECT count(*) FROM credentials WHERE list_uri = ?"
	qOperatorByToken = "SELECT " + contract.OperatorColumns + " FROM operators WHERE token_hash = ?"
	qCountOperators  = "SELECT count(*) FROM operators"
	qAudit           = "SELECT " + contract.AuditColumns + " FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?"
)

// writes are the statements write transactions use.
var writes = []string{qInsertOffer, qOfferByCode, qRedeem, qOfferState,
	qSpendNonce, qForgetNonces, qInsertCred, qIssued, qSetStatus, qCredExists, qInsertOperator, qLastAudit,
	qInsertAudit, qInsertSecret, qSecret}

// isConstraint reports whether err is SQLite's extended result code code
// (SQLITE_CONSTRAINT_UNIQUE, …).
func isConstraint(err error, code int) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && e.Code() == code
}

// PutOffer stores a new offer and its audit entry (if not nil) in one
// transaction.
func (s *Store) PutOffer(ctx context.Context, o *issuer.Offer, audit *issuer.AuditEntry) error {
	args, err := contract.OfferArgs(o)
	if err != nil {
		return fmt.Errorf("sqlite: put offer: %w", err)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := s.db.Exec(ctx, tx, qInsertOffer, args...); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit, nil)
	})
	if err != nil {
		return fmt.Errorf("sqlite: put offer %s: %w", o.ID, err)
	}
	return nil
}

// RedeemOffer redeems an offer by the hash of its pre-authorized code (see
// issuer.Store and contract.Redeem for the rules), in one write
// transaction: concurrent redemptions of one code take turns, so one wins.
// check runs inside the transaction and must not write to the store.
func (s *Store) RedeemOffer(ctx context.Context, codeHash []byte, check func(o *issuer.Offer) bool, maxAttempts int, grant issuer.TokenGrant, now time.Time) (*issuer.Offer, error) {
	var (
		o       *issuer.Offer
		outcome error
	)
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = contract.ScanOffer(s.db.Row(ctx, tx, qOfferByCode, codeHash))
		if errors.Is(err, sql.ErrNoRows) {
			return issuer.ErrCodeUnknown
		} else if err != nil {
			return err
		}
		var write bool
		write, outcome = contract.Redeem(o, check, maxAttempts, grant, now)
		if !write {
			return outcome
		}
		expiry, err := contract.NullNanos("access token expiry", o.TokenExpiry)
		if err != nil {
			return err
		}
		_, err = s.db.Exec(ctx, tx, qRedeem, o.Attempts, string(o.State), o.TokenHash, expiry, o.TokenJKT, o.ID)
		return err
	})
	if err != nil {
		if isSentinel(err) {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: redeem offer: %w", err)
	}
	if outcome != nil {
		return nil, outcome
	}
	return o, nil
}

// isSentinel reports whether err is one of the store errors of package
// issuer, returned as they are.
func isSentinel(err error) bool {
	for _, e := range []error{issuer.ErrNotFound, issuer.ErrCodeUnknown, issuer.ErrCodeExpired, issuer.ErrCodeUsed,
		issuer.ErrCodeBurned, issuer.ErrTxCode, issuer.ErrTokenUnknown, issuer.ErrNonceUnknown, issuer.ErrIndexTaken} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// OfferByToken returns the offer redeemed for the access token that
// hashes to tokenHash, whatever its state since (redeemed or issued), or
// ErrTokenUnknown if there is none or the token expired at now.
func (s *Store) OfferByToken(ctx context.Context, tokenHash []byte, now time.Time) (*issuer.Offer, error) {
	o, err := contract.ScanOffer(s.db.QueryRow(ctx, qOfferByToken, tokenHash))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, issuer.ErrTokenUnknown
	case err != nil:
		return nil, fmt.Errorf("sqlite: offer by token: %w", err)
	case !now.Before(o.TokenExpiry):
		return nil, issuer.ErrTokenUnknown
	}
	return o, nil
}

// Offer returns an offer by id, or ErrNotFound.
func (s *Store) Offer(ctx context.Context, id string) (*issuer.Offer, error) {
	o, err := contract.ScanOffer(s.db.QueryRow(ctx, qOfferByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: offer %s: %w", id, err)
	}
	return o, nil
}

// qWipeClaims wipes the claims of the offers that can no longer be issued.
const qWipeClaims = "UPDATE offers SET claims = NULL WHERE claims IS NOT NULL AND (state = 'burned' OR (state = 'pending' AND expires_at <= ?) OR (state = 'redeemed' AND token_expiry <= ?))"

// WipeClaims implements issuer.Store.
func (s *Store) WipeClaims(ctx context.Context, now time.Time) (int, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: wipe claims: %w", err)
	}
	var wiped int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := s.db.Exec(ctx, tx, qWipeClaims, n, n)
		if err != nil {
			return err
		}
		wiped, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: wipe claims: %w", err)
	}
	return int(wiped), nil
}

// ListOffers returns at most limit offers, newest (CreatedAt) first, ties
// by descending id; none for a limit ≤ 0.
func (s *Store) ListOffers(ctx context.Context, limit int) ([]*issuer.Offer, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, qListOffers, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list offers: %w", err)
	}
	return collect(rows, contract.ScanOffer)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(func(...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return out, nil
}

// Secret returns the secret named name, storing candidate first if there
// is none (INSERT … ON CONFLICT DO NOTHING, then a read, in one write
// transaction).
func (s *Store) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	if err := contract.CheckSecret(name, candidate); err != nil {
		return nil, fmt.Errorf("sqlite: secret: %w", err)
	}
	var v []byte
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := s.db.Exec(ctx, tx, qInsertSecret, name, candidate, time.Now().UnixNano()); err != nil {
			return err
		}
		return s.db.Row(ctx, tx, qSecret, name)(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: secret %s: %w", name, err)
	}
	return v, nil
}

// CompleteOffer stores the issuance records of a redeemed offer, marks it
// issued (wiping its claims) and spends the nonce, in one transaction:
// ErrNotFound for an unknown offer, ErrCodeUsed unless it is redeemed,
// ErrNonceUnknown if the nonce was spent, ErrIndexTaken if a record's
// status-list index is taken, which the UNIQUE (list_uri, idx) constraint
// decides; nothing is stored on any of them. Spent nonces expired at now
// are forgotten in the same transaction. A record's unset OfferID is
// offerID; an unset IssuedAt is now.
func (s *Store) CompleteOffer(ctx context.Context, offerID string, nonce issuer.SpentNonce, recs []*issuer.Credential, now time.Time) error {
	issued, err := contract.Nanos("now", now)
	if err != nil {
		return fmt.Errorf("sqlite: complete offer: %w", err)
	}
	nonceExpiry, err := contract.CheckSpentNonce(nonce)
	if err != nil {
		return fmt.Errorf("sqlite: complete offer: %w", err)
	}
	args := make([][]any, len(recs))
	for i, c := range recs {
		if args[i], err = contract.CredentialArgs(offerID, c, now); err != nil {
			return fmt.Errorf("sqlite: complete offer %s: %w", offerID, err)
		}
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var state string
		err := s.db.Row(ctx, tx, qOfferState, offerID)(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return issuer.ErrNotFound
		} else if err != nil {
			return err
		}
		if issuer.OfferState(state) != issuer.OfferRedeemed {
			return issuer.ErrCodeUsed
		}
		if _, err := s.db.Exec(ctx, tx, qForgetNonces, issued); err != nil {
			return err
		}
		res, err := s.db.Exec(ctx, tx, qSpendNonce, nonce.Hash, nonceExpiry)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return issuer.ErrNonceUnknown
		}
		for _, a := range args {
			_, err := s.db.Exec(ctx, tx, qInsertCred, a...)
			if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
				return issuer.ErrIndexTaken // the only UNIQUE constraint of credentials besides its primary key
			} else if err != nil {
				return err
			}
		}
		_, err = s.db.Exec(ctx, tx, qIssued, issued, len(recs), offerID)
		return err
	})
	if err != nil {
		if isSentinel(err) {
			return err
		}
		return fmt.Errorf("sqlite: complete offer %s: %w", offerID, err)
	}
	return nil
}

// Credential returns an issuance record, or ErrNotFound.
func (s *Store) Credential(ctx context.Context, id string) (*issuer.Credential, error) {
	c, err := contract.ScanCredential(s.db.QueryRow(ctx, qCredByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: credential %s: %w", id, err)
	}
	return c, nil
}

// ListCredentials returns at most limit issuance records, newest
// (IssuedAt) first, ties by descending id; none for a limit ≤ 0.
func (s *Store) ListCredentials(ctx context.Context, limit int) ([]*issuer.Credential, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, qListCreds, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	return collect(rows, contract.ScanCredential)
}

// SetStatus sets a credential's status and UpdatedAt (now) in one
// statement, appends audit (if not nil) in the same transaction, and
// returns the record as changed, or ErrNotFound.
func (s *Store) SetStatus(ctx context.Context, id string, status issuer.Status, now time.Time, audit *issuer.AuditEntry) (*issuer.Credential, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: set status: %w", err)
	}
	var c *issuer.Credential
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = contract.ScanCredential(s.db.Row(ctx, tx, qSetStatus, int64(status), n, id, int64(status)))
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := s.db.Row(ctx, tx, qCredExists, id)(&one); errors.Is(err, sql.ErrNoRows) {
				return issuer.ErrNotFound
			} else if err != nil {
				return err
			}
			return issuer.ErrRevoked
		} else if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit, nil)
	})
	if errors.Is(err, issuer.ErrNotFound) || errors.Is(err, issuer.ErrRevoked) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: set status of %s: %w", id, err)
	}
	return c, nil
}

// Statuses returns the index and status of every credential of a list
// whose status is not Valid.
func (s *Store) Statuses(ctx context.Context, listURI string) (map[int]issuer.Status, error) {
	rows, err := s.db.Query(ctx, qStatuses, listURI)
	if err != nil {
		return nil, fmt.Errorf("sqlite: statuses: %w", err)
	}
	defer rows.Close()
	out := map[int]issuer.Status{}
	for rows.Next() {
		var idx, status int64
		if err := rows.Scan(&idx, &status); err != nil {
			return nil, fmt.Errorf("sqlite: statuses: %w", err)
		}
		out[int(idx)] = issuer.Status(status)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: statuses: %w", err)
	}
	return out, nil
}

// Indexes returns the taken indexes of listURI, ascending.
func (s *Store) Indexes(ctx context.Context, listURI string) ([]int, error) {
	rows, err := s.db.Query(ctx, qIndexes, listURI)
	if err != nil {
		return nil, fmt.Errorf("sqlite: indexes: %w", err)
	}
	return collect(rows, func(scan func(...any) error) (int, error) {
		var i int
		return i, scan(&i)
	})
}

// CountIndexes returns how many credentials have an index of listURI.
func (s *Store) CountIndexes(ctx context.Context, listURI string) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, qCountIndexes, listURI)(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count indexes: %w", err)
	}
	return n, nil
}

// PutOperator stores an operator and its audit entry (if not nil) in one
// transaction.
func (s *Store) PutOperator(ctx context.Context, op *issuer.Operator, audit *issuer.AuditEntry) error {
	args, err := contract.OperatorArgs(op)
	if err != nil {
		return fmt.Errorf("sqlite: put operator: %w", err)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := s.db.Exec(ctx, tx, qInsertOperator, args...); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit, nil)
	})
	if err != nil {
		return fmt.Errorf("sqlite: put operator %s: %w", op.ID, err)
	}
	return nil
}

// OperatorByToken returns the operator whose token hashes to tokenHash, or
// ErrTokenUnknown.
func (s *Store) OperatorByToken(ctx context.Context, tokenHash []byte) (*issuer.Operator, error) {
	op, err := contract.ScanOperator(s.db.QueryRow(ctx, qOperatorByToken, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrTokenUnknown
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: operator by token: %w", err)
	}
	return op, nil
}

// CountOperators returns how many operators there are.
func (s *Store) CountOperators(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, qCountOperators)(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count operators: %w", err)
	}
	return n, nil
}

// AppendAudit appends e to the audit log: in one write transaction it
// reads the last entry, computes the next sequence number and
// issuer.AuditHash over the last hash, and inserts. e must have a Time;
// it is not changed, the entry returned is a new one.
func (s *Store) AppendAudit(ctx context.Context, e *issuer.AuditEntry) (*issuer.AuditEntry, error) {
	if e == nil {
		return nil, errors.New("sqlite: append audit: no entry")
	}
	var next *issuer.AuditEntry
	err := s.db.Write(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, e, &next) })
	if err != nil {
		return nil, fmt.Errorf("sqlite: append audit: %w", err)
	}
	return next, nil
}

// appendAudit appends e (nothing when nil) in tx, and sets *next to the
// entry appended when next is not nil.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, e *issuer.AuditEntry, next **issuer.AuditEntry) error {
	if e == nil {
		return nil
	}
	var (
		seq  int64
		hash []byte
	)
	err := s.db.Row(ctx, tx, qLastAudit)(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	n, args, err := contract.NextAudit(e, seq, hash)
	if err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	if _, err := s.db.Exec(ctx, tx, qInsertAudit, args...); err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	if next != nil {
		*next = n
	}
	return nil
}

// Audit returns at most limit entries of the audit log in order, from
// sequence number from; none for a limit ≤ 0.
func (s *Store) Audit(ctx context.Context, from int64, limit int) ([]*issuer.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, qAudit, from, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return collect(rows, contract.ScanAudit)
}
