package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateOpenUnlock(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	assert.True(t, s.Unlocked(), "Create returns the store unlocked")
	require.NoError(t, s.Put(ctx, "credential", "pid-1", []byte("sd-jwt")))
	require.NoError(t, s.Close())

	s = e.open(t)
	assert.False(t, s.Unlocked(), "Open returns the store locked")
	_, err := s.Get(ctx, "credential", "pid-1")
	assert.ErrorIs(t, err, ErrNotUnlocked)
	_, err = s.Get(ctx, "credential", "no-such-id")
	assert.ErrorIs(t, err, ErrNotUnlocked, "a locked store answers the same whether the record exists or not")
	assert.ErrorIs(t, s.Put(ctx, "credential", "x", nil), ErrNotUnlocked)

	err = s.Unlock(ctx, wrongPIN)
	var ue *UnlockError
	require.ErrorAs(t, err, &ue)
	assert.ErrorIs(t, err, ErrWrongPIN)
	assert.Equal(t, MaxAttempts-1, ue.Remaining)
	assert.Zero(t, ue.RetryAfter)
	assert.False(t, s.Unlocked())

	require.NoError(t, s.Unlock(ctx, pin))
	got, err := s.Get(ctx, "credential", "pid-1")
	require.NoError(t, err)
	assert.Equal(t, []byte("sd-jwt"), got)
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Equal(t, AttemptStatus{Remaining: MaxAttempts}, st, "a right PIN resets the counter")

	s.Lock()
	_, err = s.Get(ctx, "credential", "pid-1")
	assert.ErrorIs(t, err, ErrNotUnlocked, "Lock forgets the keys")
	require.NoError(t, s.Close())
	assert.NoError(t, s.Close(), "closing twice is harmless")
	assert.ErrorIs(t, s.Unlock(ctx, pin), ErrClosed)
}

func TestRecords(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).create(t)
	require.NoError(t, s.Put(ctx, "credential", "b", []byte("B")))
	require.NoError(t, s.Put(ctx, "credential", "a", []byte("A")))
	require.NoError(t, s.Put(ctx, "receipt", "a", []byte("receipt A")))
	require.NoError(t, s.Put(ctx, "credential", "empty", nil))
	require.NoError(t, s.Put(ctx, "credential", "b", []byte("B2")), "Put replaces")

	for _, c := range []struct {
		kind, id string
		want     []byte
		err      error
	}{
		{"credential", "a", []byte("A"), nil},
		{"credential", "b", []byte("B2"), nil},
		{"credential", "empty", []byte{}, nil},
		{"receipt", "a", []byte("receipt A"), nil},
		{"receipt", "b", nil, ErrNotFound},
		{"holder-key", "a", nil, ErrNotFound},
		{"Credential", "a", nil, ErrInvalidRecord},
		{"", "a", nil, ErrInvalidRecord},
		{"credential", "", nil, ErrInvalidRecord},
	} {
		t.Run(c.kind+"/"+c.id, func(t *testing.T) {
			got, err := s.Get(ctx, c.kind, c.id)
			if c.err != nil {
				assert.ErrorIs(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}

	list, err := s.List(ctx, "credential")
	require.NoError(t, err)
	assert.Equal(t, []Record{
		{"credential", "a", []byte("A")},
		{"credential", "b", []byte("B2")},
		{"credential", "empty", []byte{}},
	}, list, "List gives one kind, sorted by id")
	list, err = s.List(ctx, "nothing")
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = s.List(ctx, "")
	assert.ErrorIs(t, err, ErrInvalidRecord, "there is no kind \"\"")

	require.NoError(t, s.Delete(ctx, "credential", "a"))
	assert.ErrorIs(t, s.Delete(ctx, "credential", "a"), ErrNotFound)
	_, err = s.Get(ctx, "credential", "a")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Get(ctx, "receipt", "a")
	assert.NoError(t, err, "deleting one kind's id leaves the other kind's")
}

func TestRecordLimits(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).create(t)
	for _, c := range []struct {
		name     string
		kind, id string
		payload  []byte
		ok       bool
	}{
		{"longest kind", strings.Repeat("k", MaxKindLength), "id", nil, true},
		{"kind too long", strings.Repeat("k", MaxKindLength+1), "id", nil, false},
		{"kind with a NUL", "a\x00b", "id", nil, false},
		{"kind with upper case", "Receipt", "id", nil, false},
		{"kind starting with a dash", "-x", "id", nil, false},
		{"kind with path characters", "wallet/credential.v1_x-y", "id", nil, true},
		{"longest id", "k", strings.Repeat("i", MaxIDLength), nil, true},
		{"id too long", "k", strings.Repeat("i", MaxIDLength+1), nil, false},
		{"id with NUL and UTF-8", "k", "서울\x00id", nil, true},
		{"largest payload", "k", "big", make([]byte, MaxPayload), true},
		{"payload too large", "k", "big", make([]byte, MaxPayload+1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.Put(ctx, c.kind, c.id, c.payload)
			if !c.ok {
				assert.ErrorIs(t, err, ErrInvalidRecord)
				return
			}
			require.NoError(t, err)
			got, err := s.Get(ctx, c.kind, c.id)
			require.NoError(t, err)
			assert.Equal(t, len(c.payload), len(got))
		})
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).create(t)
	require.NoError(t, s.Put(ctx, "credential", "old", []byte("old")))

	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *Tx) error {
		require.NoError(t, tx.Put(ctx, "credential", "new", []byte("new")))
		require.NoError(t, tx.Delete(ctx, "credential", "old"))
		got, err := tx.Get(ctx, "credential", "new")
		require.NoError(t, err)
		assert.Equal(t, []byte("new"), got, "a transaction reads its own writes")
		return boom
	})
	assert.ErrorIs(t, err, boom)
	_, err = s.Get(ctx, "credential", "new")
	assert.ErrorIs(t, err, ErrNotFound, "a failed Update writes nothing")
	_, err = s.Get(ctx, "credential", "old")
	assert.NoError(t, err, "a failed Update deletes nothing")

	require.NoError(t, s.Update(ctx, func(tx *Tx) error {
		if err := tx.Put(ctx, "credential", "pid", []byte("pid")); err != nil {
			return err
		}
		if err := tx.Put(ctx, "holder-key", "k1", []byte("key")); err != nil {
			return err
		}
		list, err := tx.List(ctx, "credential")
		if err != nil {
			return err
		}
		assert.Len(t, list, 2)
		return tx.Delete(ctx, "credential", "old")
	}))
	list, err := s.List(ctx, "credential")
	require.NoError(t, err)
	assert.Equal(t, []Record{{"credential", "pid", []byte("pid")}}, list)
}

