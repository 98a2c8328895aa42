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

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/store/internal/contract"
)

// Store is a verifier.Store in one SQLite database file.
type Store struct {
	// w is the one connection that writes: every write is a BEGIN
	// IMMEDIATE transaction on it, so writers queue in Go instead of
	// retrying on SQLITE_BUSY.
	w *sql.DB
	// r are read-only connections; in WAL mode they read the last commit
	// without waiting for the writer.
	r *sql.DB

	// ws are the writer's statements, prepared on its one connection when
	// the store opens; rs are the readers', prepared on first use.
	ws map[string]*sql.Stmt
	rs sync.Map // query → *sql.Stmt

	// writes queue for the group committer (see write).
	writes    chan *writeReq
	done      chan struct{}
	closeOnce sync.Once
}

var _ verifier.Store = (*Store)(nil)

// writeReq is one write waiting for the group committer.
type writeReq struct {
	ctx    context.Context
	fn     func(tx *sql.Tx) error
	result chan error
}

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

// purgeBatch is how many records one write of Purge deletes at most; a
// variable so that a test can make it small.
var purgeBatch = 1000

// busyTimeout is how long a connection waits for a lock held by another
// process on the same file before SQLITE_BUSY.
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
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=journal_mode(WAL)&_pragma=secure_delete(ON)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, writes: make(chan *writeReq), done: make(chan struct{})}
	go s.commitLoop()
	fail := func(err error) (*Store, error) {
		close(s.done)
		w.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.setUp(ctx); err != nil {
		return fail(err)
	}
	if err := s.prepareWrites(ctx); err != nil {
		return fail(err)
	}
	// The readers open after the writer has switched the file to WAL.
	s.r, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		return fail(err)
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
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS verifier_schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM verifier_schema_migrations").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO verifier_schema_migrations (version, applied_at) VALUES (?, ?)", v+1, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// The statements.
const (
	qSavepoint  = "SAVEPOINT w"
	qRollbackTo = "ROLLBACK TO w"
	qRelease    = "RELEASE w"
	qInsert     = "INSERT INTO decision_records (" + contract.Columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING"
	qPurge      = "DELETE FROM decision_records WHERE rowid IN (SELECT rowid FROM decision_records WHERE purge_at <= ? LIMIT ?)"
	qRecord     = "SELECT " + contract.SelectColumns + " FROM decision_records WHERE request_id = ? AND purge_at > ?"
)

// writes are the statements write transactions use.
var writes = []string{qSavepoint, qRollbackTo, qRelease, qInsert, qPurge}

// prepareWrites prepares the writer's statements on its connection.
func (s *Store) prepareWrites(ctx context.Context) error {
	s.ws = make(map[string]*sql.Stmt, len(writes))
	for _, q := range writes {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("preparing %q: %w", q, err)
		}
		s.ws[q] = st
	}
	return nil
}

// exec runs the writer's statement q in transaction tx. Before the
// statements are prepared (while the schema is set up) it runs q as it is.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := s.ws[q]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// read returns the readers' statement q, preparing it on first use.
func (s *Store) read(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.rs.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.rs.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := errors.New("sqlite: already closed")
	s.closeOnce.Do(func() {
		close(s.done)
		var errs []error
		s.rs.Range(func(_, st any) bool {
			errs = append(errs, st.(*sql.Stmt).Close())
			return true
		})
		for _, st := range s.ws {
			errs = append(errs, st.Close())
		}
		errs = append(errs, s.r.Close(), s.w.Close())
		err = errors.Join(errs...)
	})
	return err
}

// write runs fn in a write transaction and returns once it is durably
// committed (synchronous=FULL), or fn's error with nothing of fn stored.
//
// Writes are group-committed: the committer takes every write queued at
// that moment (up to maxGroup), runs each in its own SAVEPOINT inside one
// transaction — so a write that fails is rolled back alone, and each sees
// the ones before it — and commits them with one fsync. None is reported
// done before the commit is on disk, so a kill -9 loses nothing reported
// done.
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
	ctx := context.Background()
	ok := 0
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := s.exec(ctx, tx, qSavepoint); err != nil {
			results[i] = err
			continue
		}
		if err := r.fn(tx); err != nil {
			results[i] = err
			if _, rerr := s.exec(ctx, tx, qRollbackTo); rerr != nil {
				results[i] = errors.Join(err, rerr)
			}
		} else {
			ok++
		}
		if _, err := s.exec(ctx, tx, qRelease); err != nil && results[i] == nil {
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

// PutRecord stores the record of a decision, or returns ErrExists if its
// request has one (also one that is due but not yet purged); it returns
// once the record is on disk.
func (s *Store) PutRecord(ctx context.Context, r *verifier.Record) error {
	args, err := contract.Args(r)
	if err != nil {
		return fmt.Errorf("sqlite: put record: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, qInsert, args...)
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
	st, err := s.read(ctx, qRecord)
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
		err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := s.exec(ctx, tx, qPurge, n, purgeBatch)
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
