package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestES256AsECDSAVerify: PublicKey.Verify accepts an ES256 signature R||S
// exactly when ecdsa.Verify accepts R and S, for good signatures, for R
// and S with leading zero bytes or the high bit set, and for mutations
// (zero, all ones, the group order).
func TestES256AsECDSAVerify(t *testing.T) {
	ctx := context.Background()
	k, err := Generate(ES256)
	require.NoError(t, err)
	pub := k.Public()
	n := pub.ec.Params().N.FillBytes(make([]byte, 32))
	msg := []byte("header.payload")
	h := sha256.Sum256(msg)
	check := func(sig []byte) {
		t.Helper()
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		want := ecdsa.Verify(pub.ec, h[:], r, s)
		got := pub.Verify(ES256, msg, sig) == nil
		require.Equal(t, want, got, "%x", sig)
	}
	for i := range 300 {
		sig, err := k.Sign(ctx, msg)
		require.NoError(t, err)
		require.Len(t, sig, 64)
		check(sig)
		mut := func(f func(b []byte)) {
			b := append([]byte(nil), sig...)
			f(b)
			check(b)
		}
		mut(func(b []byte) { b[i%64] ^= 1 })
		mut(func(b []byte) { clear(b[:32]) })
		mut(func(b []byte) { clear(b[32:]) })
		mut(func(b []byte) { clear(b[:i%32]) })
		mut(func(b []byte) { clear(b[32 : 32+i%32]) })
		mut(func(b []byte) { b[0] |= 0x80 })
		mut(func(b []byte) { copy(b[:32], n) })
		mut(func(b []byte) { copy(b[32:], n) })
		mut(func(b []byte) {
			for j := range b {
				b[j] = 0xff
			}
		})
	}
}

func TestECDSASignatureRS(t *testing.T) {
	for _, bad := range [][]byte{
		nil, {0x30}, {0x31, 0}, {0x30, 0}, {0x30, 3, 2, 1, 1}, {0x30, 6, 2, 1, 1, 2, 1, 0},
		{0x30, 6, 2, 1, 1, 2, 2, 1}, {0x30, 7, 2, 1, 1, 2, 1, 1, 0},
	} {
		_, err := ecdsaSignatureRS(bad)
		require.Error(t, err, "%x", bad)
	}
	rs, err := ecdsaSignatureRS([]byte{0x30, 7, 2, 2, 0, 0x80, 2, 1, 1})
	require.NoError(t, err)
	want := make([]byte, 64)
	want[31], want[63] = 0x80, 1
	require.Equal(t, want, rs)
}