// TestAttemptPolicy walks the counter through its whole life: five free
// wrong PINs, then the delays, then the hard lock.
func TestAttemptPolicy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	s := e.open(t)

	steps := []struct {
		advance   time.Duration
		pin       []byte
		err       error // nil: unlocks
		remaining int
		retry     time.Duration
	}{
		{0, wrongPIN, ErrWrongPIN, 9, 0},
		{0, wrongPIN, ErrWrongPIN, 8, 0},
		{0, wrongPIN, ErrWrongPIN, 7, 0},
		{0, wrongPIN, ErrWrongPIN, 6, 0},
		{0, wrongPIN, ErrWrongPIN, 5, time.Minute}, // the 5th: the next must wait
		{0, pin, ErrLocked, 5, time.Minute},        // even the right PIN waits, uncounted
		{59 * time.Second, wrongPIN, ErrLocked, 5, time.Second},
		{time.Second, wrongPIN, ErrWrongPIN, 4, 5 * time.Minute},
		{5 * time.Minute, wrongPIN, ErrWrongPIN, 3, 15 * time.Minute},
		{15 * time.Minute, wrongPIN, ErrWrongPIN, 2, time.Hour},
		{time.Hour, pin, nil, 0, 0}, // a right PIN resets everything
		{0, wrongPIN, ErrWrongPIN, 9, 0},
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		err := s.Unlock(ctx, st.pin)
		if st.err == nil {
			require.NoError(t, err, "step %d", i)
			s.Lock()
			continue
		}
		var ue *UnlockError
		require.ErrorAs(t, err, &ue, "step %d", i)
		assert.ErrorIs(t, err, st.err, "step %d", i)
		assert.Equal(t, st.remaining, ue.Remaining, "step %d: remaining", i)
		assert.Equal(t, st.retry, ue.RetryAfter, "step %d: retry after", i)
		status, err := s.Attempts(ctx)
		require.NoError(t, err)
		assert.Equal(t, st.remaining, status.Remaining, "step %d: Attempts agrees", i)
		assert.Equal(t, st.retry, status.RetryAfter, "step %d: Attempts agrees", i)
	}
}

