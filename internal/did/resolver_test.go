package did_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

func TestLocalResolver(t *testing.T) {
	ctx := context.Background()
	var r did.LocalResolver
	for _, alg := range keys.Algorithms {
		priv, err := keys.Generate(alg)
		require.NoError(t, err)
		for _, id := range []string{did.KeyDID(priv.Public()), did.JWKDID(priv.Public())} {
			doc, err := r.Resolve(ctx, id)
			require.NoError(t, err, id)
			assert.Equal(t, id, doc.ID)
		}
	}

	_, err := r.Resolve(ctx, "did:web:example.com")
	assert.ErrorIs(t, err, did.ErrMethodNotSupported)
	assert.ErrorContains(t, err, `"did:web" (this resolver handles did:key and did:jwk)`)

	_, err = r.Resolve(ctx, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6Mk")
	assert.ErrorIs(t, err, did.ErrInvalidDID)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = r.Resolve(canceled, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
	assert.ErrorIs(t, err, context.Canceled)
}

// stubResolver is a resolver that returns fixed documents, as one that
// looks DIDs up would.
type stubResolver map[string]*did.Document

func (s stubResolver) Resolve(_ context.Context, id string) (*did.Document, error) {
	doc, ok := s[id]
	if !ok {
		return nil, did.ErrNotFound
	}
	return doc, nil
}

func TestVerificationKey(t *testing.T) {
	ctx := context.Background()
	priv, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	keyDID := did.KeyDID(priv.Public())
	kid := keyDID + "#" + keyDID[len("did:key:"):]

	k, err := did.VerificationKey(ctx, did.LocalResolver{}, kid, did.AssertionMethod)
	require.NoError(t, err)
	assert.True(t, priv.Public().Equal(k))
	assert.Equal(t, kid, k.KeyID())

	jwkDID := did.JWKDID(priv.Public())
	k, err = did.VerificationKey(ctx, did.LocalResolver{}, jwkDID+"#0", did.Authentication)
	require.NoError(t, err)
	assert.True(t, priv.Public().Equal(k))

	cases := []struct {
		name string
		r    stubResolver
		kid  string
		rel  did.RelationshipKind
		err  error
		msg  string
	}{
		{name: "no fragment", kid: keyDID, rel: did.AssertionMethod, err: did.ErrKeyNotFound, msg: "has no fragment"},
		{name: "relative kid", kid: "#0", rel: did.AssertionMethod, err: did.ErrInvalidDID},
		{name: "wrong fragment", kid: keyDID + "#other", rel: did.AssertionMethod, err: did.ErrKeyNotFound},
		{name: "jwk other fragment", kid: jwkDID + "#1", rel: did.AssertionMethod, err: did.ErrKeyNotFound},
		{name: "keyAgreement of did:key", kid: kid, rel: did.KeyAgreement, err: did.ErrNotAuthorized},
		{name: "not found", r: stubResolver{}, kid: "did:web:example.com#k", rel: did.AssertionMethod, err: did.ErrNotFound},
		{name: "resolver returns another DID's document", r: stubResolver{"did:web:example.com": mustResolve(t, keyDID)},
			kid: "did:web:example.com#k", rel: did.AssertionMethod, err: did.ErrInvalidDocument, msg: "the resolver returned the document of"},
		{name: "resolver returns nil", r: stubResolver{"did:web:example.com": nil},
			kid: "did:web:example.com#k", rel: did.AssertionMethod, err: did.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r interface {
				Resolve(context.Context, string) (*did.Document, error)
			} = did.LocalResolver{}
			if c.r != nil {
				r = c.r
			}
			_, err := did.VerificationKey(ctx, r, c.kid, c.rel)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.err)
			assert.ErrorContains(t, err, c.msg)
		})
	}
}

func mustResolve(t *testing.T, id string) *did.Document {
	t.Helper()
	doc, err := did.LocalResolver{}.Resolve(context.Background(), id)
	require.NoError(t, err)
	return doc
}
