package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// testOperators: operators are found by the hash of their token; ids and
// token hashes are unique.
func testOperators(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	n, err := s.CountOperators(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	_, err = s.OperatorByToken(ctx, h("opr-token-a"))
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown)

	a := &issuer.Operator{ID: "opr_a", Name: "박서연 (민원여권과)", TokenHash: h("opr-token-a"), CreatedAt: T0.In(kst)}
	b := &issuer.Operator{ID: "opr_b", Name: "Lee Jun-ho", TokenHash: h("opr-token-b"), CreatedAt: T0}
	require.NoError(t, s.PutOperator(ctx, a, nil))
	require.NoError(t, s.PutOperator(ctx, b, nil))

	got, err := s.OperatorByToken(ctx, h("opr-token-a"))
	require.NoError(t, err)
	equal(t, a, got)
	got, err = s.OperatorByToken(ctx, h("opr-token-b"))
	require.NoError(t, err)
	equal(t, b, got)
	_, err = s.OperatorByToken(ctx, h("opr-token-c"))
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown)

	assert.Error(t, s.PutOperator(ctx, &issuer.Operator{ID: "opr_a", Name: "again", TokenHash: h("opr-token-c"), CreatedAt: T0}, nil), "same id")
	assert.Error(t, s.PutOperator(ctx, &issuer.Operator{ID: "opr_c", Name: "same token", TokenHash: h("opr-token-a"), CreatedAt: T0}, nil), "same token hash")
	assert.Error(t, s.PutOperator(ctx, &issuer.Operator{ID: "opr_d", Name: "clear", TokenHash: []byte("opr-token-d"), CreatedAt: T0}, nil), "a token is stored as its SHA-256 hash")

	n, err = s.CountOperators(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}