func TestHardLock(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	s := e.open(t)
	for i := 1; i <= MaxAttempts; i++ {
		e.clock.Advance(4 * time.Hour) // past every delay
		err := s.Unlock(ctx, wrongPIN)
		require.ErrorIs(t, err, ErrWrongPIN, "try %d", i)
		if i < MaxAttempts {
			assert.NotErrorIs(t, err, ErrHardLocked, "try %d", i)
		} else {
			assert.ErrorIs(t, err, ErrHardLocked, "the last wrong PIN says the store is now locked for good")
			assert.Contains(t, err.Error(), "locked for good")
		}
	}
	e.clock.Advance(1000 * time.Hour)
	err := s.Unlock(ctx, pin)
	assert.ErrorIs(t, err, ErrHardLocked, "no PIN opens a hard-locked store, not even the right one")
	assert.NotErrorIs(t, err, ErrWrongPIN)
	assert.ErrorIs(t, s.ChangePIN(ctx, pin, otherPIN), ErrHardLocked)
	require.NoError(t, s.Close())

	s = e.open(t)
	assert.ErrorIs(t, s.Unlock(ctx, pin), ErrHardLocked, "the lock is in the file, not the process")
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Equal(t, AttemptStatus{Failures: MaxAttempts, HardLocked: true}, st)
}

// TestClockBack: a clock set back after a wrong PIN does not hold the user
// off for as long as it was set back.
func TestClockBack(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	s := e.open(t)
	for range FreeAttempts {
		require.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
	}
	e.clock.Advance(-24 * time.Hour)
	var ue *UnlockError
	require.ErrorAs(t, s.Unlock(ctx, pin), &ue)
	assert.ErrorIs(t, ue, ErrLocked)
	assert.Equal(t, time.Minute, ue.RetryAfter, "the wait counts from now, not from a last try in the clock's future")
	e.clock.Advance(time.Minute)
	assert.NoError(t, s.Unlock(ctx, pin))
}

func TestInvalidPINIsNotCounted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	s := e.open(t)
	for _, p := range [][]byte{nil, []byte("12345"), bytes.Repeat([]byte("1"), MaxPINLength+1)} {
		assert.ErrorIs(t, s.Unlock(ctx, p), ErrInvalidPIN)
	}
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Failures)
	_, err = Create(ctx, filepath.Join(e.dir, "short.db"), e.device, []byte("1234"), e.opts())
	assert.ErrorIs(t, err, ErrInvalidPIN)
}

// TestCountedBeforeKDF: when Argon2id starts, the try is already on disk,
// as another connection to the file sees.
func TestCountedBeforeKDF(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	s := e.open(t)
	var seen []uint32
	testHookBeforeKDF = func() {
		other, err := Open(ctx, e.path, e.device, e.opts())
		require.NoError(t, err)
		defer other.Close()
		st, err := other.Attempts(ctx)
		require.NoError(t, err)
		seen = append(seen, uint32(st.Failures))
	}
	defer func() { testHookBeforeKDF = nil }()
	require.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
	require.NoError(t, s.Unlock(ctx, pin))
	assert.Equal(t, []uint32{1, 2}, seen, "each try was counted before the PIN was tried")
}

func TestChangePIN(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	require.NoError(t, s.Put(ctx, "credential", "pid", []byte("pid")))
	require.NoError(t, s.Put(ctx, "receipt", "r1", []byte("receipt")))
	before := e.rawRows(t, "SELECT k, v FROM records ORDER BY k")
	headerBefore := e.meta(t, "header")

	err := s.ChangePIN(ctx, wrongPIN, otherPIN)
	assert.ErrorIs(t, err, ErrWrongPIN, "the old PIN is checked")
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Failures, "and a wrong one is counted")
	assert.ErrorIs(t, s.ChangePIN(ctx, pin, []byte("123")), ErrInvalidPIN)

	require.NoError(t, s.ChangePIN(ctx, pin, otherPIN))
	assert.True(t, s.Unlocked(), "ChangePIN leaves an unlocked store unlocked")
	assert.Equal(t, before, e.rawRows(t, "SELECT k, v FROM records ORDER BY k"), "no record was touched")
	assert.NotEqual(t, headerBefore, e.meta(t, "header"), "the data key was re-wrapped")
	require.NoError(t, s.Close())

	s = e.open(t)
	assert.ErrorIs(t, s.Unlock(ctx, pin), ErrWrongPIN, "the old PIN no longer opens it")
	require.NoError(t, s.Unlock(ctx, otherPIN))
	got, err := s.Get(ctx, "credential", "pid")
	require.NoError(t, err)
	assert.Equal(t, []byte("pid"), got)
	st, err = s.Attempts(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Failures)
}

