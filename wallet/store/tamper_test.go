package store

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tamper tests change the file as someone holding it could, and expect
// a clear typed error — never a panic, never wrong data.

// recordA takes two blocks, so that it can lose one.
var recordA = append([]byte("record A"), make([]byte, padBlock)...)

// tamperEnv is a closed store with two records and the row keys of both.
func tamperEnv(t *testing.T) (e *env, rowA, rowB []byte) {
	ctx := context.Background()
	e = newEnv(t)
	s := e.create(t)
	require.NoError(t, s.Put(ctx, "credential", "a", recordA))
	require.NoError(t, s.Put(ctx, "credential", "b", []byte("record B")))
	rowA, rowB = s.keys.rowKey("credential", "a"), s.keys.rowKey("credential", "b")
	require.NoError(t, s.Close())
	return e, rowA, rowB
}

func (e *env) value(t *testing.T, row []byte) []byte {
	for _, r := range e.rawRows(t, "SELECT k, v FROM records") {
		if string(r[0]) == string(row) {
			return r[1]
		}
	}
	t.Fatalf("no row %x", row)
	return nil
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x01
	return c
}

func TestTamperRecords(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, e *env, a, b []byte)
		want   error
	}{
		{"version byte", func(t *testing.T, e *env, a, _ []byte) {
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", flip(e.value(t, a), 0), a)
		}, ErrCorrupt},
		{"nonce", func(t *testing.T, e *env, a, _ []byte) {
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", flip(e.value(t, a), 5), a)
		}, ErrTampered},
		{"ciphertext", func(t *testing.T, e *env, a, _ []byte) {
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", flip(e.value(t, a), 1+nonceSize+3), a)
		}, ErrTampered},
		{"tag", func(t *testing.T, e *env, a, _ []byte) {
			v := e.value(t, a)
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", flip(v, len(v)-1), a)
		}, ErrTampered},
		{"truncated value", func(t *testing.T, e *env, a, _ []byte) {
			v := e.value(t, a)
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", v[:len(v)-padBlock], a)
		}, ErrTampered},
		{"value cut to a few bytes", func(t *testing.T, e *env, a, _ []byte) {
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", e.value(t, a)[:10], a)
		}, ErrCorrupt},
		{"empty value", func(t *testing.T, e *env, a, _ []byte) {
			e.raw(t, "UPDATE records SET v = x'' WHERE k = ?", a)
		}, ErrCorrupt},
		{"rows swapped", func(t *testing.T, e *env, a, b []byte) {
			va, vb := e.value(t, a), e.value(t, b)
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", vb, a)
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", va, b)
		}, ErrTampered},
		{"row copied over another", func(t *testing.T, e *env, a, b []byte) {
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", e.value(t, b), a)
		}, ErrTampered},
		{"value from another store, same kind and id", func(t *testing.T, e *env, a, _ []byte) {
			other := newEnv(t)
			other.device = e.device
			s := other.create(t)
			require.NoError(t, s.Put(ctx, "credential", "a", []byte("other A")))
			ka := s.keys.rowKey("credential", "a")
			require.NoError(t, s.Close())
			e.raw(t, "UPDATE records SET v = ? WHERE k = ?", other.value(t, ka), a)
		}, ErrTampered},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, a, b := tamperEnv(t)
			c.tamper(t, e, a, b)
			s := e.open(t)
			require.NoError(t, s.Unlock(ctx, pin), "records are not read by Unlock")
			_, err := s.Get(ctx, "credential", "a")
			assert.ErrorIs(t, err, c.want)
			assert.ErrorIs(t, err, ErrCorrupt, "every damage is ErrCorrupt")
			_, err = s.List(ctx, "credential")
			assert.ErrorIs(t, err, c.want, "List fails rather than skip a bad row")
			_, err = s.List(ctx, "other-kind")
			assert.ErrorIs(t, err, c.want, "a row's kind is unknown until it opens")
		})
	}
}

