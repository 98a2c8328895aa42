package oid4vci_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/issuer"
	issuerhttp "github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet/oid4vci"
)

const (
	issuerDID = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	resVCT    = "urn:seoulid:vct:residency-status:1"
)

type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

// keyOf resolves the issuer's DID to its one key, as the ledger would.
type keyOf struct{ pub *keys.PublicKey }

func (k keyOf) Resolve(_ context.Context, d string) (*did.Document, error) {
	if d != issuerDID {
		return nil, did.ErrNotFound
	}
	vm := did.VerificationMethod{ID: issuerDID + "#key-1", Type: "JsonWebKey2020", Controller: issuerDID, PublicKeyJwk: k.pub.JWK()}
	return &did.Document{ID: issuerDID, VerificationMethod: []did.VerificationMethod{vm}, AssertionMethod: []did.Relationship{{Reference: vm.ID}}}, nil
}

// liveIssuer is seoulid's issuer over loopback HTTP, with a route that
// serves offers by reference.
type liveIssuer struct {
	srv    *httptest.Server
	is     *issuer.Issuer
	key    *keys.PrivateKey
	mu     sync.Mutex
	offers map[string]string // by-reference id → offer JSON
}

func newLiveIssuer(t *testing.T) *liveIssuer {
	t.Helper()
	ctx := context.Background()
	l := &liveIssuer{offers: map[string]string{}}
	l.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + l.srv.Listener.Addr().String()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	l.key = k.WithKeyID(issuerDID + "#key-1")
	l.is, err = issuer.New(l.key, st, trustAll{}, nil, nil, issuer.Config{URL: base, DID: issuerDID, Types: []string{resVCT}})
	require.NoError(t, err)
	h, err := issuerhttp.New(l.is, issuerhttp.Config{PublicKey: l.key.Public(), Name: schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /offers/{id}", func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		o, ok := l.offers[r.PathValue("id")]
		l.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(o))
	})
	l.srv.Config.Handler = mux
	l.srv.Start()
	t.Cleanup(l.srv.Close)
	return l
}

// offer makes an offer and returns it by value and by reference.
func (l *liveIssuer) offer(t *testing.T) (byValue, byRef, txCode string) {
	t.Helper()
	ty, err := schemas.Default().Lookup(resVCT)
	require.NoError(t, err)
	res, err := l.is.CreateOffer(context.Background(), "opr_test", resVCT, ty.Example())
	require.NoError(t, err)
	u, err := url.Parse(res.URI)
	require.NoError(t, err)
	id := res.Offer.ID
	l.mu.Lock()
	l.offers[id] = u.Query().Get("credential_offer")
	l.mu.Unlock()
	return res.URI, "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape(l.srv.URL+"/offers/"+id), res.TxCode
}

func generate(t *testing.T, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	require.NoError(t, err)
	return k
}

// TestRedeem: the whole pre-authorized flow against seoulid's issuer, by
// value and by reference, with and without DPoP, one key and a batch.
func TestRedeem(t *testing.T) {
	ctx := context.Background()
	l := newLiveIssuer(t)
	c := oid4vci.New(oid4vci.Config{AllowHTTP: true})
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: keyOf{l.key.Public()}}, sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA}})
	require.NoError(t, err)

	for _, tc := range []struct {
		name    string
		byRef   bool
		dpop    bool
		holders int
	}{
		{"by value, bearer, one key", false, false, 1},
		{"by reference, DPoP, batch of three", true, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			byValue, byRef, txCode := l.offer(t)
			uri := byValue
			if tc.byRef {
				uri = byRef
			}
			o, err := c.ResolveOffer(ctx, uri)
			require.NoError(t, err)
			assert.Equal(t, l.srv.URL, o.CredentialIssuer)
			assert.Equal(t, []string{"residency-status-v1"}, o.ConfigurationIDs)
			require.NotNil(t, o.TxCode)
			assert.Equal(t, 6, o.TxCode.Length)
			require.NoError(t, o.TxCode.Check(txCode))

			md, sm, err := c.Metadata(ctx, o.CredentialIssuer, o.AuthorizationServer)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, md.BatchSize, 3)
			assert.Equal(t, "dc+sd-jwt", md.Configurations["residency-status-v1"].Format)
			var dk oid4vci.Signer
			if tc.dpop {
				dk = generate(t, keys.ES256)
			}
			tok, err := c.Token(ctx, sm, o, txCode, dk)
			require.NoError(t, err)
			if tc.dpop {
				assert.Equal(t, "DPoP", tok.Type)
			} else {
				assert.Equal(t, "Bearer", tok.Type)
			}
			var holders []oid4vci.Signer
			want := map[string]bool{}
			for range tc.holders {
				h := generate(t, keys.ES256)
				holders = append(holders, h)
				want[h.Public().Thumbprint()] = true
			}
			creds, err := c.Credential(ctx, md, tok, "residency-status-v1", holders)
			require.NoError(t, err)
			require.Len(t, creds, tc.holders)
			for _, cred := range creds {
				vc, err := v.VerifyIssued(ctx, cred)
				require.NoError(t, err)
				assert.Equal(t, resVCT, vc.VCT)
				assert.True(t, want[vc.SDJWT.HolderKey.Thumbprint()], "bound to one of the wallet's keys")
				delete(want, vc.SDJWT.HolderKey.Thumbprint())
			}
			assert.Empty(t, want, "each key got its credential")

			// Once only.
			_, err = c.Token(ctx, sm, o, txCode, nil)
			var e *oid4vci.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, "invalid_grant", e.Code)
			assert.Equal(t, http.StatusBadRequest, e.Status)
		})
	}
}

