package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cheap are the parameters of every test but TestDefaultParams: Argon2id
// over 64 KiB, once — microseconds instead of a tenth of a second.
var cheap = UnsafeParams(64, 1, 1)

var (
	pin      = []byte("123456")
	otherPIN = []byte("654321")
	wrongPIN = []byte("000000")
)

// testClock is the injectable clock of the attempt counter.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a data directory with a device secret and a store path.
type env struct {
	dir    string
	path   string
	device *FileDeviceSecret
	clock  *testClock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	d, err := OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	return &env{dir: dir, path: filepath.Join(dir, "wallet.db"), device: d, clock: newClock()}
}

func (e *env) opts() Options {
	return Options{Params: cheap, BackupParams: cheap, Now: e.clock.Now}
}

// create makes the env's store, unlocked.
func (e *env) create(t testing.TB) *Store {
	t.Helper()
	s, err := Create(context.Background(), e.path, e.device, pin, e.opts())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// open opens the env's store, locked.
func (e *env) open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), e.path, e.device, e.opts())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// raw runs statements on the env's file directly, as an attacker with the
// file would; the store must be closed.
func (e *env) raw(t testing.TB, stmt string, args ...any) {
	t.Helper()
	db, err := openDB(e.path, false)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(context.Background(), stmt, args...)
	require.NoError(t, err)
}

// rawQuery returns the rows of a query over (blob, blob) or (text, blob).
func (e *env) rawRows(t testing.TB, query string) [][2][]byte {
	t.Helper()
	db, err := openDB(e.path, false)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), query)
	require.NoError(t, err)
	defer rows.Close()
	var out [][2][]byte
	for rows.Next() {
		var a, b []byte
		require.NoError(t, rows.Scan(&a, &b))
		out = append(out, [2][]byte{a, b})
	}
	require.NoError(t, rows.Err())
	return out
}

func (e *env) meta(t testing.TB, name string) []byte {
	t.Helper()
	for _, r := range e.rawRows(t, "SELECT name, value FROM meta") {
		if string(r[0]) == name {
			return r[1]
		}
	}
	t.Fatalf("no meta row %q", name)
	return nil
}