// TestUpgradeParams: a store made under lower parameters is re-wrapped
// under the current ones at its next successful unlock, and only then.
func TestUpgradeParams(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	require.NoError(t, s.Put(ctx, "credential", "pid", []byte("pid")))
	require.NoError(t, s.Close())

	stronger := Options{Params: UnsafeParams(256, 2, 2), BackupParams: cheap, Now: e.clock.Now}
	s, err := Open(ctx, e.path, e.device, stronger)
	require.NoError(t, err)
	defer s.Close()
	require.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
	h, _, _, err := decodeHeader(e.meta(t, "header"))
	require.NoError(t, err)
	assert.Equal(t, "argon2id m=64 t=1 p=1", h.params.String(), "a wrong PIN upgrades nothing")

	require.NoError(t, s.Unlock(ctx, pin))
	h, _, _, err = decodeHeader(e.meta(t, "header"))
	require.NoError(t, err)
	assert.Equal(t, "argon2id m=256 t=2 p=2", h.params.String())
	s.Lock()
	require.NoError(t, s.Unlock(ctx, pin), "the upgraded header opens with the same PIN")
	got, err := s.Get(ctx, "credential", "pid")
	require.NoError(t, err)
	assert.Equal(t, []byte("pid"), got)

	// Weaker current parameters never downgrade a store.
	require.NoError(t, s.Close())
	s, err = Open(ctx, e.path, e.device, e.opts())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.ChangePIN(ctx, pin, otherPIN))
	h, _, _, err = decodeHeader(e.meta(t, "header"))
	require.NoError(t, err)
	assert.Equal(t, uint32(256), h.params.Memory)
	assert.Equal(t, uint32(2), h.params.Time)
}

// TestDefaultParams is the one test that pays for the real parameters.
func TestDefaultParams(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s, err := Create(ctx, e.path, e.device, pin, Options{})
	require.NoError(t, err)
	defer s.Close()
	h, _, _, err := decodeHeader(e.meta(t, "header"))
	require.NoError(t, err)
	assert.Equal(t, DefaultParams().String(), h.params.String())
	assert.GreaterOrEqual(t, h.params.Memory, uint32(64*1024), "at least 64 MiB")
	assert.GreaterOrEqual(t, h.params.Time, uint32(3))
	s.Lock()
	assert.ErrorIs(t, s.Unlock(ctx, wrongPIN), ErrWrongPIN)
	require.NoError(t, s.Unlock(ctx, pin))

	for _, p := range []Params{
		{Memory: 32 * 1024, Time: 3, Threads: 4},
		{Memory: 64 * 1024, Time: 2, Threads: 4},
		{Memory: 64 * 1024, Time: 3, Threads: 0},
		{Memory: 2 << 20, Time: 3, Threads: 4},
		UnsafeParams(4, 1, 1), // m < 8p
	} {
		_, err := Create(ctx, filepath.Join(e.dir, "weak.db"), e.device, pin, Options{Params: p})
		assert.ErrorIs(t, err, ErrWeakParams, "%v", p)
		_, err = Create(ctx, filepath.Join(e.dir, "weak.db"), e.device, pin, Options{BackupParams: p})
		assert.ErrorIs(t, err, ErrWeakParams, "backup %v", p)
	}
}

// TestNoPlaintextInFile: nothing a record holds, not even its kind or id,
// appears in the database or its WAL.
func TestNoPlaintextInFile(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	secrets := []string{"HONG-GILDONG-1990", "credential-kind-xyz", "record-id-abc", "6d656469636174696f6e"}
	require.NoError(t, s.Put(ctx, secrets[1], secrets[2], []byte(secrets[0]+" "+secrets[3])))
	require.NoError(t, s.Put(ctx, "receipt", secrets[2], []byte(strings.Repeat(secrets[0], 50))))
	check := func(when string) {
		matches, _ := filepath.Glob(e.path + "*")
		require.NotEmpty(t, matches)
		for _, f := range matches {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, sec := range secrets {
				assert.False(t, bytes.Contains(b, []byte(sec)), "%s: %s contains %q", when, filepath.Base(f), sec)
			}
		}
	}
	check("open")
	require.NoError(t, s.Close())
	check("closed")
}

func TestPadding(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	require.NoError(t, s.Put(ctx, "k", "a", []byte("x")))
	require.NoError(t, s.Put(ctx, "k", "b", bytes.Repeat([]byte("x"), 200)))
	require.NoError(t, s.Put(ctx, "k", "c", bytes.Repeat([]byte("x"), 300)))
	require.NoError(t, s.Close())
	sizes := map[int]int{}
	for _, r := range e.rawRows(t, "SELECT k, v FROM records") {
		sizes[len(r[1])]++
	}
	assert.Equal(t, map[int]int{1 + nonceSize + padBlock + tagSize: 2, 1 + nonceSize + 2*padBlock + tagSize: 1}, sizes,
		"1 and 200 bytes look the same in the file")
}

