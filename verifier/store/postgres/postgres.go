package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/store/internal/contract"
)

// Store is a verifier.Store in a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ verifier.Store = (*Store)(nil)

// Open connects to the PostgreSQL database that connString names (a URL,
// postgres://user@host:port/db?…, or key=value pairs; see pgx's
// ParseConfig) and brings its schema to the current version. The table
// goes into the first schema of the connection's search_path.
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
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS verifier_schema_migrations (
			version    integer NOT NULL PRIMARY KEY,
			applied_at bigint  NOT NULL
		)`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM verifier_schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO verifier_schema_migrations (version, applied_at) VALUES ($1, $2)", v+1, time.Now().UnixNano()); err != nil {
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

const (
	qInsert = "INSERT INTO decision_records (" + contract.Columns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (request_id) DO NOTHING"
	qRecord = "SELECT " + contract.SelectColumns + " FROM decision_records WHERE request_id = $1 AND purge_at > $2"
	qPurge  = "DELETE FROM decision_records WHERE purge_at <= $1"
)

// PutRecord stores the record of a decision, or returns ErrExists if its
// request has one (also one that is due but not yet purged).
func (s *Store) PutRecord(ctx context.Context, r *verifier.Record) error {
	args, err := contract.Args(r)
	if err != nil {
		return fmt.Errorf("postgres: put record: %w", err)
	}
	tag, err := s.pool.Exec(ctx, qInsert, args...)
	if err != nil {
		return fmt.Errorf("postgres: put record %s: %w", r.RequestID, err)
	}
	if tag.RowsAffected() == 0 {
		return verifier.ErrExists
	}
	return nil
}

// Record returns the record of a request, or ErrNotFound if there is none
// or its PurgeAt is at or before now.
func (s *Store) Record(ctx context.Context, requestID string, now time.Time) (*verifier.Record, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return nil, fmt.Errorf("postgres: record: %w", err)
	}
	r, err := contract.Scan(s.pool.QueryRow(ctx, qRecord, requestID, n).Scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, verifier.ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("postgres: record %s: %w", requestID, err)
	}
	return r, nil
}

// Purge deletes every record whose PurgeAt is at or before now, in one
// statement, and returns how many it deleted.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	n, err := contract.Nanos("now", now)
	if err != nil {
		return 0, fmt.Errorf("postgres: purge: %w", err)
	}
	tag, err := s.pool.Exec(ctx, qPurge, n)
	if err != nil {
		return 0, fmt.Errorf("postgres: purge: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
