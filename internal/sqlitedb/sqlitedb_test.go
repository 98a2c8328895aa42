package sqlitedb

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const qPut = "INSERT INTO kv (k, v) VALUES (?, ?)"

func openTest(t *testing.T, window time.Duration) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), Options{
		MigrationsTable: "t_migrations",
		Migrations:      []string{"CREATE TABLE kv (k TEXT NOT NULL PRIMARY KEY, v INTEGER NOT NULL) STRICT"},
		Writes:          []string{qPut},
		GroupWindow:     window,
	})
	require.NoError(t, err)
	return d
}

func put(ctx context.Context, d *DB, k string, v int) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		_, err := d.Exec(ctx, tx, qPut, k, v)
		return err
	})
}

func count(t *testing.T, d *DB) int {
	t.Helper()
	var n int
	require.NoError(t, d.QueryRow(context.Background(), "SELECT count(*) FROM kv")(&n))
	return n
}

// A write that comes alone is committed at once, whatever the window: ten
// writes one after the other with a window of a minute take nowhere near
// a minute, and each is its own commit.
func TestGroupWindowLoneWritesDoNotWait(t *testing.T) {
	d := openTest(t, time.Minute)
	defer d.Close()
	ctx := context.Background()
	before := d.groups.Load()
	start := time.Now()
	for i := range 10 {
		require.NoError(t, put(ctx, d, string(rune('a'+i)), i))
	}
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.EqualValues(t, 10, d.groups.Load()-before)
	assert.Equal(t, 10, count(t, d))
}

// Writes that arrive together share commits; one that fails is rolled
// back alone, and every other is stored.
func TestGroupWindowGroupsConcurrentWrites(t *testing.T) {
	d := openTest(t, 200*time.Millisecond)
	defer d.Close()
	ctx := context.Background()
	before := d.groups.Load()
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k := string(rune('A' + i))
			if i == 7 {
				k = string(rune('A' + 3)) // a duplicate key: fails alone
			}
			errs[i] = put(ctx, d, k, i)
		})
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	assert.Equal(t, 1, failed, "exactly one of the two writes of the same key fails")
	assert.Equal(t, n-1, count(t, d))
	groups := d.groups.Load() - before
	assert.Less(t, groups, int64(n/2), "%d writes arriving together took %d commits", n, groups)
}

// Close while a group is held open for more writes: the writes already
// taken are committed (or fail with an error), Close returns, and the
// file holds exactly the writes reported done.
func TestCloseDuringGroupWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	o := Options{
		MigrationsTable: "t_migrations",
		Migrations:      []string{"CREATE TABLE kv (k TEXT NOT NULL PRIMARY KEY, v INTEGER NOT NULL) STRICT"},
		Writes:          []string{qPut},
		GroupWindow:     time.Minute,
	}
	ctx := context.Background()
	d, err := Open(ctx, path, o)
	require.NoError(t, err)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = put(ctx, d, string(rune('a'+i)), i) })
	}
	time.Sleep(100 * time.Millisecond) // the writers queue; the committer holds the group open
	require.NoError(t, d.Close())
	wg.Wait()
	done := 0
	for _, err := range errs {
		if err == nil {
			done++
		}
	}
	d, err = Open(ctx, path, o)
	require.NoError(t, err)
	defer d.Close()
	assert.Equal(t, done, count(t, d))
	assert.Positive(t, done, "the writes held for the window are committed, not dropped: %v", errs)
}
