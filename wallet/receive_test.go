package wallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

// TestReceive: a citizen receives a credential in three copies, each
// bound to its own key; it is listed, shown, recorded in the history, and
// deleted with its keys.
func TestReceive(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	gwanak := wallettest.NewIssuer(t, l, gwanakName, resVCT)
	l.Authorise(gwanak.DID, resVCT)
	c := newCitizen(t, l)

	uri, tx := gwanak.Offer(t, resVCT, nil)
	preview, err := c.w.Preview(ctx, uri)
	require.NoError(t, err)
	assert.Equal(t, []string{"residency-status-v1"}, preview.ConfigurationIDs)
	assert.Equal(t, 6, preview.TxCode.Length)

	cred, err := c.w.Receive(ctx, uri, "", tx)
	require.NoError(t, err)
	assert.Equal(t, resVCT, cred.VCT)
	assert.Equal(t, gwanak.DID, cred.Issuer)
	assert.Equal(t, map[string]string{"ko": "관악구청", "en": "Gwanak-gu Office"}, cred.IssuerName)
	assert.Equal(t, true, cred.Claims["resident_of_seoul"])
	assert.NotContains(t, cred.Claims, "cnf", "registered claims are not the citizen's")
	require.Len(t, cred.Copies, 3)
	offers, err := gwanak.Is.Store().ListOffers(ctx, 1)
	require.NoError(t, err)
	assert.NotEmpty(t, offers[0].TokenJKT, "the access token was bound to a DPoP key (the issuer offers DPoP)")
	thumbs := map[string]bool{}
	for _, cp := range cred.Copies {
		vc, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: l}, sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA}})
		require.NoError(t, err)
		v, err := vc.VerifyIssued(ctx, cp.SDJWT)
		require.NoError(t, err)
		thumbs[v.SDJWT.HolderKey.Thumbprint()] = true
		assert.Equal(t, keys.ES256, v.SDJWT.HolderKey.Algorithm())
	}
	assert.Len(t, thumbs, 3, "three keys, one per copy")

	all, err := c.w.Credentials(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, cred.ID, all[0].ID)
	got, err := c.w.Credential(ctx, cred.ID)
	require.NoError(t, err)
	assert.Equal(t, cred.Copies, got.Copies)

	// A second receipt of the same offer: the issuer says no.
	_, err = c.w.Receive(ctx, uri, "", tx)
	var e *oid4vci.Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, "invalid_grant", e.Code)

	require.NoError(t, c.w.Delete(ctx, cred.ID))
	_, err = c.w.Credential(ctx, cred.ID)
	assert.ErrorIs(t, err, wallet.ErrNotFound)
	assert.ErrorIs(t, c.w.Delete(ctx, cred.ID), wallet.ErrNotFound)
	keysLeft, err := c.store.List(ctx, "key")
	require.NoError(t, err)
	assert.Empty(t, keysLeft, "the credential's keys went with it")

	h, err := c.w.History(ctx)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, "deleted", h[0].Kind)
	assert.Equal(t, "received", h[1].Kind)
	assert.Equal(t, resVCT, h[1].VCT)
}

