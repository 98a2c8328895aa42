package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/internal/contract"
)

// Store is an issuer.Store in one SQLite database file.
type Store struct {
	// w is the one connection that writes: every write is a BEGIN
	// IMMEDIATE transaction on it, so writers queue in Go instead of
	// retrying on SQLITE_BUSY, and a read-modify-write (redeeming a code,
	// appending to the audit chain) cannot interleave with another.
	w *sql.DB
	// r are read-only connections; in WAL mode they read the last commit
	// without waiting for the writer.
	r *sql.DB

	// writes queue for the group committer (see write).
	writes    chan *writeReq
	done      chan struct{}
	closeOnce sync.Once
}

// writeReq is one write waiting for the group committer.
type writeReq struct {
	ctx    context.Context
	fn     func(tx *sql.Tx) error
	result chan error
}

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

var _ issuer.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process (another seoulid command on the same file) before SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens (creating it if need be) the SQLite database at path and
// brings its schema to the current version. path is a file name; ":memory:"
// and "file:" URIs are refused, since a store must outlive its process and
// its connections must share one database.
func Open(ctx context.Context, path string) (*Store, error) {
	switch {
	case path == "":
		return nil, errors.New("sqlite: no database path")
	case strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("sqlite: %q: the store needs a plain file path", path)
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: %q: a database path cannot contain '?'", path)
	}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=synchronous(FULL)", busyTimeout.Milliseconds())
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, writes: make(chan *writeReq), done: make(chan struct{})}
	go s.commitLoop()
	if err := s.setUp(ctx); err != nil {
		close(s.done)
		w.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	// The readers open after the writer has switched the file to WAL.
	s.r, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		close(s.done)
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	return s, nil
}

// setUp checks the connection's settings and migrates the schema.
func (s *Store) setUp(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL (does the file system support shared memory?)", mode)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", v+1, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the database.
func (s *Store) Close() error {
	err := errors.New("sqlite: already closed")
	s.closeOnce.Do(func() {
		close(s.done)
		err = errors.Join(s.r.Close(), s.w.Close())
	})
	return err
}

// write runs fn in a write transaction and returns once it is durably
// committed (synchronous=FULL), or fn's error with nothing of fn stored.
//
// Writes are group-committed: the committer takes every write queued at
// that moment (up to maxGroup), runs each in its own SAVEPOINT inside one
// transaction — so a write that fails is rolled back alone — and commits
// them with one fsync. Each write still sees the effects of the ones before
// it, in order, exactly as if they had been committed one by one; none is
// reported done before the commit is on disk, so a kill -9 loses nothing
// reported done.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errors.New("sqlite: store closed")
	}
	return <-req.result
}

// commitLoop is the group committer: the store's only writer.
func (s *Store) commitLoop() {
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-s.done:
			return
		}
		group := []*writeReq{first}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-s.writes:
				group = append(group, r)
			default:
				break gather
			}
		}
		s.commitGroup(group)
	}
}

func (s *Store) commitGroup(group []*writeReq) {
	results := make([]error, len(group))
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range group {
			r.result <- err
		}
		return
	}
	ok := 0
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT w"); err != nil {
			results[i] = err
			continue
		}
		if err := r.fn(tx); err != nil {
			results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO w"); rerr != nil {
				results[i] = errors.Join(err, rerr)
			}
		} else {
			ok++
		}
		if _, err := tx.Exec("RELEASE w"); err != nil && results[i] == nil {
			results[i] = err
			ok--
		}
	}
	var cerr error
	if ok > 0 {
		cerr = tx.Commit()
	} else {
		cerr = tx.Rollback()
		if errors.Is(cerr, sql.ErrTxDone) {
			cerr = nil
		}
	}
	for i, r := range group {
		if results[i] == nil && cerr != nil {
			results[i] = fmt.Errorf("commit: %w", cerr)
		}
		r.result <- results[i]
	}
}

// isConstraint reports whether err is SQLite's extended result code code
// (SQLITE_CONSTRAINT_UNIQUE, …).
func isConstraint(err error, code int) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && e.Code() == code
}

