package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// testNonces: a nonce is used once, before it expires.
func testNonces(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	expiry := T0.Add(time.Minute)

	assert.ErrorIs(t, s.UseNonce(ctx, h("nonce-nope"), T0), issuer.ErrNonceUnknown)

	require.NoError(t, s.PutNonce(ctx, h("nonce-a"), expiry.In(kst)))
	require.NoError(t, s.UseNonce(ctx, h("nonce-a"), expiry.Add(-time.Nanosecond)))
	assert.ErrorIs(t, s.UseNonce(ctx, h("nonce-a"), T0), issuer.ErrNonceUnknown, "used")

	require.NoError(t, s.PutNonce(ctx, h("nonce-b"), expiry))
	assert.ErrorIs(t, s.UseNonce(ctx, h("nonce-b"), expiry), issuer.ErrNonceUnknown, "now = expiry is expired")
	assert.ErrorIs(t, s.UseNonce(ctx, h("nonce-b"), expiry.Add(time.Hour)), issuer.ErrNonceUnknown)

	// Using or expiring one nonce leaves the others alone.
	require.NoError(t, s.PutNonce(ctx, h("nonce-c"), expiry.Add(time.Hour)))
	require.NoError(t, s.PutNonce(ctx, h("nonce-d"), expiry.Add(time.Hour)))
	require.NoError(t, s.UseNonce(ctx, h("nonce-c"), expiry.Add(time.Minute)))
	require.NoError(t, s.UseNonce(ctx, h("nonce-d"), expiry.Add(time.Minute)))

	assert.Error(t, s.PutNonce(ctx, []byte("a nonce in the clear"), expiry), "a nonce is stored as its SHA-256 hash")
	assert.Error(t, s.PutNonce(ctx, h("nonce-e"), time.Time{}), "a nonce expires")
}

// testNoncesConcurrent: 8 uses of one nonce at once: exactly one succeeds.
func testNoncesConcurrent(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	for round := range 10 {
		n := h(fmt.Sprint("nonce-", round))
		require.NoError(t, s.PutNonce(ctx, n, T0.Add(time.Minute)))
		errs := race(8, func(int) error { return s.UseNonce(ctx, n, T0) })
		require.Equal(t, map[string]int{"ok": 1, issuer.ErrNonceUnknown.Error(): 7}, count(errs, issuer.ErrNonceUnknown), "round %d", round)
	}
}