// TestReceiveRefusals: a wrong tx_code, an issuer the ledger does not
// authorise, a tampered credential and claims that break the schema are
// each refused with their reason, and leave nothing behind — no
// credential, no key.
func TestReceiveRefusals(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	gwanak := wallettest.NewIssuer(t, l, gwanakName, resVCT, cardVCT)
	l.Authorise(gwanak.DID, resVCT) // not the citizen card
	c := newCitizen(t, l)

	nothingLeft := func(t *testing.T) {
		t.Helper()
		creds, err := c.w.Credentials(ctx)
		require.NoError(t, err)
		assert.Empty(t, creds)
		left, err := c.store.List(ctx, "key")
		require.NoError(t, err)
		assert.Empty(t, left, "the holder keys of a refused credential are deleted")
	}

	t.Run("wrong tx_code", func(t *testing.T) {
		uri, tx := gwanak.Offer(t, resVCT, nil)
		wrong := "000000"
		if tx == wrong {
			wrong = "111111"
		}
		_, err := c.w.Receive(ctx, uri, "", wrong)
		var e *oid4vci.Error
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, "invalid_grant", e.Code)
		nothingLeft(t)
	})
	t.Run("tx_code of the wrong shape", func(t *testing.T) {
		uri, _ := gwanak.Offer(t, resVCT, nil)
		_, err := c.w.Receive(ctx, uri, "", "12")
		assert.ErrorContains(t, err, "the issuer expects 6")
		nothingLeft(t)
	})
	t.Run("issuer not authorised for the type", func(t *testing.T) {
		uri, tx := gwanak.Offer(t, cardVCT, nil)
		_, err := c.w.Receive(ctx, uri, "", tx)
		var r *wallet.Refusal
		require.True(t, errors.As(err, &r), "%v", err)
		assert.ErrorIs(t, err, wallet.ErrNotAuthorised)
		assert.Contains(t, r.Reason, "does not authorise "+gwanak.DID)
		nothingLeft(t)
	})
	t.Run("tampered credential", func(t *testing.T) {
		uri, tx := gwanak.Offer(t, resVCT, nil)
		restore := rewrite(gwanak, func(cred string) string {
			// One byte of the issuer's signature changed.
			i := bytes.IndexByte([]byte(cred), '~') - 5
			b := []byte(cred)
			b[i] ^= 'A' ^ 'B'
			if b[i] == cred[i] {
				b[i] = 'C'
			}
			return string(b)
		})
		defer restore()
		_, err := c.w.Receive(ctx, uri, "", tx)
		assert.ErrorIs(t, err, wallet.ErrBadCredential)
		nothingLeft(t)
	})
	t.Run("claims that break the schema", func(t *testing.T) {
		uri, tx := gwanak.Offer(t, resVCT, nil)
		restore := rewrite(gwanak, func(cred string) string {
			return reissue(t, gwanak, cred, func(claims map[string]any) { delete(claims, "as_of") })
		})
		defer restore()
		_, err := c.w.Receive(ctx, uri, "", tx)
		assert.ErrorIs(t, err, wallet.ErrInvalidClaims)
		assert.ErrorContains(t, err, "as_of")
		nothingLeft(t)
	})
}

// rewrite makes the issuer's credential endpoint answer with each
// credential changed by fn, until the returned function is called.
func rewrite(a *wallettest.Issuer, fn func(string) string) func() {
	var orig http.Handler
	orig = a.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/credential" {
			orig.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		orig.ServeHTTP(rec, r)
		var body struct {
			Credentials []map[string]any `json:"credentials"`
		}
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			for _, c := range body.Credentials {
				c["credential"] = fn(c["credential"].(string))
			}
			b, _ := json.Marshal(body)
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	return func() { a.SetHandler(orig) }
}

// reissue signs a credential again with the agency's key, its claims
// changed by edit: an issuer that signs what its schema forbids.
func reissue(t *testing.T, a *wallettest.Issuer, cred string, edit func(map[string]any)) string {
	t.Helper()
	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(a.Key.Public()), sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA}})
	require.NoError(t, err)
	vc, err := v.VerifyIssued(context.Background(), cred)
	require.NoError(t, err)
	claims := map[string]any{}
	for k, val := range vc.Claims {
		switch k {
		case "iss", "iat", "exp", "nbf", "vct", "vct#integrity", "cnf", "status", "_sd_alg":
		default:
			claims[k] = val
		}
	}
	edit(claims)
	out, err := sdjwtvc.Issue(context.Background(), a.Key, sdjwtvc.Credential{
		VCT: vc.VCT, Issuer: vc.Issuer, IssuedAt: time.Now(), Holder: vc.SDJWT.HolderKey, Status: vc.Status, Claims: claims,
	}, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	return out.String()
}
