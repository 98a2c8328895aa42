package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/internal/sqlitedb"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/store/internal/contract"
)

// Store is a verifier.Store in one SQLite database file
// (internal/sqlitedb: WAL, synchronous=FULL, one group-committing writer,
// a reader pool), with secure_delete on so that purged claim values are
// overwritten.
type Store struct {
	db *sqlitedb.DB
	// w and r are db's writer and readers.
	w, r *sql.DB
}

var _ verifier.Store = (*Store)(nil)

// purgeBatch is how many records one write of Purge deletes at most; a
// variable so that a test can make it small.
var purgeBatch = 1000

// GroupWindow is how long, while decisions are being recorded together,
// a commit is held open for more records after its first (see
// sqlitedb.Options.GroupWindow). A commit's fixed cost (~400 µs of CPU on
// the project's 2-core machine, most of it the fsync) dwarfs one record's
// (~30–100 µs). In seoulid bench verify at ~1,000 decisions/s the queue
// alone made groups of 1.5–1.6 records; a 5 ms window made groups of ~6
// and took 8–9% off the CPU of a whole OpenID4VP exchange, 10 ms groups of
// ~12 and another ~3%, for ~2.5 ms more median response time
// (docs/performance.md). A record that comes alone is not held at all.
const GroupWindow = 10 * time.Millisecond

// Open opens (creating it if need be) the SQLite database at path and
// brings its schema to the current version. path is a file name; ":memory:"
// and "file:" URIs are refused. Its schema versions are recorded in
// verifier_schema_migrations, so that it can share a file with the issuer's
// store.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{
		Pragmas:         []string{"secure_delete(ON)"},
		MigrationsTable: "verifier_schema_migrations",
		Migrations:      migrations,
		Writes:          []string{qInsert, qPurge},
		GroupWindow:     GroupWindow,
	})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, w: db.W, r: db.R}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// The statements.
const (
	qInsert = "INSERT INTO decision_records (" + contract.Columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING"
	qPurge  = "DELETE FROM decision_records WHERE rowid IN (SELECT rowid FROM decision_records WHERE purge_at <= ? LIMIT ?)"
	qRecord = "SELECT " + contract.SelectColumns + " FROM decision_records WHERE request_id = ? AND purge_at > ?"
)

// PutRecord stores the record of a decision, or returns ErrExists if its
// request has one (also one that is due but not yet purged); it returns
// once the record is on disk.
func (s *Store) PutRecord(ctx context.Context, r *verifier.Record) error {
	args, err := contract.Args(r)
	if err != nil {
		return fmt.Errorf("sqlite: put record: %w", err)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := s.db.Exec(ctx, tx, qInsert, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return verifier.ErrExists
		}
		return nil
	})
	if errors.Is(err, verifier.ErrExists) {
		return verifier.ErrExists
	} else if err != nil {
		return fmt.Errorf("sqlite: put record %s: %w", r.RequestID, err)
	}
	return nil
}

// Record returns the record of a request, or ErrNotFound if there is none
// or its PurgeAt is at or before now.
func (s *Store) Record(ctx context.Context, requestID string, now time.Time) (*verifier.Record, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return nil, fmt.Errorf("sqlite: record: %w", err)
	}
	st, err := s.db.Stmt(ctx, qRecord)
	if err != nil {
		return nil, fmt.Errorf("sqlite: record: %w", err)
	}
	r, err := contract.Scan(st.QueryRowContext(ctx, requestID, n).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, verifier.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: record %s: %w", requestID, err)
	}
	return r, nil
}

// Purge deletes every record whose PurgeAt is at or before now and returns
// how many it deleted. It deletes in writes of up to 1,000 records, each
// durable when it returns, so PutRecord waits for one batch at most; on an
// error, the count is of the records deleted until then. Once it has
// deleted any, it checkpoints the write-ahead log into the database file
// and truncates the log (PRAGMA wal_checkpoint(TRUNCATE)), so that the
// purged claim values, zeroed in the file by secure_delete, are not left
// in older copies of its pages in the log either. If a reader (of this or
// another process) keeps the checkpoint from finishing within the busy
// timeout, the log is truncated by a later Purge instead.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge: %w", err)
	}
	total := 0
	for {
		var deleted int64
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			res, err := s.db.Exec(ctx, tx, qPurge, n, purgeBatch)
			if err != nil {
				return err
			}
			deleted, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("sqlite: purge: %w", err)
		}
		total += int(deleted)
		if deleted < int64(purgeBatch) {
			break
		}
	}
	if total > 0 {
		var busy, log, checkpointed int
		if err := s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &checkpointed); err != nil {
			return total, fmt.Errorf("sqlite: purge: %d records deleted, but checkpointing the log: %w", total, err)
		}
	}
	return total, nil
}
