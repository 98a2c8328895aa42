package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// BusyTimeout is how long a connection waits for a lock held by another
// process on the same file (another seoulid command) before SQLITE_BUSY.
const BusyTimeout = 10 * time.Second

// maxGroup bounds how many writes share one commit.
const maxGroup = 64

// The savepoint statements of the group committer.
const (
	qSavepoint  = "SAVEPOINT w"
	qRollbackTo = "ROLLBACK TO w"
	qRelease    = "RELEASE w"
)

// Options describe a store's database. Every field is required unless it
// says otherwise.
type Options struct {
	// Pragmas are the writer's pragmas beyond journal_mode(WAL),
	// synchronous(FULL) and busy_timeout, e.g. "foreign_keys(1)"; none is
	// fine.
	Pragmas []string
	// MigrationsTable records the schema versions applied: a name of the
	// store's own, so that stores sharing one file do not read each
	// other's versions.
	MigrationsTable string
	// Migrations[v-1] takes the schema from version v-1 to v.
	Migrations []string
	// Writes are the statements the store's write transactions use,
	// prepared once on the writer; others still run, unprepared.
	Writes []string
	// GroupWindow is how long the group committer holds a commit open
	// for more writes after its first, when writes are arriving together
	// (the last group, or the writes already queued, numbered more than
	// one); a write that comes alone is committed at once. It trades
	// latency for CPU: a commit's fixed cost (the WAL frames, the fsync,
	// SQLite's commit path) is then shared by more writes. Zero (or
	// less) never waits: a group is what was queued when it began.
	GroupWindow time.Duration
}

// DB is a store's SQLite database.
type DB struct {
	// W is the one connection that writes; R the read-only connections.
	// Stores use Write, Exec, Row and the readers' methods; W and R are
	// for what they do not cover (a checkpoint, a test's look inside).
	W, R *sql.DB

	ws map[string]*sql.Stmt
	rs sync.Map // query → *sql.Stmt

	writes    chan *writeReq
	window    time.Duration // <= 0: none
	done      chan struct{} // closed by Close
	loopDone  chan struct{} // closed when the committer has stopped
	closeOnce sync.Once

	groups atomic.Int64 // commits made by the group committer, for tests
}

// writeReq is one write waiting for the group committer.
type writeReq struct {
	ctx    context.Context
	fn     func(tx *sql.Tx) error
	result chan error
}

// Open opens (creating it if need be) the database at path and brings its
// schema to the latest version. path is a file name; ":memory:" and "file:"
// URIs are refused, since a store must outlive its process and its
// connections must share one database.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	switch {
	case path == "":
		return nil, errors.New("sqlite: no database path")
	case strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("sqlite: %q: the store needs a plain file path", path)
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: %q: a database path cannot contain '?'", path)
	case o.MigrationsTable == "" || len(o.Migrations) == 0:
		return nil, errors.New("sqlite: no schema")
	}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=synchronous(FULL)", BusyTimeout.Milliseconds())
	writer := path + "?" + pragmas + "&_pragma=journal_mode(WAL)"
	for _, p := range o.Pragmas {
		writer += "&_pragma=" + p
	}
	w, err := sql.Open("sqlite", writer+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	d := &DB{W: w, writes: make(chan *writeReq), window: o.GroupWindow, done: make(chan struct{}), loopDone: make(chan struct{})}
	go d.commitLoop()
	fail := func(err error) (*DB, error) {
		close(d.done)
		w.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := d.migrate(ctx, o); err != nil {
		return fail(err)
	}
	d.ws = make(map[string]*sql.Stmt, len(o.Writes)+3)
	for _, q := range append([]string{qSavepoint, qRollbackTo, qRelease}, o.Writes...) {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range d.ws {
				st.Close()
			}
			return fail(fmt.Errorf("preparing %q: %w", q, err))
		}
		d.ws[q] = st
	}
	// The readers open after the writer has switched the file to WAL.
	if d.R, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)"); err != nil {
		return fail(err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	d.R.SetMaxOpenConns(n)
	d.R.SetMaxIdleConns(n)
	return d, nil
}

