package keystore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/store"
)

var _ keystore.Records = (*store.Store)(nil)

// The contract the wallet core consumes (wallet.KeyStore).
var _ interface {
	Generate(context.Context, keys.Algorithm) (string, *keys.PublicKey, error)
	Sign(context.Context, string, []byte) ([]byte, error)
	Delete(context.Context, string) error
} = (*keystore.Software)(nil)

var (
	pin        = []byte("123456")
	passphrase = []byte("7K3Q-F9ZD-M2XA-0PTW-RC5E")
	// Tests use cheap Argon2id parameters; the wallet uses store.Options{}.
	cheap = store.Options{Params: store.UnsafeParams(64, 1, 1), BackupParams: store.UnsafeParams(64, 1, 1)}
)

func newStore(t *testing.T) (*store.Store, string, store.DeviceSecret) {
	t.Helper()
	dir := t.TempDir()
	d, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	path := filepath.Join(dir, "wallet.db")
	s, err := store.Create(context.Background(), path, d, pin, cheap)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path, d
}

func TestGenerateSign(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	ks := keystore.New(s)
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			ref, pub, err := ks.Generate(ctx, alg)
			require.NoError(t, err)
			assert.Equal(t, alg, pub.Algorithm())
			assert.Len(t, string(ref), 22)

			input := []byte("eyJhbGciOiJFUzI1NiIsInR5cCI6ImtiK2p3dCJ9.eyJub25jZSI6IjEyMyJ9")
			sig, err := ks.Sign(ctx, ref, input)
			require.NoError(t, err)
			assert.NoError(t, pub.Verify(alg, input, sig), "the signature verifies under the returned public key")
			assert.Error(t, pub.Verify(alg, append(input, 'x'), sig))

			got, err := ks.Public(ctx, ref)
			require.NoError(t, err)
			assert.True(t, pub.Equal(got))

			require.NoError(t, ks.Delete(ctx, ref))
			_, err = ks.Sign(ctx, ref, input)
			assert.ErrorIs(t, err, keystore.ErrUnknownKey, "a deleted key signs nothing")
			assert.ErrorIs(t, ks.Delete(ctx, ref), keystore.ErrUnknownKey)
		})
	}
}

// TestFreshKeys: every Generate makes a new key under a new reference — a
// key per credential and per batch copy.
func TestFreshKeys(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	ks := keystore.New(s)
	refs, thumbs := map[string]bool{}, map[string]bool{}
	for range 20 {
		ref, pub, err := ks.Generate(ctx, keys.EdDSA)
		require.NoError(t, err)
		assert.False(t, refs[ref])
		assert.False(t, thumbs[pub.Thumbprint()])
		refs[ref], thumbs[pub.Thumbprint()] = true, true
	}
	l, err := s.List(ctx, keystore.Kind)
	require.NoError(t, err)
	assert.Len(t, l, 20)
}

func TestRefuses(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	ks := keystore.New(s)
	_, _, err := ks.Generate(ctx, "RS256")
	assert.ErrorIs(t, err, keys.ErrUnsupportedAlgorithm)
	for _, ref := range []string{"", "x", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAA/", "AAAAAAAAAAAAAAAAAAAAAAA", "../../../../etc/passwd"} {
		_, err := ks.Sign(ctx, ref, []byte("x"))
		assert.ErrorIs(t, err, keystore.ErrUnknownKey, "%q", ref)
		_, err = ks.Public(ctx, ref)
		assert.ErrorIs(t, err, keystore.ErrUnknownKey, "%q", ref)
		assert.ErrorIs(t, ks.Delete(ctx, ref), keystore.ErrUnknownKey, "%q", ref)
	}

	ref, _, err := ks.Generate(ctx, keys.ES256)
	require.NoError(t, err)
	s.Lock()
	_, err = ks.Sign(ctx, ref, []byte("x"))
	assert.ErrorIs(t, err, store.ErrNotUnlocked, "a locked wallet signs nothing")
	_, _, err = ks.Generate(ctx, keys.ES256)
	assert.ErrorIs(t, err, store.ErrNotUnlocked)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, s.Unlock(ctx, pin))
	_, err = ks.Sign(cancelled, ref, []byte("x"))
	assert.ErrorIs(t, err, context.Canceled)
}

// TestNeverInTheClear: the private key is nowhere in the store's files.
func TestNeverInTheClear(t *testing.T) {
	ctx := context.Background()
	s, path, _ := newStore(t)
	ks := keystore.New(s)
	ref, _, err := ks.Generate(ctx, keys.EdDSA)
	require.NoError(t, err)
	raw, err := s.Get(ctx, keystore.Kind, string(ref))
	require.NoError(t, err)
	var jwk struct{ D string }
	require.NoError(t, json.Unmarshal(raw, &jwk))
	require.NotEmpty(t, jwk.D)
	matches, _ := filepath.Glob(path + "*")
	for _, f := range matches {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte(jwk.D)), "%s holds the private key", f)
		assert.False(t, bytes.Contains(b, []byte(ref)), "%s shows the key reference", f)
	}
}

// TestKeysSurviveRestore: a restored wallet signs with the same keys, so
// its credentials' cnf keys still hold.
func TestKeysSurviveRestore(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	ks := keystore.New(s)
	ref, pub, err := ks.Generate(ctx, keys.ES256)
	require.NoError(t, err)
	var backup bytes.Buffer
	require.NoError(t, s.Backup(ctx, &backup, passphrase))

	dir := t.TempDir()
	d, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	restored, err := store.Restore(ctx, &backup, passphrase, filepath.Join(dir, "wallet.db"), d, []byte("999999"), cheap)
	require.NoError(t, err)
	defer restored.Close()
	sig, err := keystore.New(restored).Sign(ctx, ref, []byte("input"))
	require.NoError(t, err)
	assert.NoError(t, pub.Verify(keys.ES256, []byte("input"), sig))
}
