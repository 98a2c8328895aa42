package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/internal/contract"
)

// Store is an issuer.Store in a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ issuer.Store = (*Store)(nil)

// uniqueViolation is the SQLSTATE of a unique violation.
const uniqueViolation = "23505"

// Open connects to the PostgreSQL database that connString names (a URL,
// postgres://user@host:port/db?…, or key=value pairs; see pgx's
// ParseConfig) and brings its schema to the current version. The tables go
// into the first schema of the connection's search_path.
func Open(ctx context.Context, connString string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return s, nil
}

// migrate creates or updates the schema, under an advisory lock.
func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer NOT NULL PRIMARY KEY,
			applied_at bigint  NOT NULL
		)`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", v+1, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// tx runs fn in a READ COMMITTED transaction, committing if it returns
// nil. Methods that read and then write lock what they read (SELECT … FOR
// UPDATE, LOCK TABLE), so concurrent calls take turns where they must.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(ctx); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) {
			return errors.Join(err, rerr)
		}
		return err
	}
	return tx.Commit(ctx)
}

// placeholders returns "$1, $2, …, $n".
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}

var (
	insertOffer      = "INSERT INTO offers (" + contract.OfferColumns + ") VALUES (" + placeholders(17) + ")"
	insertCredential = "INSERT INTO credentials (" + contract.CredentialColumns + ") VALUES (" + placeholders(10) + ")"
	insertOperator   = "INSERT INTO operators (" + contract.OperatorColumns + ") VALUES (" + placeholders(4) + ")"
	insertAudit      = "INSERT INTO audit (" + contract.AuditColumns + ") VALUES (" + placeholders(7) + ")"
)

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

// PutOffer stores a new offer and its audit entry (if not nil) in one
// transaction.
func (s *Store) PutOffer(ctx context.Context, o *issuer.Offer, audit *issuer.AuditEntry) error {
	args, err := contract.OfferArgs(o)
	if err != nil {
		return fmt.Errorf("postgres: put offer: %w", err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertOffer, args...); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, audit)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put offer %s: %w", o.ID, err)
	}
	return nil
}

// RedeemOffer redeems an offer by the hash of its pre-authorized code (see
// issuer.Store and contract.Redeem for the rules), in one transaction that
// locks the offer's row (SELECT … FOR UPDATE): concurrent redemptions of
// one code take turns, so one wins. check runs inside the transaction.
func (s *Store) RedeemOffer(ctx context.Context, codeHash []byte, check func(o *issuer.Offer) bool, maxAttempts int, grant issuer.TokenGrant, now time.Time) (*issuer.Offer, error) {
	var (
		o       *issuer.Offer
		outcome error
	)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		o, err = contract.ScanOffer(tx.QueryRow(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE code_hash = $1 FOR UPDATE", codeHash).Scan)
		if errors.Is(err, pgx.ErrNoRows) {
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
		_, err = tx.Exec(ctx, "UPDATE offers SET attempts = $1, state = $2, token_hash = $3, token_expiry = $4, token_jkt = $5 WHERE id = $6",
			o.Attempts, string(o.State), o.TokenHash, expiry, o.TokenJKT, o.ID)
		return err
	})
	if err != nil {
		if isSentinel(err) {
			return nil, err
		}
		return nil, fmt.Errorf("postgres: redeem offer: %w", err)
	}
	if outcome != nil {
		return nil, outcome
	}
	return o, nil
}

// OfferByToken returns the offer redeemed for the access token that
// hashes to tokenHash, whatever its state since (redeemed or issued), or
// ErrTokenUnknown if there is none or the token expired at now.
func (s *Store) OfferByToken(ctx context.Context, tokenHash []byte, now time.Time) (*issuer.Offer, error) {
	o, err := contract.ScanOffer(s.pool.QueryRow(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE token_hash = $1", tokenHash).Scan)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, issuer.ErrTokenUnknown
	case err != nil:
		return nil, fmt.Errorf("postgres: offer by token: %w", err)
	case !now.Before(o.TokenExpiry):
		return nil, issuer.ErrTokenUnknown
	}
	return o, nil
}

// Offer returns an offer by id, or ErrNotFound.
func (s *Store) Offer(ctx context.Context, id string) (*issuer.Offer, error) {
	o, err := contract.ScanOffer(s.pool.QueryRow(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE id = $1", id).Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, issuer.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("postgres: offer %s: %w", id, err)
	}
	return o, nil
}

// ListOffers returns at most limit offers, newest (CreatedAt) first, ties
// by descending id; none for a limit ≤ 0.
func (s *Store) ListOffers(ctx context.Context, limit int) ([]*issuer.Offer, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT "+contract.OfferColumns+" FROM offers ORDER BY created_at DESC, id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list offers: %w", err)
	}
	return collect(rows, contract.ScanOffer)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(func(...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return out, nil
}

// Secret returns the secret named name, storing candidate first if there
// is none: of concurrent first calls, one inserts and the others, after
// waiting for its commit, find its value.
func (s *Store) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	if err := contract.CheckSecret(name, candidate); err != nil {
		return nil, fmt.Errorf("postgres: secret: %w", err)
	}
	var v []byte
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
			name, candidate, time.Now().UnixNano()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT value FROM secrets WHERE name = $1", name).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: secret %s: %w", name, err)
	}
	return v, nil
}

// CompleteOffer stores the issuance records of a redeemed offer, marks it
// issued (wiping its claims) and spends the nonce, in one transaction that
// locks the offer's row: ErrNotFound for an unknown offer, ErrCodeUsed
// unless it is redeemed, ErrNonceUnknown if the nonce was spent (of two
// concurrent spends, the second waits for the first's commit and then
// finds the row), ErrIndexTaken if a record's status-list index is taken,
// which the UNIQUE constraint credentials_list_index decides; nothing is
// stored on any of them. Records are inserted in (list, index) order, so
// two calls that want overlapping indexes wait for each other in one order
// and do not deadlock. The same transaction forgets up to 1,000 spent
// nonces expired at now, skipping rows other transactions hold, so it
// never waits for them. A record's unset OfferID is offerID; an unset
// IssuedAt is now.
func (s *Store) CompleteOffer(ctx context.Context, offerID string, nonce issuer.SpentNonce, recs []*issuer.Credential, now time.Time) error {
	issued, err := contract.Nanos("now", now)
	if err != nil {
		return fmt.Errorf("postgres: complete offer: %w", err)
	}
	nonceExpiry, err := contract.CheckSpentNonce(nonce)
	if err != nil {
		return fmt.Errorf("postgres: complete offer: %w", err)
	}
	args := make([][]any, len(recs))
	for i, c := range recs {
		if args[i], err = contract.CredentialArgs(offerID, c, now); err != nil {
			return fmt.Errorf("postgres: complete offer %s: %w", offerID, err)
		}
	}
	slices.SortFunc(args, func(a, b []any) int {
		if c := strings.Compare(a[4].(string), b[4].(string)); c != 0 { // list_uri
			return c
		}
		return cmp.Compare(a[5].(int64), b[5].(int64)) // idx
	})
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, "SELECT state FROM offers WHERE id = $1 FOR UPDATE", offerID).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return issuer.ErrNotFound
		} else if err != nil {
			return err
		}
		if issuer.OfferState(state) != issuer.OfferRedeemed {
			return issuer.ErrCodeUsed
		}
		tag, err := tx.Exec(ctx, "INSERT INTO spent_nonces (hash, expiry) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING", nonce.Hash, nonceExpiry)
		if err != nil {
			return err
		} else if tag.RowsAffected() != 1 {
			return issuer.ErrNonceUnknown
		}
		if _, err := tx.Exec(ctx, `DELETE FROM spent_nonces WHERE hash IN (
			SELECT hash FROM spent_nonces WHERE expiry <= $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)`, issued); err != nil {
			return err
		}
		for _, a := range args {
			_, err := tx.Exec(ctx, insertCredential, a...)
			if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == uniqueViolation && pe.ConstraintName == indexConstraint {
				return issuer.ErrIndexTaken
			} else if err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, "UPDATE offers SET state = 'issued', claims = NULL, issued_at = $1, credentials = $2 WHERE id = $3",
			issued, len(recs), offerID)
		return err
	})
	if err != nil {
		if isSentinel(err) {
			return err
		}
		return fmt.Errorf("postgres: complete offer %s: %w", offerID, err)
	}
	return nil
}

// Credential returns an issuance record, or ErrNotFound.
func (s *Store) Credential(ctx context.Context, id string) (*issuer.Credential, error) {
	c, err := contract.ScanCredential(s.pool.QueryRow(ctx, "SELECT "+contract.CredentialColumns+" FROM credentials WHERE id = $1", id).Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, issuer.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("postgres: credential %s: %w", id, err)
	}
	return c, nil
}

// ListCredentials returns at most limit issuance records, newest
// (IssuedAt) first, ties by descending id; none for a limit ≤ 0.
func (s *Store) ListCredentials(ctx context.Context, limit int) ([]*issuer.Credential, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT "+contract.CredentialColumns+" FROM credentials ORDER BY issued_at DESC, id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list credentials: %w", err)
	}
	return collect(rows, contract.ScanCredential)
}

// SetStatus sets a credential's status and UpdatedAt (now) in one
// statement, appends audit (if not nil) in the same transaction, and
// WipeClaims implements issuer.Store.
func (s *Store) WipeClaims(ctx context.Context, now time.Time) (int, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return 0, fmt.Errorf("postgres: wipe claims: %w", err)
	}
	tag, err := s.pool.Exec(ctx, "UPDATE offers SET claims = NULL WHERE claims IS NOT NULL AND (state = 'burned' OR (state = 'pending' AND expires_at <= $1) OR (state = 'redeemed' AND token_expiry <= $1))", n)
	if err != nil {
		return 0, fmt.Errorf("postgres: wipe claims: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// returns the record as changed, or ErrNotFound.
func (s *Store) SetStatus(ctx context.Context, id string, status issuer.Status, now time.Time, audit *issuer.AuditEntry) (*issuer.Credential, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return nil, fmt.Errorf("postgres: set status: %w", err)
	}
	var c *issuer.Credential
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = contract.ScanCredential(tx.QueryRow(ctx, "UPDATE credentials SET status = $1, updated_at = $2 WHERE id = $3 AND (status <> 1 OR $1 = 1) RETURNING "+contract.CredentialColumns,
			int64(status), n, id).Scan)
		if errors.Is(err, pgx.ErrNoRows) {
			var one int
			if err := tx.QueryRow(ctx, "SELECT 1 FROM credentials WHERE id = $1", id).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
				return issuer.ErrNotFound
			} else if err != nil {
				return err
			}
			return issuer.ErrRevoked
		} else if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, audit)
		return err
	})
	if errors.Is(err, issuer.ErrNotFound) || errors.Is(err, issuer.ErrRevoked) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("postgres: set status of %s: %w", id, err)
	}
	return c, nil
}

// Statuses returns the index and status of every credential of a list
// whose status is not Valid.
func (s *Store) Statuses(ctx context.Context, listURI string) (map[int]issuer.Status, error) {
	rows, err := s.pool.Query(ctx, "SELECT idx, status FROM credentials WHERE list_uri = $1 AND status <> 0", listURI)
	if err != nil {
		return nil, fmt.Errorf("postgres: statuses: %w", err)
	}
	defer rows.Close()
	out := map[int]issuer.Status{}
	for rows.Next() {
		var idx, status int64
		if err := rows.Scan(&idx, &status); err != nil {
			return nil, fmt.Errorf("postgres: statuses: %w", err)
		}
		out[int(idx)] = issuer.Status(status)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: statuses: %w", err)
	}
	return out, nil
}

// Indexes returns the taken indexes of listURI, ascending.
func (s *Store) Indexes(ctx context.Context, listURI string) ([]int, error) {
	rows, err := s.pool.Query(ctx, "SELECT idx FROM credentials WHERE list_uri = $1 ORDER BY idx", listURI)
	if err != nil {
		return nil, fmt.Errorf("postgres: indexes: %w", err)
	}
	return collect(rows, func(scan func(...any) error) (int, error) {
		var i int64
		err := scan(&i)
		return int(i), err
	})
}

// CountIndexes returns how many credentials have an index of listURI.
func (s *Store) CountIndexes(ctx context.Context, listURI string) (int, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM credentials WHERE list_uri = $1", listURI).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count indexes: %w", err)
	}
	return int(n), nil
}

// PutOperator stores an operator and its audit entry (if not nil) in one
// transaction.
func (s *Store) PutOperator(ctx context.Context, op *issuer.Operator, audit *issuer.AuditEntry) error {
	args, err := contract.OperatorArgs(op)
	if err != nil {
		return fmt.Errorf("postgres: put operator: %w", err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertOperator, args...); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, audit)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put operator %s: %w", op.ID, err)
	}
	return nil
}

// OperatorByToken returns the operator whose token hashes to tokenHash, or
// ErrTokenUnknown.
func (s *Store) OperatorByToken(ctx context.Context, tokenHash []byte) (*issuer.Operator, error) {
	op, err := contract.ScanOperator(s.pool.QueryRow(ctx, "SELECT "+contract.OperatorColumns+" FROM operators WHERE token_hash = $1", tokenHash).Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, issuer.ErrTokenUnknown
	} else if err != nil {
		return nil, fmt.Errorf("postgres: operator by token: %w", err)
	}
	return op, nil
}

// CountOperators returns how many operators there are.
func (s *Store) CountOperators(ctx context.Context) (int, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM operators").Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count operators: %w", err)
	}
	return int(n), nil
}

// AppendAudit appends e to the audit log (see appendAudit). e must have a
// Time; it is not changed, the entry returned is a new one.
func (s *Store) AppendAudit(ctx context.Context, e *issuer.AuditEntry) (*issuer.AuditEntry, error) {
	if e == nil {
		return nil, errors.New("postgres: append audit: no entry")
	}
	var next *issuer.AuditEntry
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		next, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: append audit: %w", err)
	}
	return next, nil
}

// appendAudit appends e (nothing when nil) in tx: it locks the audit
// table against other writers (EXCLUSIVE mode: reads go on), reads the
// last entry, computes the next sequence number and issuer.AuditHash over
// the last hash, and inserts, so two appends cannot fork the chain. Every
// transaction takes this lock last, after any row lock it needs, so that
// none waits for a row while holding it: no deadlock.
func appendAudit(ctx context.Context, tx pgx.Tx, e *issuer.AuditEntry) (*issuer.AuditEntry, error) {
	if e == nil {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE audit IN EXCLUSIVE MODE"); err != nil {
		return nil, err
	}
	var (
		seq  int64
		hash []byte
	)
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	next, args, err := contract.NextAudit(e, seq, hash)
	if err != nil {
		return nil, fmt.Errorf("audit entry: %w", err)
	}
	if _, err := tx.Exec(ctx, insertAudit, args...); err != nil {
		return nil, fmt.Errorf("audit entry: %w", err)
	}
	return next, nil
}

// Audit returns at most limit entries of the audit log in order, from
// sequence number from; none for a limit ≤ 0.
func (s *Store) Audit(ctx context.Context, from int64, limit int) ([]*issuer.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, "SELECT "+contract.AuditColumns+" FROM audit WHERE seq >= $1 ORDER BY seq LIMIT $2", from, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	return collect(rows, contract.ScanAudit)
}