// TestRefusals: what the issuer refuses reaches the caller as an *Error
// with the issuer's code; what the wallet refuses never leaves it.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	l := newLiveIssuer(t)
	c := oid4vci.New(oid4vci.Config{AllowHTTP: true})
	byValue, _, txCode := l.offer(t)
	o, err := c.ResolveOffer(ctx, byValue)
	require.NoError(t, err)
	md, sm, err := c.Metadata(ctx, o.CredentialIssuer, "")
	require.NoError(t, err)

	wrong := "000000"
	if txCode == wrong {
		wrong = "111111"
	}
	_, err = c.Token(ctx, sm, o, wrong, nil)
	var e *oid4vci.Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, "invalid_grant", e.Code)
	assert.Contains(t, e.Error(), "/token: HTTP 400: invalid_grant")

	tok, err := c.Token(ctx, sm, o, txCode, nil)
	require.NoError(t, err)
	_, err = c.Credential(ctx, md, tok, "no-such-configuration", []oid4vci.Signer{generate(t, keys.EdDSA)})
	assert.ErrorIs(t, err, oid4vci.ErrOffer)
	_, err = c.Credential(ctx, md, tok, "residency-status-v1", nil)
	assert.Error(t, err, "no holder key")

	// Metadata that names another issuer is refused (§12.2.2).
	_, _, err = c.Metadata(ctx, l.srv.URL+"/other", "")
	assert.Error(t, err)

	// An https-only client refuses the loopback issuer outright.
	strict := oid4vci.New(oid4vci.Config{})
	_, err = strict.ResolveOffer(ctx, byValue)
	assert.ErrorIs(t, err, oid4vci.ErrOffer)
	assert.Contains(t, err.Error(), "is not https")
}

