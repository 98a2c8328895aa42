package interop_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	verifiersqlite "github.com/seoulid/seoulid/verifier/store/sqlite"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
)

// jsPresented is what oid4vp-wallet.mjs prints.
type jsPresented struct {
	ClientID     string   `json:"clientId"`
	ResponseMode string   `json:"responseMode"`
	Purpose      string   `json:"purpose"`
	Asked        [][]any  `json:"asked"`
	Disclosed    []string `json:"disclosed"`
	Answered     []string `json:"answered"`
	Features     struct {
		SignedRequest    bool   `json:"signedRequest"`
		RequestObjectKey string `json:"requestObjectKey"`
		RequestURIMethod string `json:"requestUriMethod"`
		Version          int    `json:"version"`
		Encrypted        bool   `json:"encrypted"`
	} `json:"features"`
	Status int            `json:"status"`
	Body   map[string]any `json:"body"`
}

// TestJSWalletAgainstVerifier: a Wallet built on the OpenWallet
// Foundation's OpenID4VP client (@openid4vc/openid4vp) and sd-jwt-js gets a
// decision from seoulid's verifier — the one "seoulid verifier serve" and
// "seoulid up" run — with a Citizen Card issued by a seoulid issuer over
// OpenID4VCI: by direct_post.jwt (the verifier's default) and by
// direct_post, and is refused, with the specification's error, when its
// key binding names another audience or nonce.
func TestJSWalletAgainstVerifier(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a city")
	}
	node, dir := requireNode(t, "@openid4vc/openid4vp", "@sd-jwt/sd-jwt-vc")
	ctx := context.Background()
	data := t.TempDir()
	c, err := city.Start(ctx, city.Config{DataDir: data, FirstPort: -1, BlockInterval: 500 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	res, _ := c.Service("resolver")
	hall, _ := c.Service("city-hall")
	lib, _ := c.Service("seoul-library")

	// An issuer of the city issues a credential over OpenID4VCI to a key
	// whose private half the JS wallet gets.
	client := wci.New(wci.Config{AllowHTTP: true})
	issue := func(issuer, vct string, claims map[string]any) map[string]any {
		s, _ := c.Service(issuer)
		tok, err := os.ReadFile(s.TokenFile)
		require.NoError(t, err)
		var offer struct {
			OfferURI string `json:"offer_uri"`
			TxCode   string `json:"tx_code"`
		}
		postJSON(t, s.URL+"/admin/v1/offers?qr=false", strings.TrimSpace(string(tok)), map[string]any{"vct": vct, "claims": claims}, &offer)
		holder, err := keys.Generate(keys.ES256)
		require.NoError(t, err)
		holder = holder.WithKeyID("holder")
		o, err := client.ResolveOffer(ctx, offer.OfferURI)
		require.NoError(t, err)
		redeemed, err := client.Redeem(ctx, o, "", offer.TxCode, []wci.Signer{holder}, nil)
		require.NoError(t, err)
		require.Len(t, redeemed.Credentials, 1)
		return map[string]any{"credential": redeemed.Credentials[0], "holderJwk": holder.PrivateJWK()}
	}
	card := issue(hall.Slug, "urn:seoulid:vct:seoul-citizen-card:1", cardClaims())

	// A second verifier with the library's key, DID and registered
	// purposes, answering by direct_post.
	libKey, err := os.ReadFile(filepath.Join(data, "verifiers", "seoul-library", "key.jwk"))
	require.NoError(t, err)
	k, err := keys.ParsePrivateJWK(libKey)
	require.NoError(t, err)
	st, err := verifiersqlite.Open(ctx, filepath.Join(t.TempDir(), "verifier.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	cat, err := programmes.Load()
	require.NoError(t, err)
	only, err := cat.Only("citizen-card-facility-entry")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainURL := "http://" + ln.Addr().String()
	plain, err := vserver.New(vserver.Config{Key: k, DID: lib.DID, URL: plainURL, Programmes: only, Store: st, Ledger: c.Remote(), Mode: vp.ResponseModeDirectPost})
	require.NoError(t, err)
	srv := &http.Server{Handler: plain, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	presentFor := func(verifierURL string, start map[string]any, held []map[string]any, tamper string) (*jsPresented, map[string]any) {
		var started struct{ ID, URI string }
		postJSON(t, verifierURL+"/api/requests?qr=false", "", start, &started)
		req := map[string]any{"uri": started.URI, "resolver": res.URL, "credentials": held}
		if tamper != "" {
			req["tamper"] = tamper
		}
		cmd := exec.Command(node, filepath.Join(dir, "oid4vp-wallet.mjs"))
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(mustJSON(t, req))
		out, err := cmd.Output()
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		require.NoError(t, err, "oid4vp-wallet.mjs: %s", stderr)
		var got jsPresented
		require.NoError(t, json.Unmarshal(out, &got), "%s", out)
		var status map[string]any
		getJSON(t, verifierURL+"/api/requests/"+url.PathEscape(started.ID)+"?wait=10s", &status)
		return &got, status
	}
	entry := map[string]any{"programme": "citizen-card-facility-entry", "parameters": map[string]string{"facility_id": "SEOUL-LIB-0001"}}
	present := func(verifierURL, tamper string) (*jsPresented, map[string]any) {
		return presentFor(verifierURL, entry, []map[string]any{card}, tamper)
	}

	for _, v := range []struct {
		url, mode string
		encrypted bool
	}{{lib.URL, "direct_post.jwt", true}, {plainURL, "direct_post", false}} {
		got, status := present(v.url, "")
		require.Equal(t, http.StatusOK, got.Status, "%+v", got)
		require.Equal(t, v.mode, got.ResponseMode)
		require.Equal(t, v.encrypted, got.Features.Encrypted)
		require.Equal(t, "decentralized_identifier:"+lib.DID, got.ClientID)
		require.Equal(t, lib.DID+"#key-1", got.Features.RequestObjectKey, "the library checked the request object with the key the ledger names")
		require.Equal(t, "post", got.Features.RequestURIMethod)
		require.Equal(t, 100, got.Features.Version, "OpenID4VP 1.0 final")
		require.Equal(t, "citizen-card-facility-entry", got.Purpose)
		require.ElementsMatch(t, []string{"resident_of_seoul", "facility_memberships", "", "", ""}, got.Disclosed,
			"the Disclosures of what was asked: the residence, the list of memberships and each of its elements (which the catalogue discloses whole)")
		require.NotEmpty(t, got.Body["receipt"], "the verifier's signed acknowledgement")
		require.Equal(t, "decided", status["state"], "%v", status)
		decision := status["decision"].(map[string]any)
		require.Equal(t, "eligible", decision["outcome"])
		for _, cr := range decision["criteria"].([]any) {
			crit := cr.(map[string]any)
			require.Equal(t, "passed", crit["outcome"])
			require.NotEmpty(t, crit["reason"].(map[string]any)["ko"])
		}
	}

	// The youth allowance at the welfare portal: five credentials from four
	// issuers, one presentation each, one decision with six reasons.
	person := map[string]any{"name": "정하은", "birthdate": "1999-05-14"}
	today := time.Now().In(time.FixedZone("KST", 9*3600)).Format(time.DateOnly)
	held := []map[string]any{
		issue("gwanak-gu", "urn:seoulid:vct:residency-status:1", example(t, "residency-status", person, map[string]any{"as_of": today, "resident_of_seoul": true})),
		issue("gwanak-gu", "urn:seoulid:vct:welfare-recipient-status:1", example(t, "welfare-recipient-status", person, map[string]any{"as_of": today, "basic_livelihood_recipient": false, "near_poverty": false})),
		issue("uos", "urn:seoulid:vct:enrolment-status:1", example(t, "enrolment-status", person, map[string]any{"as_of": today, "enrolled": false, "on_leave": false, "education_status": "graduated"})),
		issue("comwel", "urn:seoulid:vct:employment-insurance-status:1", example(t, "employment-insurance-status", person, map[string]any{"as_of": today, "insured": false, "contract_months": nil, "weekly_hours": nil})),
		issue("nhis", "urn:seoulid:vct:health-insurance-income-band:1", example(t, "health-insurance-income-band", person, map[string]any{"income_band": map[string]any{"lower_pct": 50, "upper_pct": 75}})),
	}
	portal, _ := c.Service("welfare-portal")
	got, status := presentFor(portal.URL, map[string]any{"programme": "seoul-youth-allowance-2026"}, held, "")
	require.Equal(t, http.StatusOK, got.Status, "%+v", got)
	require.ElementsMatch(t, []string{"residency", "welfare", "enrolment", "employment", "income"}, got.Answered)
	require.Equal(t, "decided", status["state"], "%v", status)
	decision := status["decision"].(map[string]any)
	require.Equal(t, "eligible", decision["outcome"], "%v", decision)
	require.Len(t, decision["criteria"], 6)

	for _, tamper := range []string{"aud", "nonce"} {
		got, status := present(lib.URL, tamper)
		require.Equal(t, http.StatusBadRequest, got.Status, "%s: %+v", tamper, got)
		require.Equal(t, "invalid_request", got.Body["error"], "%s", tamper)
		require.Equal(t, "refused", status["state"], "%s: %v", tamper, status)
		require.Contains(t, status["reason"], "key binding", tamper)
	}
}

// postJSON posts a JSON body, with a bearer token when given, and decodes
// a 201 or 200 answer.
func postJSON(t *testing.T, u, token string, body, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(mustJSON(t, body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, resp.StatusCode, u)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

// example is the catalogue's example of a type (its slug) with fields
// replaced; a nil value removes the field.
func example(t *testing.T, slug string, with ...map[string]any) map[string]any {
	t.Helper()
	ty, err := schemas.Default().Lookup("urn:seoulid:vct:" + slug + ":1")
	require.NoError(t, err)
	m := ty.Example()
	for _, w := range with {
		for k, v := range w {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
	}
	return m
}

// cardClaims is a Seoul Citizen Card that is a member of the Seoul Library.
func cardClaims() map[string]any {
	return map[string]any{"name": "정하은", "birthdate": "1999-05-14", "age_over_14": true, "age_over_19": true, "age_over_65": false,
		"resident_of_seoul": true, "district": "관악구",
		"facility_memberships": []any{
			map[string]any{"facility_id": "SEOUL-LIB-0001", "facility_name": "서울도서관", "kind": "library", "member_since": "2019-03-15"},
			map[string]any{"facility_id": "GWANAK-SPT-0003", "facility_name": "관악구민종합체육센터", "kind": "sports", "member_since": "2025-01-06"},
			map[string]any{"facility_id": "GWANAK-YTH-0002", "facility_name": "관악청소년센터", "kind": "youth_centre", "member_since": "2023-07-10"},
		}}
}
