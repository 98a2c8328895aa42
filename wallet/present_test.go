package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

var portalName = map[string]string{"ko": "서울시 복지포털", "en": "Seoul Welfare Portal"}

// residencyPurpose may ask whether the citizen lives in Seoul, and in
// which district.
func residencyPurpose(t testing.TB) wallet.Purpose {
	return wallet.Purpose{
		ID:          "residency-check",
		Description: map[schemas.Lang]string{schemas.Korean: "서울 거주 확인", schemas.English: "Seoul residency check"},
		LegalBasis:  "서울특별시 청년 기본 조례 제10조", Retention: "P30D",
		Claims: map[string][]sdjwt.Path{resVCT: wallettest.Paths(t, "resident_of_seoul,district")},
	}
}

const askResidency = `{"credentials":[{"id":"residency","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},
	"claims":[{"path":["resident_of_seoul"]}]}]}`

// withResidency is a citizen holding a residency-status credential of an
// authorised issuer.
func withResidency(t testing.TB, l *wallettest.Ledger) (*citizen, *wallet.Credential) {
	t.Helper()
	gwanak := wallettest.NewIssuer(t, l, gwanakName, resVCT)
	l.Authorise(gwanak.DID, resVCT)
	c := newCitizen(t, l)
	uri, tx := gwanak.Offer(t, resVCT, nil)
	cred, err := c.w.Receive(context.Background(), uri, "", tx)
	require.NoError(t, err)
	return c, cred
}

// TestPresent: a registered verifier asks for one claim within its
// purpose; the consent shows who asks, why and what; on approval with the
// PIN only that claim reaches the verifier, bound to its request, and the
// wallet keeps a receipt the verifier signed. Both response modes; each
// presentation uses another copy.
func TestPresent(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	c, cred := withResidency(t, l)
	portal := wallettest.NewVerifier(t, l, portalName, residencyPurpose(t))

	holders := map[string]bool{}
	for _, mode := range []string{vp.ResponseModeDirectPost, vp.ResponseModeDirectPostJWT} {
		t.Run(mode, func(t *testing.T) {
			uri, id := portal.Request(t, "residency-check", askResidency, mode)
			consent, err := c.w.Ask(ctx, uri)
			require.NoError(t, err)
			assert.Equal(t, portal.DID, consent.Verifier)
			assert.Equal(t, portalName, consent.VerifierName)
			assert.Equal(t, "residency-check", consent.Purpose.ID)
			assert.Equal(t, "P30D", consent.Purpose.Retention)
			require.Len(t, consent.Items, 1)
			it := consent.Items[0]
			assert.Equal(t, cred.ID, it.Credential.ID)
			assert.False(t, it.Optional)
			ty, err := schemas.Default().Lookup(resVCT)
			require.NoError(t, err)
			assert.Equal(t, ty.Name(schemas.Korean), it.TypeName[schemas.Korean])
			require.Len(t, it.Claims, 1)
			assert.Equal(t, "Resident of Seoul", it.Claims[0].Label[schemas.English])
			assert.Equal(t, true, it.Claims[0].Value)
			assert.False(t, consent.HasSensitive())
			require.Len(t, it.Always, 1, "as_of is not selectively disclosable: the consent shows it")
			assert.Equal(t, "as_of", it.Always[0].Path.String())
			assert.Equal(t, "As of", it.Always[0].Label[schemas.English])

			rc, err := c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin)})
			require.NoError(t, err)
			assert.True(t, rc.AckVerified, "the verifier's acknowledgement verifies")
			assert.Equal(t, []wallet.ReceiptItem{{Credential: cred.ID, VCT: resVCT, Claims: []string{"resident_of_seoul", "as_of"}}}, rc.Disclosed,
				"the receipt names what left the wallet: the approved claim and the one its issuer made always visible")

			res := portal.Result(id)
			require.NotNil(t, res)
			require.Empty(t, res.Refused)
			require.Len(t, res.Claims["residency"], 1)
			got := res.Claims["residency"][0]
			assert.Equal(t, true, got["resident_of_seoul"])
			for _, withheld := range []string{"name", "birthdate", "district", "household_size", "sido", "resident_since"} {
				assert.NotContains(t, got, withheld, "only the approved claim is disclosed")
			}
			holders[keyOf(t, got)] = true
		})
	}
	assert.Len(t, holders, 2, "two presentations, two copies, two keys")

	receipts, err := c.w.Receipts(ctx)
	require.NoError(t, err)
	assert.Len(t, receipts, 2)
	h, err := c.w.History(ctx)
	require.NoError(t, err)
	assert.Equal(t, "presented", h[0].Kind)
	assert.Equal(t, []string{"resident_of_seoul", "as_of"}, h[0].Claims)
}

