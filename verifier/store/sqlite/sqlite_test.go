package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/store/storetest"
)

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) verifier.Store {
		return open(t, filepath.Join(t.TempDir(), "verifier.db"))
	})
}

// TestSettings: WAL, synchronous=FULL, secure_delete and the busy timeout
// are set on the writer; readers cannot write; the schema has its version.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "verifier.db"))
	defer s.Close()
	for _, c := range []struct {
		pragma string
		want   string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"secure_delete", "1"}, {"busy_timeout", "10000"}} {
		var got string
		require.NoError(t, s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got))
		assert.Equal(t, c.want, got, c.pragma)
	}
	var sync string
	require.NoError(t, s.r.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
	assert.Equal(t, "2", sync, "readers too (a reader may checkpoint)")
	_, err := s.r.ExecContext(ctx, "DELETE FROM decision_records")
	assert.Error(t, err, "readers are query_only")

	var v int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT max(version) FROM verifier_schema_migrations").Scan(&v))
	assert.Equal(t, schemaVersion, v)
}

// TestReopen: what is committed is there after a reopen; migrating twice
// changes nothing; a newer schema is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "verifier.db")
	s := open(t, path)
	r := storetest.NewRecord("req_a", storetest.T0, time.Hour)
	require.NoError(t, s.PutRecord(ctx, r))
	require.NoError(t, s.Close())

	s = open(t, path)
	got, err := s.Record(ctx, "req_a", storetest.T0)
	require.NoError(t, err)
	assert.Equal(t, r, got)
	var n int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM verifier_schema_migrations").Scan(&n))
	assert.Equal(t, schemaVersion, n)
	_, err = s.w.ExecContext(ctx, "INSERT INTO verifier_schema_migrations (version, applied_at) VALUES (?, 0)", schemaVersion+1)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, path)
	assert.ErrorContains(t, err, fmt.Sprintf("schema version %d", schemaVersion+1))
}

// TestSharedFile: the verifier's schema version is its own: a database
// that already holds another store's schema_migrations (the issuer's, at
// version 2) is migrated for the verifier and the other table left alone.
func TestSharedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seoulid.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		"INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0)",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	s := open(t, path)
	defer s.Close()
	require.NoError(t, s.PutRecord(ctx, storetest.NewRecord("req_a", storetest.T0, time.Hour)))
	var theirs, ours int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&theirs))
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT max(version) FROM verifier_schema_migrations").Scan(&ours))
	assert.Equal(t, 2, theirs)
	assert.Equal(t, schemaVersion, ours)
}

func TestOpenRefuses(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_pragma=synchronous(OFF)"} {
		_, err := Open(context.Background(), path)
		assert.Error(t, err, path)
	}
}

// TestSchemaEnforces: the database refuses what the contract forbids even
// when the Go code is bypassed.
func TestSchemaEnforces(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "verifier.db"))
	defer s.Close()
	require.NoError(t, s.PutRecord(ctx, storetest.NewRecord("req_a", storetest.T0, time.Hour)))
	const insert = "INSERT INTO decision_records (request_id, programme, programme_version, purpose, outcome, decision, claims, decided_at, purge_at) VALUES "
	for _, c := range []struct {
		values string
		code   int
	}{
		{"('req_a', 'p', '1', 'prp', 'eligible', x'7b7d', NULL, 1, 2)", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}, // decided once
		{"('', 'p', '1', 'prp', 'eligible', x'7b7d', NULL, 1, 2)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"('req_b', 'p', '1', 'prp', 'approved', x'7b7d', NULL, 1, 2)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"('req_b', 'p', '1', 'prp', 'eligible', x'', NULL, 1, 2)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"('req_b', 'p', '1', 'prp', 'eligible', NULL, NULL, 1, 2)", sqlite3.SQLITE_CONSTRAINT_NOTNULL},
		{"('req_b', 'p', '1', 'prp', 'eligible', x'7b7d', NULL, 2, 1)", sqlite3.SQLITE_CONSTRAINT_CHECK},              // purged before decided
		{"('req_b', 'p', '1', 'prp', 'eligible', x'7b7d', NULL, 'yesterday', 2)", sqlite3.SQLITE_CONSTRAINT_DATATYPE}, // STRICT
		{"('req_b', 'p', '1', 'prp', 'eligible', x'7b7d', NULL, 1, NULL)", sqlite3.SQLITE_CONSTRAINT_NOTNULL},
	} {
		_, err := s.w.ExecContext(ctx, insert+c.values)
		e, ok := errors.AsType[*sqlite.Error](err)
		if assert.True(t, ok, "%s: %v", c.values, err) {
			assert.Equal(t, c.code, e.Code(), "%s: %v", c.values, err)
		}
	}
}

// TestPurgeLeavesNoTrace: a purged record's claim values are gone from the
// files, not only from the table: neither the database file (secure_delete
// zeroes them) nor the write-ahead log (Purge truncates it) holds them.
func TestPurgeLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "verifier.db")
	s := open(t, path)
	defer s.Close()
	marker := []byte("주민등록번호-990401-purge-marker")
	due := storetest.NewRecord("req_due", storetest.T0, time.Hour)
	due.Claims = append([]byte(`{"marker":"`), append(marker, `"}`...)...)
	require.NoError(t, s.PutRecord(ctx, due))
	kept := storetest.NewRecord("req_kept", storetest.T0, 2*time.Hour) // shares the page
	require.NoError(t, s.PutRecord(ctx, kept))

	inFiles := func() bool {
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			require.NoError(t, err)
			if bytes.Contains(b, marker) {
				return true
			}
		}
		return false
	}
	require.True(t, inFiles(), "the test can see the claims")
	var busy, log, done int
	require.NoError(t, s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done))
	require.True(t, inFiles(), "the claims are in the database file now")

	n, err := s.Purge(ctx, due.PurgeAt)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.False(t, inFiles(), "the purged claims are in neither file")
	got, err := s.Record(ctx, "req_kept", storetest.T0)
	require.NoError(t, err)
	assert.Equal(t, kept, got)
}