// migrate checks the writer's journal mode and applies the migrations the
// database lacks; a database newer than o knows is refused.
func (d *DB) migrate(ctx context.Context, o Options) error {
	var mode string
	if err := d.W.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL (does the file system support shared memory?)", mode)
	}
	latest := len(o.Migrations)
	return d.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+o.MigrationsTable+` (
			version    INTEGER NOT NULL PRIMARY KEY,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+o.MigrationsTable).Scan(&v); err != nil {
			return err
		}
		if v > latest {
			return fmt.Errorf("the database has schema version %d; this program knows versions up to %d", v, latest)
		}
		for ; v < latest; v++ {
			if _, err := tx.ExecContext(ctx, o.Migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+o.MigrationsTable+" (version, applied_at) VALUES (?, ?)", v+1, time.Now().UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Exec runs the writer's statement q in transaction tx (prepared when it
// is one of Options.Writes).
func (d *DB) Exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := d.ws[q]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// Row runs a one-row query q in transaction tx and returns its Scan.
func (d *DB) Row(ctx context.Context, tx *sql.Tx, q string, args ...any) func(dest ...any) error {
	if st, ok := d.ws[q]; ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...).Scan
	}
	return tx.QueryRowContext(ctx, q, args...).Scan
}

// Stmt returns the readers' statement q, preparing it on first use.
func (d *DB) Stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := d.rs.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.R.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.rs.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// QueryRow runs a one-row read and returns its Scan.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) func(dest ...any) error {
	st, err := d.Stmt(ctx, q)
	if err != nil {
		return func(...any) error { return err }
	}
	return st.QueryRowContext(ctx, args...).Scan
}

// Query runs a read.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := d.Stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Close closes the database; a second Close fails.
func (d *DB) Close() error {
	err := errors.New("sqlite: already closed")
	d.closeOnce.Do(func() {
		close(d.done)
		<-d.loopDone // a group being committed finishes first
		var errs []error
		d.rs.Range(func(_, st any) bool {
			errs = append(errs, st.(*sql.Stmt).Close())
			return true
		})
		for _, st := range d.ws {
			errs = append(errs, st.Close())
		}
		errs = append(errs, d.R.Close(), d.W.Close())
		err = errors.Join(errs...)
	})
	return err
}

// Write runs fn in a write transaction and returns once it is durably
// committed (synchronous=FULL), or fn's error with nothing of fn stored.
//
// Writes are group-committed: the committer takes every write queued at
// that moment (up to maxGroup), runs each in its own SAVEPOINT inside one
// transaction — so a write that fails is rolled back alone, and each sees
// the ones before it exactly as if they had been committed one by one —
// and commits them with one fsync. None is reported done before the commit
// is on disk, so a kill -9 loses nothing reported done.
func (d *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case d.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.done:
		return errors.New("sqlite: store closed")
	}
	return <-req.result
}

// commitLoop is the group committer: the database's only writer.
//
// A group is every write queued when the first arrives; when writes are
// arriving together — the last group had more than one, or this one has
// already — it also takes those that arrive within the window after the
// first, so that one commit and one fsync serve more of them.
func (d *DB) commitLoop() {
	defer close(d.loopDone)
	var timer *time.Timer
	busy := false
	for {
		var first *writeReq
		select {
		case first = <-d.writes:
		case <-d.done:
			return
		}
		group := []*writeReq{first}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-d.writes:
				group = append(group, r)
			default:
				break gather
			}
		}
		if d.window > 0 && (busy || len(group) > 1) {
			if timer == nil {
				timer = time.NewTimer(d.window)
			} else {
				timer.Reset(d.window)
			}
		wait:
			for len(group) < maxGroup {
				select {
				case r := <-d.writes:
					group = append(group, r)
				case <-timer.C:
					break wait
				case <-d.done:
					break wait
				}
			}
			timer.Stop()
		}
		busy = len(group) > 1
		d.commitGroup(group)
	}
}

func (d *DB) commitGroup(group []*writeReq) {
	d.groups.Add(1)
	results := make([]error, len(group))
	ctx := context.Background()
	tx, err := d.W.BeginTx(ctx, nil)
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
		if _, err := d.Exec(ctx, tx, qSavepoint); err != nil {
			results[i] = err
			continue
		}
		if err := r.fn(tx); err != nil {
			results[i] = err
			if _, rerr := d.Exec(ctx, tx, qRollbackTo); rerr != nil {
				results[i] = errors.Join(err, rerr)
			}
		} else {
			ok++
		}
		if _, err := d.Exec(ctx, tx, qRelease); err != nil && results[i] == nil {
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