func TestCreateAndOpenRefuse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t)
	_, err := Create(ctx, e.path, e.device, pin, e.opts())
	assert.ErrorIs(t, err, ErrExists)

	missing := filepath.Join(e.dir, "missing.db")
	_, err = Open(ctx, missing, e.device, e.opts())
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Stat(missing)
	assert.ErrorIs(t, err, fs.ErrNotExist, "Open creates nothing")

	_, err = Open(ctx, e.path, nil, e.opts())
	assert.Error(t, err)

	leftovers, _ := filepath.Glob(filepath.Join(e.dir, "*.tmp-*"))
	assert.Empty(t, leftovers, "Create leaves no temporary file")
}

func TestPathWithSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path := filepath.Join(e.dir, "지갑 #1?x=%20.db")
	s, err := Create(ctx, path, e.device, pin, e.opts())
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "k", "id", []byte("v")))
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	require.NoError(t, err, "the file is at exactly the path given")
	s, err = Open(ctx, path, e.device, e.opts())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Unlock(ctx, pin))
}

func TestDeviceSecret(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "device.key")
	d, err := OpenFileDeviceSecret(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	again, err := OpenFileDeviceSecret(path)
	require.NoError(t, err)
	m1, err := d.MAC(ctx, []byte("x"))
	require.NoError(t, err)
	m2, err := again.MAC(ctx, []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, m1, m2, "the secret is read back, not made anew")
	assert.Len(t, m1, macSize)

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("device", "secret", d)
	assert.Contains(t, buf.String(), "REDACTED")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", d, d, d, d), fmt.Sprintf("%x", d.key[:4]))

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = OpenFileDeviceSecret(path)
	assert.ErrorContains(t, err, "readable by its owner only")

	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte("short"), 0o600))
	_, err = OpenFileDeviceSecret(short)
	assert.ErrorIs(t, err, ErrCorrupt)
}

func TestWrongDevice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	other, err := OpenFileDeviceSecret(filepath.Join(e.dir, "other.key"))
	require.NoError(t, err)
	_, err = Open(ctx, e.path, other, e.opts())
	assert.ErrorIs(t, err, ErrTampered, "a store moved to another device does not open there")
}

func TestLogValueRedacts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	require.NoError(t, s.Put(ctx, "k", "id", []byte("secret payload")))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("store", "store", s, "opts", e.opts())
	assert.Contains(t, buf.String(), `"unlocked":true`)
	assert.NotContains(t, buf.String(), "secret payload")
	assert.Equal(t, "wallet store "+e.path+" (unlocked)", s.String())
	assert.Equal(t, s.String(), fmt.Sprintf("%#v", s))
}

func TestUnlockErrorMessages(t *testing.T) {
	for _, c := range []struct {
		err  *UnlockError
		want string
	}{
		{&UnlockError{Err: ErrWrongPIN, Remaining: 9}, "wallet store: wrong PIN; 9 tries left"},
		{&UnlockError{Err: ErrWrongPIN, Remaining: 5, RetryAfter: time.Minute}, "wallet store: wrong PIN; 5 tries left; next try in 1m0s"},
		{&UnlockError{Err: ErrWrongPIN}, "wallet store: wrong PIN; no tries left: the store is now locked for good"},
		{&UnlockError{Err: ErrLocked, Remaining: 4, RetryAfter: 90 * time.Second}, "wallet store: too many wrong PINs; try again later; 4 tries left; next try in 1m30s"},
		{&UnlockError{Err: ErrHardLocked, Cause: ErrTampered}, ErrHardLocked.Error() + ": " + ErrTampered.Error()},
	} {
		assert.Equal(t, c.want, c.err.Error())
	}
	assert.ErrorIs(t, &UnlockError{Err: ErrHardLocked, Cause: ErrTampered}, ErrCorrupt, "the cause is seen through")
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).create(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("%d-%d", g, i)
				if err := s.Put(ctx, "k", id, []byte(id)); err != nil {
					t.Error(err)
					return
				}
				got, err := s.Get(ctx, "k", id)
				if err != nil || string(got) != id {
					t.Errorf("%s: %q %v", id, got, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if _, err := s.List(ctx, "k"); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	list, err := s.List(ctx, "k")
	require.NoError(t, err)
	assert.Len(t, list, 80)
}
