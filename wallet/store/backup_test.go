package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var passphrase = []byte("7K3Q-F9ZD-M2XA-0PTW-RC5E")

// backupEnv makes a store with records of three kinds and its backup.
func backupEnv(t *testing.T) (e *env, records []Record, backup []byte) {
	ctx := context.Background()
	e = newEnv(t)
	s := e.create(t)
	records = []Record{
		{"credential", "pid", []byte("sd-jwt of the PID")},
		{"credential", "resident", bytes.Repeat([]byte("r"), 5000)},
		{"holder-key", "k1", []byte(`{"kty":"OKP"}`)},
		{"receipt", "r1", []byte{}},
	}
	for _, r := range records {
		require.NoError(t, s.Put(ctx, r.Kind, r.ID, r.Payload))
	}
	var buf bytes.Buffer
	require.NoError(t, s.Backup(ctx, &buf, passphrase))
	return e, records, buf.Bytes()
}

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	_, records, backup := backupEnv(t)
	assert.False(t, bytes.Contains(backup, []byte("sd-jwt of the PID")), "the backup is encrypted")
	assert.False(t, bytes.Contains(backup, []byte("holder-key")), "kinds are encrypted too")

	// A new device: its own data dir, device secret and PIN.
	dev := newEnv(t)
	s, err := Restore(ctx, bytes.NewReader(backup), passphrase, dev.path, dev.device, otherPIN, dev.opts())
	require.NoError(t, err)
	defer s.Close()
	assert.True(t, s.Unlocked())
	var got []Record
	for _, kind := range []string{"credential", "holder-key", "receipt"} {
		l, err := s.List(ctx, kind)
		require.NoError(t, err)
		got = append(got, l...)
	}
	assert.Equal(t, records, got)

	require.NoError(t, s.Close())
	s, err = Open(ctx, dev.path, dev.device, dev.opts())
	require.NoError(t, err)
	defer s.Close()
	assert.ErrorIs(t, s.Unlock(ctx, pin), ErrWrongPIN, "the old device's PIN does not open the restored store")
	require.NoError(t, s.Unlock(ctx, otherPIN))
	require.NoError(t, s.Put(ctx, "receipt", "r2", []byte("after restore")), "the restored store is an ordinary store")

	_, err = Restore(ctx, bytes.NewReader(backup), passphrase, dev.path, dev.device, otherPIN, dev.opts())
	assert.ErrorIs(t, err, ErrExists)
}

func TestBackupOfEmptyStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	var buf bytes.Buffer
	require.NoError(t, s.Backup(ctx, &buf, passphrase))
	r, err := Restore(ctx, &buf, passphrase, filepath.Join(e.dir, "restored.db"), e.device, pin, e.opts())
	require.NoError(t, err)
	defer r.Close()
	l, err := r.List(ctx, "credential")
	require.NoError(t, err)
	assert.Empty(t, l)
}

func TestBackupRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.create(t)
	var buf bytes.Buffer
	assert.ErrorIs(t, s.Backup(ctx, &buf, []byte("short")), ErrWeakPassphrase)
	s.Lock()
	assert.ErrorIs(t, s.Backup(ctx, &buf, passphrase), ErrNotUnlocked)
	assert.Zero(t, buf.Len(), "nothing was written")
	require.NoError(t, s.Unlock(ctx, pin))
	boom := errors.New("disk full")
	assert.ErrorIs(t, s.Backup(ctx, errWriter{boom}, passphrase), boom)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	_, _, backup := backupEnv(t)
	at := func(region string) int {
		switch region {
		case "magic":
			return 0
		case "version":
			return 4
		case "params":
			return 5 + 3
		case "salt":
			return 5 + paramsSize
		case "check":
			return 5 + paramsSize + saltSize
		case "nonce":
			return 5 + paramsSize + saltSize + checkSize
		case "ciphertext":
			return backupHeaderSize + 10
		case "tag":
			return len(backup) - 1
		}
		panic(region)
	}
	for _, c := range []struct {
		name  string
		input []byte
		pass  []byte
		want  error
	}{
		{"wrong passphrase", backup, []byte("7K3Q-F9ZD-M2XA-0PTW-RC5F"), ErrWrongPassphrase},
		{"short passphrase", backup, []byte("7K3Q"), ErrWrongPassphrase},
		{"magic", flip(backup, at("magic")), passphrase, ErrCorrupt},
		{"version", flip(backup, at("version")), passphrase, ErrCorrupt},
		// The salt, the parameters and the check value feed the key: a
		// change to them reads as a wrong passphrase.
		{"params", flip(backup, at("params")), passphrase, ErrWrongPassphrase},
		{"salt", flip(backup, at("salt")), passphrase, ErrWrongPassphrase},
		{"check", flip(backup, at("check")), passphrase, ErrWrongPassphrase},
		{"nonce", flip(backup, at("nonce")), passphrase, ErrTampered},
		{"ciphertext", flip(backup, at("ciphertext")), passphrase, ErrTampered},
		{"tag", flip(backup, at("tag")), passphrase, ErrTampered},
		{"truncated by a byte", backup[:len(backup)-1], passphrase, ErrTampered},
		{"truncated to the header", backup[:backupHeaderSize], passphrase, ErrCorrupt},
		{"empty", nil, passphrase, ErrCorrupt},
		{"trailing byte", append(append([]byte{}, backup...), 0), passphrase, ErrTampered},
		{"a store file, not a backup", []byte("SQLite format 3\x00" + string(make([]byte, 200))), passphrase, ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			dev := newEnv(t)
			_, err := Restore(ctx, bytes.NewReader(c.input), c.pass, dev.path, dev.device, pin, dev.opts())
			assert.ErrorIs(t, err, c.want)
			if errors.Is(c.want, ErrCorrupt) {
				assert.NotErrorIs(t, err, ErrWrongPassphrase)
			}
			assert.NoFileExists(t, dev.path, "a failed restore leaves no store")
		})
	}

	t.Run("read error", func(t *testing.T) {
		dev := newEnv(t)
		boom := errors.New("network gone")
		_, err := Restore(ctx, iotest.ErrReader(boom), passphrase, dev.path, dev.device, pin, dev.opts())
		assert.ErrorIs(t, err, boom)
	})
	t.Run("invalid new PIN", func(t *testing.T) {
		dev := newEnv(t)
		_, err := Restore(ctx, bytes.NewReader(backup), passphrase, dev.path, dev.device, []byte("1"), dev.opts())
		assert.ErrorIs(t, err, ErrInvalidPIN)
	})
}

// TestArchiveRules: an archive that authenticates but breaks the format's
// rules (which only a bug, or someone with the passphrase, could make) is
// refused.
func TestArchiveRules(t *testing.T) {
	good := encodeArchive([]Record{{"a", "1", []byte("x")}, {"a", "2", nil}, {"b", "1", nil}})
	recs, err := decodeArchive(good)
	require.NoError(t, err)
	assert.Len(t, recs, 3)
	for name, b := range map[string][]byte{
		"repeated":       encodeArchive([]Record{{"a", "1", nil}, {"a", "1", nil}}),
		"out of order":   encodeArchive([]Record{{"b", "1", nil}, {"a", "1", nil}}),
		"bad kind":       encodeArchive([]Record{{"A", "1", nil}}),
		"empty id":       encodeArchive([]Record{{"a", "", nil}}),
		"trailing bytes": append(append([]byte{}, good...), 0),
		"count too high": func() []byte { b := append([]byte{}, good...); b[8] = 4; return b }(),
		"count huge":     func() []byte { b := append([]byte{}, good...); b[5] = 0xff; return b }(),
		"cut":            good[:len(good)-2],
	} {
		_, err := decodeArchive(b)
		assert.ErrorIs(t, err, ErrCorrupt, name)
	}
}

func TestGenerateRecoveryPassphrase(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$`)
	seen := map[string]bool{}
	for range 100 {
		p := GenerateRecoveryPassphrase()
		assert.Regexp(t, shape, p)
		assert.GreaterOrEqual(t, len(p), MinPassphraseLength)
		assert.False(t, seen[p])
		seen[p] = true
	}
}