// PutOffer stores a new offer.
func (s *Store) PutOffer(ctx context.Context, o *issuer.Offer) error {
	args, err := contract.OfferArgs(o)
	if err != nil {
		return fmt.Errorf("sqlite: put offer: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO offers ("+contract.OfferColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", args...)
		return err
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = contract.ScanOffer(tx.QueryRowContext(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE code_hash = ?", codeHash).Scan)
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
		_, err = tx.ExecContext(ctx, "UPDATE offers SET attempts = ?, state = ?, token_hash = ?, token_expiry = ?, token_jkt = ? WHERE id = ?",
			o.Attempts, string(o.State), o.TokenHash, expiry, o.TokenJKT, o.ID)
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
	o, err := contract.ScanOffer(s.r.QueryRowContext(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE token_hash = ?", tokenHash).Scan)
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
	o, err := contract.ScanOffer(s.r.QueryRowContext(ctx, "SELECT "+contract.OfferColumns+" FROM offers WHERE id = ?", id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, issuer.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: offer %s: %w", id, err)
	}
	return o, nil
}

// ListOffers returns at most limit offers, newest (CreatedAt) first, ties
// by descending id; none for a limit ≤ 0.
func (s *Store) ListOffers(ctx context.Context, limit int) ([]*issuer.Offer, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+contract.OfferColumns+" FROM offers ORDER BY created_at DESC, id DESC LIMIT ?", limit)
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

// PutNonce stores the hash of a fresh nonce until expiry.
func (s *Store) PutNonce(ctx context.Context, nonceHash []byte, expiry time.Time) error {
	if err := contract.CheckHash("nonce hash", nonceHash); err != nil {
		return fmt.Errorf("sqlite: put nonce: %w", err)
	}
	exp, err := contract.Nanos("nonce expiry", expiry)
	if err != nil {
		return fmt.Errorf("sqlite: put nonce: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO nonces (hash, expiry) VALUES (?, ?)", nonceHash, exp)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put nonce: %w", err)
	}
	return nil
}

// UseNonce consumes a nonce that is stored and not expired at now, or
// fails with ErrNonceUnknown. Deleting is the consumption, so a nonce
// cannot be used twice; the same transaction deletes every nonce expired
// at now, which no later call could use.
func (s *Store) UseNonce(ctx context.Context, nonceHash []byte, now time.Time) error {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return fmt.Errorf("sqlite: use nonce: %w", err)
	}
	var used int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM nonces WHERE hash = ? AND expiry > ?", nonceHash, n)
		if err != nil {
			return err
		}
		if used, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM nonces WHERE expiry <= ?", n)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: use nonce: %w", err)
	}
	if used != 1 {
		return issuer.ErrNonceUnknown
	}
	return nil
}

// CompleteOffer stores the issuance records of a redeemed offer and marks
// it issued, wiping its claims, in one transaction: ErrNotFound for an
// unknown offer, ErrCodeUsed unless it is redeemed, ErrIndexTaken (and
// nothing stored) if a record's status-list index is taken, which the
// UNIQUE (list_uri, idx) constraint decides. A record's unset OfferID is
// offerID; an unset IssuedAt is now.
func (s *Store) CompleteOffer(ctx context.Context, offerID string, recs []*issuer.Credential, now time.Time) error {
	issued, err := contract.Nanos("now", now)
	if err != nil {
		return fmt.Errorf("sqlite: complete offer: %w", err)
	}
	args := make([][]any, len(recs))
	for i, c := range recs {
		if args[i], err = contract.CredentialArgs(offerID, c, now); err != nil {
			return fmt.Errorf("sqlite: complete offer %s: %w", offerID, err)
		}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, "SELECT state FROM offers WHERE id = ?", offerID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return issuer.ErrNotFound
		} else if err != nil {
			return err
		}
		if issuer.OfferState(state) != issuer.OfferRedeemed {
			return issuer.ErrCodeUsed
		}
		for _, a := range args {
			_, err := tx.ExecContext(ctx, "INSERT INTO credentials ("+contract.CredentialColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", a...)
			if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
				return issuer.ErrIndexTaken // the only UNIQUE constraint of credentials besides its primary key
			} else if err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE offers SET state = 'issued', claims = NULL, issued_at = ?, credentials = ? WHERE id = ?",
			issued, len(recs), offerID)
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
	c, err := contract.ScanCredential(s.r.QueryRowContext(ctx, "SELECT "+contract.CredentialColumns+" FROM credentials WHERE id = ?", id).Scan)
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
	rows, err := s.r.QueryContext(ctx, "SELECT "+contract.CredentialColumns+" FROM credentials ORDER BY issued_at DESC, id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	return collect(rows, contract.ScanCredential)
}

// SetStatus sets a credential's status and UpdatedAt (now) in one
// statement and returns the record as changed, or ErrNotFound.
func (s *Store) SetStatus(ctx context.Context, id string, status issuer.Status, now time.Time) (*issuer.Credential, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: set status: %w", err)
	}
	var c *issuer.Credential
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = contract.ScanCredential(tx.QueryRowContext(ctx, "UPDATE credentials SET status = ?, updated_at = ? WHERE id = ? AND (status <> 1 OR ? = 1) RETURNING "+contract.CredentialColumns,
			int64(status), n, id, int64(status)).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1 FROM credentials WHERE id = ?", id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return issuer.ErrNotFound
			} else if err != nil {
				return err
			}
			return issuer.ErrRevoked
		}
		return err
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
	rows, err := s.r.QueryContext(ctx, "SELECT idx, status FROM credentials WHERE list_uri = ? AND status <> 0", listURI)
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

// IndexUsed reports whether a credential has index of the list listURI.
func (s *Store) IndexUsed(ctx context.Context, listURI string, index int) (bool, error) {
	var used bool
	if err := s.r.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM credentials WHERE list_uri = ? AND idx = ?)", listURI, index).Scan(&used); err != nil {
		return false, fmt.Errorf("sqlite: index used: %w", err)
	}
	return used, nil
}

// CountIndexes returns how many credentials have an index of listURI.
func (s *Store) CountIndexes(ctx context.Context, listURI string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM credentials WHERE list_uri = ?", listURI).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count indexes: %w", err)
	}
	return n, nil
}