func keyOf(t *testing.T, claims map[string]any) string {
	cnf, _ := claims["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	k, err := keys.PublicKeyFromJWK(jwk)
	require.NoError(t, err)
	return k.Thumbprint()
}

// TestPresentRefusals: the wallet refuses, before asking the citizen, a
// verifier that asks beyond its registered purpose, one not registered
// for the purpose it names, a request not signed by the verifier's key,
// and a request it cannot answer; and at approval, a wrong PIN and
// sensitive claims not approved on their own. Nothing reaches the verifier
// but an access_denied where the request verified.
func TestPresentRefusals(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	c, _ := withResidency(t, l)
	portal := wallettest.NewVerifier(t, l, portalName, residencyPurpose(t))

	refused := func(t *testing.T, uri string, sentinel error) *wallet.RequestRefusal {
		t.Helper()
		_, err := c.w.Ask(ctx, uri)
		var r *wallet.RequestRefusal
		require.True(t, errors.As(err, &r), "%v", err)
		if sentinel != nil {
			assert.ErrorIs(t, err, sentinel)
		}
		return r
	}
	t.Run("over-asking", func(t *testing.T) {
		uri, id := portal.Request(t, "residency-check", `{"credentials":[{"id":"r","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},
			"claims":[{"path":["resident_of_seoul"]},{"path":["name"]}]}]}`, vp.ResponseModeDirectPost)
		r := refused(t, uri, wallet.ErrOverAsking)
		assert.Contains(t, r.Reason, `asks for name of urn:seoulid:vct:residency-status:1, which the purpose residency-check does not cover`)
		res := portal.Result(id)
		require.NotNil(t, res, "the verifier is told")
		require.NotNil(t, res.Error)
		assert.Equal(t, vp.ErrAccessDenied, res.Error.Code)
		assert.Empty(t, res.Claims)
	})
	t.Run("another credential type", func(t *testing.T) {
		uri, _ := portal.Request(t, "residency-check", `{"credentials":[{"id":"m","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:medication-list:1"]}}]}`, vp.ResponseModeDirectPost)
		refused(t, uri, wallet.ErrOverAsking)
	})
	t.Run("purpose not registered", func(t *testing.T) {
		uri, _ := portal.Request(t, "youth-allowance-2026", askResidency, vp.ResponseModeDirectPost)
		r := refused(t, uri, wallet.ErrNotRegistered)
		assert.Contains(t, r.Reason, `for the purpose "youth-allowance-2026"`)
	})
	t.Run("verifier not on the ledger", func(t *testing.T) {
		stranger := wallettest.NewVerifier(t, l, map[string]string{"en": "Stranger"})
		uri, _ := stranger.Request(t, "residency-check", askResidency, vp.ResponseModeDirectPost)
		refused(t, uri, wallet.ErrNotRegistered)
	})
	t.Run("signed by another key", func(t *testing.T) {
		forger := wallettest.NewVerifier(t, l, portalName, residencyPurpose(t))
		other, err := keys.Generate(keys.ES256)
		require.NoError(t, err)
		l.SetKey(forger.DID, other.Public()) // the ledger says the DID's key is another
		uri, id := forger.Request(t, "residency-check", askResidency, vp.ResponseModeDirectPost)
		r := refused(t, uri, nil)
		assert.Equal(t, vp.ErrInvalidRequestObject, vp.CodeOf(r.Err), "%v", r.Err)
		assert.Nil(t, forger.Result(id), "an unverified request gets no answer")
	})
	t.Run("nothing to answer with", func(t *testing.T) {
		clinic := wallettest.NewVerifier(t, l, map[string]string{"en": "Clinic"}, wallet.Purpose{ID: "care",
			Claims: map[string][]sdjwt.Path{medVCT: wallettest.Paths(t, "medications")}})
		uri, _ := clinic.Request(t, "care", `{"credentials":[{"id":"m","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:medication-list:1"]},"claims":[{"path":["medications"]}]}]}`, vp.ResponseModeDirectPost)
		refused(t, uri, wallet.ErrCannotAnswer)
	})
	t.Run("wrong PIN", func(t *testing.T) {
		uri, id := portal.Request(t, "residency-check", askResidency, vp.ResponseModeDirectPost)
		consent, err := c.w.Ask(ctx, uri)
		require.NoError(t, err)
		_, err = c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte("999999")})
		assert.ErrorIs(t, err, wallet.ErrWrongPIN)
		assert.Nil(t, portal.Result(id), "nothing was sent")
		// The right PIN still works: one wrong try is not a lock.
		_, err = c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin)})
		require.NoError(t, err)
	})
	t.Run("declined", func(t *testing.T) {
		uri, id := portal.Request(t, "residency-check", askResidency, vp.ResponseModeDirectPost)
		consent, err := c.w.Ask(ctx, uri)
		require.NoError(t, err)
		require.NoError(t, c.w.Decline(ctx, consent))
		res := portal.Result(id)
		require.NotNil(t, res)
		require.NotNil(t, res.Error)
		assert.Equal(t, vp.ErrAccessDenied, res.Error.Code)
	})
	h, err := c.w.History(ctx)
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, e := range h {
		kinds[e.Kind]++
	}
	assert.Equal(t, 6, kinds["refused"], "every refusal is in the history: %v", kinds)
	assert.Equal(t, 1, kinds["declined"])
}

