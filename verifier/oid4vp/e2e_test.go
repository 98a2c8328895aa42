package oid4vp_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/issuer"
	issuerhttp "github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/oid4vp"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	walletvci "github.com/seoulid/seoulid/wallet/oid4vci"
	walletvp "github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
)

const resVCT = "urn:seoulid:vct:residency-status:1"

// city is one ledger (in memory, block by block) with a district office
// issuing over OpenID4VCI, a welfare portal verifying over OpenID4VP, and
// (in the test) a citizen's wallet, all on one clock after the ledger's
// blocks.
type city struct {
	mu     sync.Mutex
	l      *registrytest.Ledger
	issuer *issuer.Issuer
	offers *httptest.Server
	portal *verifier.Exchange
	web    *httptest.Server
}

func (c *city) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.l.Time().Add(30 * time.Second)
}

// walletLedger is the registry as the wallet reads it.
type walletLedger struct{ r *registry.Reader }

func (w walletLedger) IssuerAuthorised(ctx context.Context, iss, vct string) (bool, error) {
	return w.r.IssuerAuthorised(ctx, iss, vct)
}

func (w walletLedger) Verifier(ctx context.Context, d string) (*wallet.VerifierInfo, error) {
	e, err := w.r.Verifier(ctx, d)
	if err != nil {
		return nil, nil
	}
	info := &wallet.VerifierInfo{Name: map[string]string{"ko": "서울시 복지포털", "en": "Seoul Welfare Portal"}}
	for _, p := range e.Purposes {
		wp := wallet.Purpose{ID: p.ID, LegalBasis: p.LegalBasis, Retention: p.Retention, Claims: map[string][]sdjwt.Path{},
			Description: map[schemas.Lang]string{schemas.Korean: p.Description.Ko, schemas.English: p.Description.En}}
		for _, c := range p.Claims {
			wp.Claims[c.VCT] = append(wp.Claims[c.VCT], c.Paths...)
		}
		info.Purposes = append(info.Purposes, wp)
	}
	return info, nil
}

func newCity(t *testing.T) *city {
	ctx := context.Background()
	c := &city{l: registrytest.New(t)}
	l := c.l
	agency := l.Agencies[0]
	mkDID := func() *keys.PrivateKey {
		k := registrytest.NewKey(t)
		l.BlockOK(l.Sign(l.Op(agency, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k), Keys: []registry.Key{registrytest.KeyEntry(k, "key-1",
			registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication)}}), agency, k))
		return k
	}
	issKey, portalKey := mkDID(), mkDID()
	l.BlockOK(l.Council(l.Op(agency, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(issKey), VCTs: []string{resVCT}}), registrytest.Threshold))
	paths, err := sdjwt.ParsePaths("resident_of_seoul")
	require.NoError(t, err)
	l.BlockOK(l.Council(l.Op(agency, registry.Op{Type: registry.OpTrustVerifier, DID: registrytest.DIDOf(portalKey), Purposes: []registry.Purpose{{
		ID: "residency-check", Description: registry.Names{Ko: "서울 거주 확인", En: "Seoul residency check"}, LegalBasis: "조례", Retention: "P0D",
		Claims: []registry.Claims{{VCT: resVCT, Paths: paths}},
	}}}), registrytest.Threshold))
	// The issuer's status list, as its first publication puts it.
	l.Publish(issKey, "https://gwanak.example/status/1")

	// The district office.
	c.offers = httptest.NewUnstartedServer(nil)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	c.issuer, err = issuer.New(issKey, st, l.Reader(), nil, nil, issuer.Config{URL: "http://" + c.offers.Listener.Addr().String(),
		DID: registrytest.DIDOf(issKey), Types: []string{resVCT}, StatusListURL: "https://gwanak.example/status", Now: c.now})
	require.NoError(t, err)
	ih, err := issuerhttp.New(c.issuer, issuerhttp.Config{PublicKey: issKey.Public(), Name: schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}})
	require.NoError(t, err)
	c.offers.Config.Handler = ih
	c.offers.Start()
	t.Cleanup(c.offers.Close)

	// The portal.
	pipe, err := verifier.New(l.Reader(), verifier.Config{Now: c.now})
	require.NoError(t, err)
	c.web = httptest.NewUnstartedServer(nil)
	c.portal, err = verifier.NewExchange(portalKey, pipe, verifier.ExchangeConfig{DID: registrytest.DIDOf(portalKey),
		ResponseURL: "http://" + c.web.Listener.Addr().String() + oid4vp.PathResponse[:len(oid4vp.PathResponse)-1], Now: c.now})
	require.NoError(t, err)
	return c
}

// TestCitizenAgainstPortal: the project's issuer, wallet and verifier over
// loopback HTTP: a credential issued, a request made, the wallet answers
// with one claim, the portal verifies it against the ledger and answers
// with a signed receipt; a second answer to the same request is refused.
func TestCitizenAgainstPortal(t *testing.T) {
	ctx := context.Background()
	c := newCity(t)
	var got []*verifier.Answer
	var mu sync.Mutex
	c.web.Config.Handler = oid4vp.New(c.portal, func(_ context.Context, a *verifier.Answer) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, a)
		return "https://portal.example/decision", nil
	}, nil)
	c.web.Start()
	t.Cleanup(c.web.Close)

	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte("204863"), store.Options{Params: store.UnsafeParams(64, 1, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	reader := c.l.Reader()
	w, err := wallet.New(st, keystore.New(st), walletLedger{reader}, reader,
		walletvci.New(walletvci.Config{AllowHTTP: true, Now: c.now}), walletvp.New(reader, walletvp.Config{AllowHTTP: true, Now: c.now}),
		wallet.Config{Now: c.now})
	require.NoError(t, err)

	ty, err := schemas.Default().Lookup(resVCT)
	require.NoError(t, err)
	offer, err := c.issuer.CreateOffer(ctx, "opr_test", resVCT, ty.Example())
	require.NoError(t, err)
	cred, err := w.Receive(ctx, offer.URI, "", offer.TxCode)
	require.NoError(t, err)

	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"residency","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},"claims":[{"path":["resident_of_seoul"]}]}]}`))
	require.NoError(t, err)
	for _, mode := range []string{vp.ResponseModeDirectPost, vp.ResponseModeDirectPostJWT} {
		p, err := c.portal.NewRequest("residency-check", q, mode)
		require.NoError(t, err)
		ref := &vp.RequestReference{ClientID: c.portal.ClientID(), RequestURI: c.web.URL + oid4vp.PathRequest + p.ID, RequestURIMethod: "post"}
		consent, err := w.Ask(ctx, "openid4vp://?"+ref.Encode())
		require.NoError(t, err, mode)
		rc, err := w.Approve(ctx, consent, wallet.Approval{PIN: []byte("204863")})
		require.NoError(t, err, mode)
		assert.True(t, rc.AckVerified, "the portal's receipt verifies against its DID")
		assert.Equal(t, "https://portal.example/decision", rc.RedirectURI)
		assert.Equal(t, cred.ID, rc.Disclosed[0].Credential)
	}
	mu.Lock()
	require.Len(t, got, 2)
	for _, a := range got {
		require.Nil(t, a.Refused)
		v := a.Presented["residency"][0]
		assert.Equal(t, true, v.Claims["resident_of_seoul"])
		assert.NotContains(t, v.Claims, "name")
		assert.Equal(t, c.issuer.Config().DID, v.Issuer)
	}
	mu.Unlock()
}