// TestRowMovedToNewKey: a value put under a row key of the attacker's
// choosing fails to open.
func TestRowMovedToNewKey(t *testing.T) {
	ctx := context.Background()
	e, a, _ := tamperEnv(t)
	k := make([]byte, 32)
	rand.Read(k)
	e.raw(t, "INSERT INTO records (k, v) VALUES (?, ?)", k, e.value(t, a))
	s := e.open(t)
	require.NoError(t, s.Unlock(ctx, pin))
	_, err := s.List(ctx, "credential")
	assert.ErrorIs(t, err, ErrTampered)
	got, err := s.Get(ctx, "credential", "a")
	require.NoError(t, err, "the original row still opens")
	assert.Equal(t, recordA, got)
}

func TestTamperHeader(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, e *env)
		want   error
	}{
		{"magic", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), 0)) }, ErrCorrupt},
		{"version", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), 4)) }, ErrCorrupt},
		{"store id", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), 6)) }, ErrTampered},
		{"memory lowered", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), 5+storeIDSize+3)) }, ErrTampered},
		{"passes out of bounds", func(t *testing.T, e *env) {
			h := e.meta(t, "header")
			h[5+storeIDSize+4] = 0xff
			e.setMeta(t, "header", h)
		}, ErrCorrupt},
		{"salt", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), headerADSize-1)) }, ErrTampered},
		{"wrapped key", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), headerSize-1)) }, ErrTampered},
		{"MAC", func(t *testing.T, e *env) { e.setMeta(t, "header", flip(e.meta(t, "header"), headerSize+macSize-1)) }, ErrTampered},
		{"truncated", func(t *testing.T, e *env) { e.setMeta(t, "header", e.meta(t, "header")[:headerSize]) }, ErrCorrupt},
		{"deleted", func(t *testing.T, e *env) { e.raw(t, "DELETE FROM meta WHERE name = 'header'") }, ErrCorrupt},
		{"from another store on the same device", func(t *testing.T, e *env) {
			other := newEnv(t)
			other.device = e.device
			other.create(t).Close()
			e.setMeta(t, "header", other.meta(t, "header"))
		}, nil}, // opens, but see below
		{"records table dropped", func(t *testing.T, e *env) { e.raw(t, "DROP TABLE records") }, ErrCorrupt},
		{"application id", func(t *testing.T, e *env) { e.raw(t, "PRAGMA application_id = 7") }, ErrCorrupt},
		{"schema version", func(t *testing.T, e *env) { e.raw(t, "PRAGMA user_version = 9") }, ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, _, _ := tamperEnv(t)
			c.tamper(t, e)
			s, err := Open(ctx, e.path, e.device, e.opts())
			if c.want != nil {
				assert.ErrorIs(t, err, c.want)
				assert.Nil(t, s)
				return
			}
			// Another store's header carries that store's id and data key:
			// its PIN opens it, but none of this store's records (their
			// additional data names the other id), and the counter, MACed
			// under the other id, reads as tampered: hard-locked.
			require.NoError(t, err)
			defer s.Close()
			assert.ErrorIs(t, s.Unlock(ctx, pin), ErrHardLocked)
		})
	}
}

func (e *env) setMeta(t *testing.T, name string, v []byte) {
	e.raw(t, "UPDATE meta SET value = ? WHERE name = ?", v, name)
}

// TestTamperAttempts: a counter that does not authenticate reads as a hard
// lock — so that deleting or editing it never buys tries.
func TestTamperAttempts(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, e *env, fresh []byte)
	}{
		{"deleted", func(t *testing.T, e *env, _ []byte) { e.raw(t, "DELETE FROM meta WHERE name = 'attempts'") }},
		{"reset to zero under the old MAC", func(t *testing.T, e *env, _ []byte) {
			a := e.meta(t, "attempts")
			copy(a[1:5], []byte{0, 0, 0, 0})
			e.setMeta(t, "attempts", a)
		}},
		{"MAC flipped", func(t *testing.T, e *env, _ []byte) {
			a := e.meta(t, "attempts")
			e.setMeta(t, "attempts", flip(a, len(a)-1))
		}},
		{"last try moved back", func(t *testing.T, e *env, _ []byte) {
			e.setMeta(t, "attempts", flip(e.meta(t, "attempts"), attemptsSize-2))
		}},
		{"truncated", func(t *testing.T, e *env, _ []byte) { e.setMeta(t, "attempts", e.meta(t, "attempts")[:5]) }},
		{"above the limit", func(t *testing.T, e *env, _ []byte) {
			a := e.meta(t, "attempts")
			a[4] = MaxAttempts + 1
			e.setMeta(t, "attempts", a)
		}},
		{"a fresh counter from another store", func(t *testing.T, e *env, fresh []byte) { e.setMeta(t, "attempts", fresh) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, _, _ := tamperEnv(t)
			other := newEnv(t)
			other.device = e.device
			other.create(t).Close()
			fresh := other.meta(t, "attempts")

			s := e.open(t)
			for range 3 {
				require.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
			}
			require.NoError(t, s.Close())
			c.tamper(t, e, fresh)

			s = e.open(t)
			err := s.Unlock(ctx, pin)
			assert.ErrorIs(t, err, ErrHardLocked)
			assert.ErrorIs(t, err, ErrCorrupt)
			assert.False(t, s.Unlocked())
			st, err := s.Attempts(ctx)
			assert.ErrorIs(t, err, ErrCorrupt)
			assert.True(t, st.HardLocked)
		})
	}
}