func TestParseOffer(t *testing.T) {
	good := `{"credential_issuer":"https://gwanak.example","credential_configuration_ids":["a","b"],
		"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c0de",
		"tx_code":{"input_mode":"numeric","length":6,"description":"문자로 받은 번호"}}}}`
	o, err := oid4vci.ParseOffer([]byte(good), false)
	require.NoError(t, err)
	assert.Equal(t, &oid4vci.Offer{CredentialIssuer: "https://gwanak.example", ConfigurationIDs: []string{"a", "b"}, PreAuthorizedCode: "c0de",
		TxCode: &oid4vci.TxCode{InputMode: "numeric", Length: 6, Description: "문자로 받은 번호"}}, o)
	assert.NoError(t, o.TxCode.Check("123456"))
	assert.Error(t, o.TxCode.Check("12345"))
	assert.Error(t, o.TxCode.Check("12345a"))

	pre := func(inner string) string {
		return `{"credential_issuer":"https://gwanak.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":` + inner + `}}`
	}
	for name, doc := range map[string]string{
		"not JSON":                 `{`,
		"duplicate member":         `{"credential_issuer":"https://a.example","credential_issuer":"https://b.example"}`,
		"http issuer":              strings.Replace(good, "https://", "http://", 1),
		"issuer with fragment":     strings.Replace(good, "gwanak.example", "gwanak.example#x", 1),
		"no configurations":        `{"credential_issuer":"https://gwanak.example","credential_configuration_ids":[]}`,
		"configuration twice":      strings.Replace(good, `["a","b"]`, `["a","a"]`, 1),
		"no grants":                `{"credential_issuer":"https://gwanak.example","credential_configuration_ids":["a"]}`,
		"authorization code only":  `{"credential_issuer":"https://gwanak.example","credential_configuration_ids":["a"],"grants":{"authorization_code":{}}}`,
		"no code":                  pre(`{}`),
		"tx_code not an object":    pre(`{"pre-authorized_code":"c","tx_code":6}`),
		"tx_code bad input mode":   pre(`{"pre-authorized_code":"c","tx_code":{"input_mode":"voice"}}`),
		"tx_code bad length":       pre(`{"pre-authorized_code":"c","tx_code":{"length":0}}`),
		"tx_code long description": pre(`{"pre-authorized_code":"c","tx_code":{"description":"` + strings.Repeat("가", 301) + `"}}`),
		"authorization_server":     pre(`{"pre-authorized_code":"c","authorization_server":"ftp://as.example"}`),
		"too long":                 `{"x":"` + strings.Repeat("a", 20000) + `"}`,
	} {
		_, err := oid4vci.ParseOffer([]byte(doc), false)
		assert.ErrorIs(t, err, oid4vci.ErrOffer, name)
	}
}

func TestParseOfferURI(t *testing.T) {
	byValue := "openid-credential-offer://?credential_offer=" + url.QueryEscape(`{"credential_issuer":"https://gwanak.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c"}}}`)
	ref, err := oid4vci.ParseOfferURI(byValue, false)
	require.NoError(t, err)
	require.NotNil(t, ref.Offer)
	assert.Equal(t, "c", ref.Offer.PreAuthorizedCode)
	assert.Nil(t, ref.Offer.TxCode)

	ref, err = oid4vci.ParseOfferURI("openid-credential-offer://?credential_offer_uri="+url.QueryEscape("https://gwanak.example/offers/1"), false)
	require.NoError(t, err)
	assert.Equal(t, "https://gwanak.example/offers/1", ref.URI)

	for name, uri := range map[string]string{
		"nothing":           "openid-credential-offer://",
		"both":              byValue + "&credential_offer_uri=https%3A%2F%2Fa.example",
		"twice":             byValue + "&credential_offer=x",
		"http reference":    "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape("http://gwanak.example/offers/1"),
		"bad query":         "openid-credential-offer://?credential_offer=%zz",
		"reference no host": "openid-credential-offer://?credential_offer_uri=https%3A%2F%2F",
	} {
		_, err := oid4vci.ParseOfferURI(uri, false)
		assert.ErrorIs(t, err, oid4vci.ErrOffer, name)
	}
	_, err = oid4vci.ParseOfferURI("openid-credential-offer://?credential_offer_uri="+url.QueryEscape("http://127.0.0.1:8080/offers/1"), true)
	assert.NoError(t, err, "http on loopback when allowed")
}

func FuzzParseOfferURI(f *testing.F) {
	for _, s := range []string{
		"openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fa.example%22%2C%22credential_configuration_ids%22%3A%5B%22a%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%2C%22tx_code%22%3A%7B%22length%22%3A6%7D%7D%7D%7D",
		"openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo",
		"", "?", "://", "openid-credential-offer://?credential_offer=null",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := oid4vci.ParseOfferURI(s, false)
		if err != nil {
			if !errors.Is(err, oid4vci.ErrOffer) {
				t.Fatalf("an error that is not ErrOffer: %v", err)
			}
			return
		}
		if (ref.Offer == nil) == (ref.URI == "") {
			t.Fatal("exactly one of Offer and URI")
		}
		if ref.Offer != nil && (len(ref.Offer.ConfigurationIDs) == 0 || ref.Offer.PreAuthorizedCode == "" || !strings.HasPrefix(ref.Offer.CredentialIssuer, "https://")) {
			t.Fatalf("accepted an incomplete offer: %+v", ref.Offer)
		}
	})
}
