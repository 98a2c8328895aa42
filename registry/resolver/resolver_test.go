package resolver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/didweb"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/registry/resolver"
)

// The resolver is what the verifiers take.
var (
	_ sdjwtvc.DIDResolver = (*resolver.Resolver)(nil)
	_ sdjwtvc.DIDResolver = (*registry.Reader)(nil)
)

func TestResolveDispatch(t *testing.T) {
	ctx := context.Background()
	l := registrytest.New(t)
	ks := l.CreateMany(l.Agencies[0], 2)
	seoul, gone := ks[0], ks[1]
	l.Deactivate(gone)

	web, err := didweb.New(didweb.Config{})
	require.NoError(t, err)
	r := &resolver.Resolver{Seoul: l.Reader(), Web: web}

	k, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	keyDID, jwkDID := did.KeyDID(k.Public()), did.JWKDID(k.Public())

	for _, d := range []string{registrytest.DIDOf(seoul), keyDID, jwkDID} {
		doc, err := r.Resolve(ctx, d)
		require.NoError(t, err, d)
		assert.Equal(t, d, doc.ID)
	}
	// A key from each, through did.VerificationKey as a verifier does.
	got, err := did.VerificationKey(ctx, r, seoul.KeyID(), did.AssertionMethod)
	require.NoError(t, err)
	assert.True(t, got.Equal(seoul.Public()))
	got, err = did.VerificationKey(ctx, r, jwkDID+"#0", did.AssertionMethod)
	require.NoError(t, err)
	assert.True(t, got.Equal(k.Public()))

	for _, tc := range []struct {
		did  string
		want error
	}{
		{registrytest.DIDOf(gone), registry.ErrDeactivated},
		{registry.DeriveDID(registrytest.NewKey(t).Public()), did.ErrNotFound},
		{"did:seoul:not-base32", did.ErrInvalidDID},
		{"did:example:123", did.ErrMethodNotSupported},
		{"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#frag", did.ErrInvalidDID},
		{"not a did", did.ErrInvalidDID},
		{"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", keys.ErrUnsupportedKey}, // secp256k1
		{"did:web:127.0.0.1", did.ErrInvalidDID},
		// The guard of the default did:web client: localhost is loopback.
		{"did:web:localhost%3A1", didweb.ErrForbidden},
	} {
		_, err := r.Resolve(ctx, tc.did)
		require.ErrorIs(t, err, tc.want, tc.did)
	}

	// The zero Resolver does did:key and did:jwk only.
	var zero resolver.Resolver
	_, err = zero.Resolve(ctx, keyDID)
	require.NoError(t, err)
	for _, d := range []string{registrytest.DIDOf(seoul), "did:web:example.com"} {
		_, err = zero.Resolve(ctx, d)
		require.ErrorIs(t, err, did.ErrMethodNotSupported, d)
	}

	// A cancelled context stops a did:seoul and a did:key resolution.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, d := range []string{registrytest.DIDOf(seoul), keyDID} {
		_, err = r.Resolve(cancelled, d)
		require.ErrorIs(t, err, context.Canceled, d)
	}
}

func TestResolveRepresentation(t *testing.T) {
	ctx := context.Background()
	l := registrytest.New(t)
	k1 := l.Create(l.Agencies[0])
	created := l.Time()
	k2 := l.Rotate(k1, "key-2")
	rotated := l.Time()
	r := &resolver.Resolver{Seoul: l.Reader()}
	d := registrytest.DIDOf(k1)

	res, err := r.ResolveRepresentation(ctx, d, registry.ResolveOptions{})
	require.NoError(t, err)
	assert.Equal(t, resolver.MethodSeoul, res.Method)
	assert.Equal(t, "2", res.Metadata.VersionID)
	assert.True(t, res.Metadata.Created.Equal(created))
	assert.True(t, res.Metadata.Updated.Equal(rotated))
	assert.Equal(t, k2.KeyID(), res.Document.VerificationMethod[0].ID)

	res, err = r.ResolveRepresentation(ctx, d, registry.ResolveOptions{VersionID: "1"})
	require.NoError(t, err)
	assert.Equal(t, "2", res.Metadata.NextVersionID)
	assert.Equal(t, k1.KeyID(), res.Document.VerificationMethod[0].ID)

	res, err = r.ResolveRepresentation(ctx, d, registry.ResolveOptions{VersionTime: rotated.Add(-time.Second)})
	require.NoError(t, err)
	assert.Equal(t, "1", res.Metadata.VersionID)

	for _, tc := range []struct {
		opts registry.ResolveOptions
		want error
	}{
		{registry.ResolveOptions{VersionID: "3"}, registry.ErrNotFound},
		{registry.ResolveOptions{VersionID: "x"}, registry.ErrNotFound},
		{registry.ResolveOptions{VersionTime: created.Add(-time.Second)}, registry.ErrNotFound},
		{registry.ResolveOptions{VersionID: "1", VersionTime: rotated}, resolver.ErrInvalidOptions},
	} {
		_, err := r.ResolveRepresentation(ctx, d, tc.opts)
		require.ErrorIs(t, err, tc.want, "%+v", tc.opts)
	}

	// Deactivated: a result, with no document.
	l.Deactivate(k2)
	res, err = r.ResolveRepresentation(ctx, d, registry.ResolveOptions{})
	require.NoError(t, err)
	assert.True(t, res.Metadata.Deactivated)
	assert.Nil(t, res.Document)
	_, err = r.Resolve(ctx, d)
	require.ErrorIs(t, err, registry.ErrDeactivated)

	// Other methods: a document, no metadata, no versions.
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	keyDID := did.KeyDID(k.Public())
	res, err = r.ResolveRepresentation(ctx, keyDID, registry.ResolveOptions{})
	require.NoError(t, err)
	assert.Equal(t, resolver.MethodKey, res.Method)
	assert.Equal(t, keyDID, res.Document.ID)
	assert.Zero(t, res.Metadata)
	_, err = r.ResolveRepresentation(ctx, keyDID, registry.ResolveOptions{VersionID: "1"})
	require.ErrorIs(t, err, resolver.ErrOptionNotSupported)
	_, err = r.ResolveRepresentation(ctx, "did:web:example.com", registry.ResolveOptions{})
	require.ErrorIs(t, err, did.ErrMethodNotSupported)
	_, err = r.ResolveRepresentation(ctx, "did:seoul", registry.ResolveOptions{})
	require.True(t, errors.Is(err, did.ErrInvalidDID), "%v", err)
}
