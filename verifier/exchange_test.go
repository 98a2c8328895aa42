package verifier_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/verifier"
)

const askResidency = `{"credentials":[{"id":"residency","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},
	"claims":[{"path":["resident_of_seoul"]}]}]}`

// TestExchange: a request made, fetched by the wallet (verified as the
// wallet verifies it), answered once under direct_post.jwt with a
// presentation bound to it, verified, checked against the query and
// acknowledged with a signature the wallet can check.
func TestExchange(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	// The portal's DID, with a key for authentication (request objects)
	// and assertions (acknowledgements), as seoulid registry did create
	// makes it.
	agency := w.l.Agencies[0]
	portalKey := registrytest.NewKey(t)
	portal := registrytest.DIDOf(portalKey)
	w.l.BlockOK(w.l.Sign(w.l.Op(agency, registry.Op{Type: registry.OpDIDCreate, DID: portal, Keys: []registry.Key{registrytest.KeyEntry(portalKey, "key-1",
		registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication)}}), agency, portalKey))
	w.now = w.l.Time().Add(time.Minute)
	x, err := verifier.NewExchange(portalKey, w.p, verifier.ExchangeConfig{DID: portal, ResponseURL: "https://portal.example/response",
		Now: func() time.Time { return w.now }})
	require.NoError(t, err)
	q, err := dcql.Parse([]byte(askResidency))
	require.NoError(t, err)
	cred := w.credential(t, w.issuer, 7, nil)

	answer := func(mode string, present func(ro *vp.RequestObject) string) (*verifier.Pending, *vp.RequestObject, string) {
		p, err := x.NewRequest("residency-check", q, mode)
		require.NoError(t, err)
		obj, err := x.RequestObject(ctx, p.ID, "")
		require.NoError(t, err)
		ro, err := vp.ParseRequestObject(ctx, obj, x.ClientID(), w.l.Reader(), vp.RequestOptions{Now: w.now})
		require.NoError(t, err, "the wallet's own check of the request")
		assert.Equal(t, "residency-check", ro.Purpose)
		assert.Equal(t, "https://portal.example/response/"+p.ID, ro.ResponseURI)
		body, err := vp.DirectPostBody(&ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"residency": {present(ro)}}})
		require.NoError(t, err)
		return p, ro, body
	}

	p, ro, body := answer(vp.ResponseModeDirectPostJWT, func(ro *vp.RequestObject) string {
		return w.present(t, cred, ro.ClientID, ro.Nonce, "resident_of_seoul")
	})
	a, err := x.Respond(ctx, p.ID, []byte(body))
	require.NoError(t, err)
	require.Len(t, a.Presented["residency"], 1)
	assert.Equal(t, true, a.Presented["residency"][0].Claims["resident_of_seoul"])
	tok, err := jws.Parse(a.Ack, jws.Limits{})
	require.NoError(t, err)
	assert.Equal(t, verifier.AckType, tok.HeaderString("typ"))
	pub, err := did.VerificationKey(ctx, w.l.Reader(), tok.HeaderString("kid"), did.AssertionMethod)
	require.NoError(t, err)
	require.NoError(t, tok.Verify(pub, []keys.Algorithm{keys.EdDSA}), "signed by the verifier's DID")

	_, err = x.Respond(ctx, p.ID, []byte(body))
	assert.ErrorIs(t, err, verifier.ErrUnknownRequest, "a request is answered once: the nonce is spent")
	_, err = x.RequestObject(ctx, p.ID, "")
	assert.ErrorIs(t, err, verifier.ErrUnknownRequest)
	_ = ro

	for _, tc := range []struct {
		name    string
		present func(ro *vp.RequestObject) string
		want    error
	}{
		{"bound to another request's nonce", func(ro *vp.RequestObject) string {
			return w.present(t, cred, ro.ClientID, "n-other", "resident_of_seoul")
		}, verifier.ErrKeyBinding},
		{"for another verifier", func(ro *vp.RequestObject) string {
			return w.present(t, cred, "decentralized_identifier:did:seoul:other", ro.Nonce, "resident_of_seoul")
		}, verifier.ErrKeyBinding},
		{"not what was asked", func(ro *vp.RequestObject) string { return w.present(t, cred, ro.ClientID, ro.Nonce, "district") }, dcql.ErrUnsatisfied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, body := answer(vp.ResponseModeDirectPost, tc.present)
			_, err := x.Respond(ctx, p.ID, []byte(body))
			var re *verifier.ResponseError
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, vp.ErrInvalidRequest, re.Code)
			assert.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("declined", func(t *testing.T) {
		p, err := x.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		require.NoError(t, err)
		e := &vp.ErrorResponse{Code: vp.ErrAccessDenied, Description: "the citizen declined", State: p.Request.State}
		a, err := x.Respond(ctx, p.ID, []byte(e.Encode()))
		require.NoError(t, err)
		require.NotNil(t, a.Declined)
		assert.Equal(t, vp.ErrAccessDenied, a.Declined.Code)
		assert.Empty(t, a.Ack)
	})
	t.Run("a refusal without the request's state", func(t *testing.T) {
		p, err := x.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		require.NoError(t, err)
		e := &vp.ErrorResponse{Code: vp.ErrAccessDenied}
		_, err = x.Respond(ctx, p.ID, []byte(e.Encode()))
		var re *verifier.ResponseError
		require.True(t, errors.As(err, &re), "%v", err)
	})
	t.Run("too many pending", func(t *testing.T) {
		small, err := verifier.NewExchange(portalKey, w.p, verifier.ExchangeConfig{DID: portal, ResponseURL: "https://portal.example/response",
			MaxPending: 2, Now: func() time.Time { return w.now }})
		require.NoError(t, err)
		for range 2 {
			_, err := small.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
			require.NoError(t, err)
		}
		_, err = small.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		assert.ErrorIs(t, err, verifier.ErrBusy)
		w.now = w.now.Add(10 * time.Minute) // the two expire: room again
		_, err = small.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		assert.NoError(t, err)
		w.now = w.now.Add(-10 * time.Minute)
	})
	t.Run("expired", func(t *testing.T) {
		p, err := x.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
		require.NoError(t, err)
		w.now = w.now.Add(10 * time.Minute)
		_, err = x.RequestObject(ctx, p.ID, "")
		assert.ErrorIs(t, err, verifier.ErrUnknownRequest)
	})
}