// PutOperator stores an operator.
func (s *Store) PutOperator(ctx context.Context, op *issuer.Operator) error {
	args, err := contract.OperatorArgs(op)
	if err != nil {
		return fmt.Errorf("sqlite: put operator: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO operators ("+contract.OperatorColumns+") VALUES (?, ?, ?, ?)", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put operator %s: %w", op.ID, err)
	}
	return nil
}

// OperatorByToken returns the operator whose token hashes to tokenHash, or
// ErrTokenUnknown.
func (s *Store) OperatorByToken(ctx context.Context, tokenHash []byte) (*issuer.Operator, error) {
	op, err := contract.ScanOperator(s.r.QueryRowContext(ctx, "SELECT "+contract.OperatorColumns+" FROM operators WHERE token_hash = ?", tokenHash).Scan)
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
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM operators").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count operators: %w", err)
	}
	return n, nil
}

// AppendAudit appends e to the audit log: in one write transaction it
// reads the last entry, computes the next sequence number and
// issuer.AuditHash over the last hash, and inserts. e must have a Time;
// it is not changed, the entry returned is a new one.
func (s *Store) AppendAudit(ctx context.Context, e *issuer.AuditEntry) (*issuer.AuditEntry, error) {
	var next *issuer.AuditEntry
	err := s.write(ctx, func(tx *sql.Tx) error {
		var (
			seq  int64
			hash []byte
		)
		err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var args []any
		if next, args, err = contract.NextAudit(e, seq, hash); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO audit ("+contract.AuditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)", args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: append audit: %w", err)
	}
	return next, nil
}

// Audit returns at most limit entries of the audit log in order, from
// sequence number from; none for a limit ≤ 0.
func (s *Store) Audit(ctx context.Context, from int64, limit int) ([]*issuer.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+contract.AuditColumns+" FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?", from, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return collect(rows, contract.ScanAudit)
}