// TestPurgeBatches: Purge deletes in batches and counts them all, also
// when the due records fill the last batch exactly.
func TestPurgeBatches(t *testing.T) {
	defer func(n int) { purgeBatch = n }(purgeBatch)
	purgeBatch = 3
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "verifier.db"))
	defer s.Close()
	for i := range 12 {
		require.NoError(t, s.PutRecord(ctx, storetest.NewRecord(fmt.Sprint("req_", i), storetest.T0, time.Duration(1+i/9)*time.Hour)))
	}
	n, err := s.Purge(ctx, storetest.T0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 9, n, "three full batches")
	n, err = s.Purge(ctx, storetest.T0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 3, n, "one full batch")
	var left int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM decision_records").Scan(&left))
	assert.Zero(t, left)
}

// The crash test: a child process stores records in a tight loop and
// purges the due ones every 20 records, reporting each commit and each
// purge on stdout; the parent kills it with SIGKILL and checks that every
// reported record is there, whole, unless a purge may have deleted it,
// that no record a reported purge deleted is back, and that the file
// passes integrity_check.

const crashEnv = "SEOULID_VERIFIER_SQLITE_CRASH_DB"

// crashKeep is how long the child's records are kept: 50 records.
const crashKeep = 50 * time.Millisecond

// crashRecord is the child's record number i, decided i ms after T0.
func crashRecord(i int) *verifier.Record {
	r := storetest.NewRecord(fmt.Sprint("req_", i), storetest.T0.Add(time.Duration(i)*time.Millisecond), crashKeep)
	r.Claims = fmt.Appendf(nil, `{"i":%d,"name":"김민지"}`, i)
	return r
}

func TestCrash(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "verifier.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	var (
		mu        sync.Mutex
		committed []int
		purging   int64 // the now of the last purge begun
		purged    int64 // the now of the last purge reported done
		purges    int
		first     = make(chan struct{})
		done      = make(chan error, 1)
	)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				continue // the test binary's own output
			}
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				continue
			}
			mu.Lock()
			switch f[0] {
			case "committed":
				committed = append(committed, int(n))
			case "purging":
				purging = n
			case "purged":
				purged = n
				if purges++; purges == 1 {
					close(first)
				}
			}
			mu.Unlock()
		}
		done <- sc.Err()
	}()

	// Kill it a second after its first purge, in the middle of its work.
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child purged nothing in 30 s")
	}
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	require.NoError(t, <-done, "reading the child's reports") // all read before Wait closes the pipe
	waitErr := cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(waitErr, &exit), "the child was killed: %v", waitErr)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("the child reported %d records and %d purges before SIGKILL", len(committed), purges)
	require.Greater(t, len(committed), 50, "the child did too little to test anything")

	ctx := context.Background()
	s := open(t, path)
	defer s.Close()
	var integrity string
	require.NoError(t, s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity))
	assert.Equal(t, "ok", integrity)

	// Every reported record that no purge begun could have deleted is
	// there, whole.
	reported := map[string]bool{}
	for _, i := range committed {
		want := crashRecord(i)
		reported[want.RequestID] = true
		if want.PurgeAt.UnixNano() <= purging {
			continue
		}
		got, err := s.Record(ctx, want.RequestID, want.DecidedAt)
		if assert.NoError(t, err, "reported record %s is stored", want.RequestID) {
			assert.Equal(t, want, got)
		}
	}
	// No record a reported purge deleted is back.
	var back int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM decision_records WHERE purge_at <= ?", purged).Scan(&back))
	assert.Zero(t, back, "records due at the last reported purge")
	// At most the record in flight was stored without a report.
	rows, err := s.r.QueryContext(ctx, "SELECT request_id FROM decision_records")
	require.NoError(t, err)
	defer rows.Close()
	unreported := 0
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		if !reported[id] {
			unreported++
		}
	}
	require.NoError(t, rows.Err())
	assert.LessOrEqual(t, unreported, 1, "at most the record in flight is unreported")
}

// crashChild stores records and purges the due ones every 20 records until
// it is killed, printing "committed <i>" after each PutRecord returns,
// "purging <now>" before each Purge and "purged <now>" after it. Should
// the parent die first, it stops by itself after a minute.
func crashChild(path string) {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fail(err)
	}
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		r := crashRecord(i)
		if err := s.PutRecord(ctx, r); err != nil {
			fail(err)
		}
		os.Stdout.WriteString("committed " + strconv.Itoa(i) + "\n") // unbuffered: in the pipe once written
		if i%20 == 19 {
			now := strconv.FormatInt(r.DecidedAt.UnixNano(), 10)
			os.Stdout.WriteString("purging " + now + "\n")
			if _, err := s.Purge(ctx, r.DecidedAt); err != nil {
				fail(err)
			}
			os.Stdout.WriteString("purged " + now + "\n")
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crash child:", err)
	os.Exit(2)
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) verifier.Store {
		return open(b, filepath.Join(b.TempDir(), "verifier.db"))
	})
}