// TestDamagedFile: a file cut short, overwritten, or not a wallet at all
// gives ErrCorrupt from Open.
func TestDamagedFile(t *testing.T) {
	ctx := context.Background()
	e, _, _ := tamperEnv(t)
	// Give the file some body: more pages than the two records take.
	s := e.open(t)
	require.NoError(t, s.Unlock(ctx, pin))
	for i := range 40 {
		require.NoError(t, s.Put(ctx, "receipt", string(rune('a'+i)), make([]byte, 3000)))
	}
	require.NoError(t, s.Close())
	whole, err := os.ReadFile(e.path)
	require.NoError(t, err)
	_, err = os.Stat(e.path + "-wal")
	require.ErrorIs(t, err, os.ErrNotExist, "a clean close leaves no WAL")
	t.Logf("the file has %d bytes", len(whole))

	write := func(t *testing.T, b []byte) string {
		p := filepath.Join(t.TempDir(), "wallet.db")
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	garbage := make([]byte, 8192)
	rand.Read(garbage)
	scribbled := append([]byte{}, whole...)
	rand.Read(scribbled[len(scribbled)/2 : len(scribbled)/2+4096])
	cases := map[string][]byte{
		"empty":                  {},
		"100 bytes":              whole[:100],
		"one page":               whole[:4096],
		"half":                   whole[:len(whole)/2],
		"all but the last page":  whole[:len(whole)-4096],
		"all but the last byte":  whole[:len(whole)-1],
		"random bytes":           garbage,
		"a page of random bytes": scribbled,
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := write(t, b)
			s, err := Open(ctx, p, e.device, e.opts())
			if err == nil {
				// quick_check passed: the damage hit nothing in use (a
				// zeroed free page, say). Then every record must read whole,
				// or fail with a typed error.
				defer s.Close()
				require.NoError(t, s.Unlock(ctx, pin))
				var list []Record
				if list, err = s.List(ctx, "receipt"); err == nil {
					require.Len(t, list, 40)
					for _, r := range list {
						require.Equal(t, make([]byte, 3000), r.Payload)
					}
					t.Logf("%s: nothing in use was damaged", name)
					return
				}
			}
			assert.ErrorIs(t, err, ErrCorrupt)
		})
	}

	t.Run("another SQLite database", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "other.db")
		db, err := openDB(p, true)
		require.NoError(t, err)
		_, err = db.Exec("CREATE TABLE t (x)")
		require.NoError(t, err)
		require.NoError(t, db.Close())
		before, err := os.ReadFile(p)
		require.NoError(t, err)
		_, err = Open(ctx, p, e.device, e.opts())
		assert.ErrorIs(t, err, ErrCorrupt)
		after, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, before, after, "Open changes nothing in a file that is not a wallet store")
	})
}

// TestRollbackResetsCounter documents the limit of the counter: a copy of
// the whole file, put back, brings back the tries it had. Only a hardware
// monotonic counter defeats this (docs/wallet-threat-model.md).
func TestRollbackResetsCounter(t *testing.T) {
	ctx := context.Background()
	e, _, _ := tamperEnv(t)
	saved, err := os.ReadFile(e.path)
	require.NoError(t, err)
	s := e.open(t)
	for range FreeAttempts {
		require.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
	}
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(e.path, saved, 0o600))
	e.clock.Advance(time.Second)
	s = e.open(t)
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Failures, "a file rollback resets the counter: a known limit")
}