// TestPresentSensitiveAndOptional: a clinic asks for the medication list
// (sensitive, PIPA Art. 23) and, optionally, residency. The sensitive
// claims are not sent without their own approval; the optional credential
// is left out unless ticked.
func TestPresentSensitiveAndOptional(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	c, _ := withResidency(t, l)
	clinicIssuer := wallettest.NewIssuer(t, l, schemas.Text{schemas.Korean: "봉천의원", schemas.English: "Bongcheon Clinic"}, medVCT)
	l.Authorise(clinicIssuer.DID, medVCT)
	uri, tx := clinicIssuer.Offer(t, medVCT, nil)
	_, err := c.w.Receive(ctx, uri, "", tx)
	require.NoError(t, err)

	clinic := wallettest.NewVerifier(t, l, map[string]string{"ko": "새봄내과", "en": "Saebom Clinic"}, wallet.Purpose{
		ID: "continuity-of-care", LegalBasis: "의료법 제21조의2", Retention: "P0D",
		Claims: map[string][]sdjwt.Path{
			medVCT: wallettest.Paths(t, "medications[*].product,medications[*].dosage"),
			resVCT: wallettest.Paths(t, "district"),
		}})
	query := `{"credentials":[
		{"id":"meds","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:medication-list:1"]},"claims":[{"path":["medications",null,"product"]}]},
		{"id":"home","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},"claims":[{"path":["district"]}]}],
		"credential_sets":[{"options":[["meds"]]},{"options":[["home"]],"required":false}]}`

	req, id := clinic.Request(t, "continuity-of-care", query, vp.ResponseModeDirectPostJWT)
	consent, err := c.w.Ask(ctx, req)
	require.NoError(t, err)
	require.Len(t, consent.Items, 2)
	assert.True(t, consent.HasSensitive())
	byQuery := map[string]wallet.ConsentItem{}
	for _, it := range consent.Items {
		byQuery[it.QueryID] = it
	}
	assert.False(t, byQuery["meds"].Optional)
	assert.True(t, byQuery["home"].Optional, "an optional credential set is offered unticked")
	for _, cl := range byQuery["meds"].Claims {
		assert.True(t, cl.Sensitive, "%s is sensitive", cl.Path)
	}

	_, err = c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin)})
	assert.ErrorIs(t, err, wallet.ErrSensitiveNotApproved)
	assert.Nil(t, clinic.Result(id), "nothing sent without the separate approval")

	rc, err := c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin), Sensitive: true})
	require.NoError(t, err)
	require.Len(t, rc.Disclosed, 1, "the optional residency stays home")
	assert.True(t, rc.Disclosed[0].Sensitive)
	res := clinic.Result(id)
	require.NotNil(t, res)
	require.Empty(t, res.Refused)
	assert.NotContains(t, res.Claims, "home")
	meds := res.Claims["meds"][0]["medications"].([]any)
	require.NotEmpty(t, meds)
	for _, m := range meds {
		med := m.(map[string]any)
		assert.Contains(t, med, "product")
		assert.NotContains(t, med, "dosage", "asked for product only")
		assert.NotContains(t, med, "indication", "withheld by default")
	}

	// Again, ticking the optional residency.
	req, id = clinic.Request(t, "continuity-of-care", query, vp.ResponseModeDirectPost)
	consent, err = c.w.Ask(ctx, req)
	require.NoError(t, err)
	_, err = c.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin), Sensitive: true, Include: map[string]bool{"home": true}})
	require.NoError(t, err)
	res = clinic.Result(id)
	require.NotNil(t, res)
	require.Len(t, res.Claims["home"], 1)
	assert.Contains(t, res.Claims["home"][0], "district")
}
