package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/verifier"
	vserver "github.com/seoulid/seoulid/verifier/server"
	"github.com/seoulid/seoulid/verifier/store/sqlite"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
)

// jsPresenter runs conformance/interop/oid4vp-wallet.mjs, an OpenID4VP 1.0
// wallet built on the OpenWallet Foundation's OpenID4VP client
// (Openid4vpClient of @openid4vc/openid4vp) and sd-jwt-js.
type jsPresenter struct {
	node string
}

// jsPresented is what oid4vp-wallet.mjs prints: what the library resolved
// and checked, what the wallet disclosed, and the Verifier's answer.
type jsPresented struct {
	ClientID     string   `json:"clientId"`
	ResponseMode string   `json:"responseMode"`
	Purpose      string   `json:"purpose"`
	Asked        [][]any  `json:"asked"`
	Disclosed    []string `json:"disclosed"` // an array element's Disclosure has no name: ""
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

// newJSPresenter finds node and the pinned @openid4vc/openid4vp and
// @sd-jwt/sd-jwt-vc, failing the test, not skipping it, when one is
// missing or the installed version is not the pinned one.
func newJSPresenter(t *testing.T) *jsPresenter {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: %s", interopHint)
	}
	require.NotEmpty(t, interopDir, "the test's working directory could not be read")
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(interopDir, "package.json"))
	require.NoError(t, err, "conformance/interop/package.json")
	require.NoError(t, json.Unmarshal(b, &pkg))
	for _, lib := range []string{"@openid4vc/openid4vp", "@sd-jwt/sd-jwt-vc"} {
		var installed struct {
			Version string `json:"version"`
		}
		b, err := os.ReadFile(filepath.Join(interopDir, "node_modules", lib, "package.json"))
		if err != nil {
			t.Fatalf("%s is not installed in conformance/interop/node_modules: %s", lib, interopHint)
		}
		require.NoError(t, json.Unmarshal(b, &installed))
		if want := pkg.Dependencies[lib]; installed.Version != want {
			t.Fatalf("node_modules has %s %s, package.json pins %s: run (cd conformance/interop && npm ci)", lib, installed.Version, want)
		}
	}
	return &jsPresenter{node: node}
}

// present runs the wallet with a JSON request (see oid4vp-wallet.mjs) and
// returns what it printed. The wallet exits 0 whatever the Verifier
// answered; a failure — the library refusing the request, which is where
// a non-conformance of the Verifier would show — fails the test with the
// library's words.
func (p *jsPresenter) present(t *testing.T, req map[string]any) *jsPresented {
	t.Helper()
	in, err := json.Marshal(req)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.node, filepath.Join(interopDir, "oid4vp-wallet.mjs"))
	cmd.Dir = interopDir
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("node oid4vp-wallet.mjs: %v", err)
	}
	require.NoError(t, err, "the independent wallet failed: %s", strings.TrimSpace(errOut.String()))
	var got jsPresented
	require.NoError(t, json.Unmarshal(out.Bytes(), &got), "oid4vp-wallet.mjs printed: %s", out.Bytes())
	return &got
}

// memberCardClaims is a Seoul Citizen Card of a member of the Seoul
// Library (SEOUL-LIB-0001) and of a sports centre.
const memberCardClaims = `{"name": "박서준", "birthdate": "1994-11-02", "age_over_14": true, "age_over_19": true,
 "age_over_65": false, "resident_of_seoul": true, "district": "관악구",
 "facility_memberships": [
  {"facility_id": "SEOUL-LIB-0001", "facility_name": "서울도서관", "kind": "library", "member_since": "2019-03-15"},
  {"facility_id": "GWANAK-SPT-0003", "facility_name": "관악구민종합체육센터", "kind": "sports", "member_since": "2025-01-06"}]}`

// otherCardClaims is a Seoul Citizen Card of a resident who is a member of
// a youth centre only.
const otherCardClaims = `{"name": "최유나", "birthdate": "2008-08-21", "age_over_14": true, "age_over_19": false,
 "age_over_65": false, "resident_of_seoul": true, "district": "관악구",
 "facility_memberships": [
  {"facility_id": "GWANAK-YTH-0002", "facility_name": "관악청소년센터", "kind": "youth_centre", "member_since": "2023-07-10"}]}`

// jsWalletPresents is verifierSteps' part for an independent wallet: the
// OpenWallet Foundation's OpenID4VP client (conformance/interop/
// oid4vp-wallet.mjs, run by node) answers requests of the facility-entry
// programme that the portal API of the verifier at base — the running
// "seoulid verifier serve" — starts, with Seoul Citizen Cards that the
// running "seoulid issuer serve" of TestIssuerAgainstNode issues, and the
// portal API gives the decision it got, with its reasons.
//
// It runs in verifierSteps' directory: w is the citizen's wallet (its card
// says which issuer the city runs), iss/operator-token the issuer's
// operator token, ver/verifier.jwk the verifier's key.
//
// The library resolves the request (the request object fetched by POST to
// its request_uri, typ oauth-authz-req+jwt, signed by a key of the
// Verifier's DID — found through the DID Resolution HTTP binding over the
// ledger — client_id prefix decentralized_identifier), the script answers
// the DCQL query with sd-jwt-js (the Disclosures asked for, a KB-JWT for
// the client_id and the nonce), and the library posts the response,
// encrypted to the Verifier's key from client_metadata for
// direct_post.jwt. Checked:
//
//   - a member of the library is eligible, by direct_post.jwt (the only
//     mode "verifier serve" makes requests in), with the verifier's signed
//     acknowledgement and both criteria passed with their reasons;
//   - a resident who is not a member is not eligible, with the reason;
//   - by direct_post, against the same verifier's server (verifier/server,
//     which "verifier serve" runs, with Mode direct_post: the command has
//     no flag for it), with its key and DID, the member is eligible;
//   - refused, with HTTP 400 and the error invalid_request, and the
//     request's state "refused" with the failed check as its reason: a
//     KB-JWT for another audience, one with another nonce, and a card
//     signed by a DID that is on the ledger but not authorised to issue
//     it. (OpenID4VP 1.0 §8.2 asks for 200 when the Response Endpoint has
//     processed a response and names no error for one it refuses; seoulid
//     answers in the OAuth 2.0 error form, RFC 6749 §5.2, with a code of
//     §8.5.)
func jsWalletPresents(t *testing.T, s *session, base string) {
	js := newJSPresenter(t) // fails, not skips, without node or the npm packages
	ctx := context.Background()
	remote, err := node.Dial(s.node)
	require.NoError(t, err)
	resolver := serveDIDResolution(t, remote)

	// The issuer the citizen's wallet got its card from issues two more
	// cards, each to a fresh key whose private half the JS wallet gets.
	list := s.ok("wallet list --data-dir w --pin-file pin --node %s --json", s.node)
	issuerURL := get(t, list, "credentials", 0, "issuer_url").(string)
	issuerDID := get(t, list, "credentials", 0, "issuer").(string)
	issue := func(claims string, alg keys.Algorithm) map[string]any {
		require.NoError(t, os.WriteFile("js-card.json", []byte(claims), 0o600))
		offer := s.ok("issuer offer --issuer %s --token-file iss/operator-token --type seoul-citizen-card --claims js-card.json --json", issuerURL)
		holder, err := keys.Generate(alg)
		require.NoError(t, err)
		client := wci.New(wci.Config{AllowHTTP: true})
		o, err := client.ResolveOffer(ctx, offer["offer_uri"].(string))
		require.NoError(t, err)
		got, err := client.Redeem(ctx, o, "", offer["tx_code"].(string), []wci.Signer{holder}, nil)
		require.NoError(t, err)
		require.Len(t, got.Credentials, 1)
		return map[string]any{"credential": got.Credentials[0], "holderJwk": holder.PrivateJWK()}
	}
	member := issue(memberCardClaims, keys.ES256)
	other := issue(otherCardClaims, keys.EdDSA)

	key, verifierDID, _, err := (&app{}).serviceKey("ver", "", verifierKeyFile, "verifier")
	require.NoError(t, err)
	facilityEntry := map[string]any{"programme": "citizen-card-facility-entry", "parameters": map[string]string{"facility_id": "SEOUL-LIB-0001"}}
	// present starts a request at the verifier at vURL through its portal
	// API, has the JS wallet answer it with card, and returns what the
	// wallet printed and the request's status from the portal API.
	present := func(vURL string, card map[string]any, tamper string) (*jsPresented, map[string]any) {
		var started map[string]any
		apiJSON(t, http.MethodPost, vURL+"/api/requests?qr=false", facilityEntry, http.StatusCreated, &started)
		uri := started["uri"].(string)
		require.Contains(t, uri, "client_id="+url.QueryEscape("decentralized_identifier:"+verifierDID))
		req := map[string]any{"uri": uri, "resolver": resolver, "credential": card["credential"], "holderJwk": card["holderJwk"]}
		if tamper != "" {
			req["tamper"] = tamper
		}
		got := js.present(t, req)
		var status map[string]any
		apiJSON(t, http.MethodGet, vURL+"/api/requests/"+url.PathEscape(started["id"].(string))+"?wait=10s", nil, http.StatusOK, &status)
		require.Equal(t, started["id"], status["id"])
		return got, status
	}
	// accepted checks what the library resolved and did and that the
	// verifier acknowledged the response by a signed receipt.
	accepted := func(got *jsPresented, mode string, memberships int) {
		t.Helper()
		require.Equal(t, http.StatusOK, got.Status, "the verifier answered: %v", got.Body)
		require.Equal(t, "decentralized_identifier:"+verifierDID, got.ClientID)
		require.True(t, got.Features.SignedRequest)
		require.Equal(t, verifierDID+"#key-1", got.Features.RequestObjectKey, "the library checked the request object with the key the ledger gives the verifier's DID")
		require.Equal(t, "post", got.Features.RequestURIMethod, "the request object was fetched by POST with the wallet's metadata (§5.10)")
		require.Equal(t, 100, got.Features.Version, "the library reads the request as OpenID4VP 1.0 final")
		require.Equal(t, mode, got.ResponseMode)
		require.Equal(t, mode == vp.ResponseModeDirectPostJWT, got.Features.Encrypted)
		require.Equal(t, "citizen-card-facility-entry", got.Purpose)
		require.Equal(t, [][]any{{"resident_of_seoul"}, {"facility_memberships", nil, "facility_id"}}, got.Asked, "the first of the query's claim_sets")
		require.Equal(t, []string{"card"}, got.Answered)
		disclosed := []string{"resident_of_seoul", "facility_memberships"}
		for range memberships {
			disclosed = append(disclosed, "") // each membership, disclosed whole
		}
		require.ElementsMatch(t, disclosed, got.Disclosed, "exactly the Disclosures of what was asked: not the name, birthdate, district or age predicates")
		receipt, _ := got.Body["receipt"].(string)
		tok, err := jws.Parse(receipt, jws.Limits{})
		require.NoError(t, err, "the verifier's acknowledgement")
		require.Equal(t, verifier.AckType, tok.HeaderString("typ"))
		require.NoError(t, tok.Verify(key.Public(), []keys.Algorithm{key.Algorithm()}), "signed by the verifier's key")
	}
	// decided checks the portal API's decision: the outcome, and each
	// criterion's outcome with its reason in both languages.
	decided := func(status map[string]any, outcome string, criteria map[string][2]string) {
		t.Helper()
		require.Equal(t, "decided", status["state"], "%v", status)
		require.Equal(t, "citizen-card-facility-entry", get(t, status, "decision", "programme"))
		require.Equal(t, outcome, get(t, status, "decision", "outcome"))
		got := map[string][2]string{}
		for i := range get(t, status, "decision", "criteria").([]any) {
			id := get(t, status, "decision", "criteria", i, "id").(string)
			got[id] = [2]string{get(t, status, "decision", "criteria", i, "outcome").(string), get(t, status, "decision", "criteria", i, "reason", "en").(string)}
			require.NotEmpty(t, get(t, status, "decision", "criteria", i, "reason", "ko"))
		}
		require.Equal(t, criteria, got)
	}
	resident := [2]string{"passed", "The Seoul Citizen Card confirms Seoul residence."}

	// A member, by direct_post.jwt to "verifier serve": eligible.
	got, status := present(base, member, "")
	accepted(got, vp.ResponseModeDirectPostJWT, 2)
	decided(status, "eligible", map[string][2]string{"seoul_resident": resident, "member": {"passed", "A member of this facility."}})
	t.Logf("the independent wallet got %q by %s (OpenID4VP version %d, request object by %s, signed by %s)",
		get(t, status, "decision", "outcome"), got.ResponseMode, got.Features.Version, got.Features.RequestURIMethod, got.Features.RequestObjectKey)

	// A resident who is not a member: not eligible, and the reason says so.
	got, status = present(base, other, "")
	accepted(got, vp.ResponseModeDirectPostJWT, 1)
	decided(status, "not_eligible", map[string][2]string{"seoul_resident": resident, "member": {"failed", "Not a member of this facility: join at the facility first."}})

	// By direct_post: the same verifier's server, key and DID, making its
	// requests in that mode.
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "verifier.db"))
	require.NoError(t, err)
	defer st.Close()
	cat, err := loadProgrammes("")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainURL := "http://" + ln.Addr().String()
	plain, err := vserver.New(vserver.Config{Key: key, DID: verifierDID, URL: plainURL, Programmes: cat, Store: st, Ledger: remote, Mode: vp.ResponseModeDirectPost})
	require.NoError(t, err)
	hs := &http.Server{Handler: plain, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	got, status = present(plainURL, member, "")
	accepted(got, vp.ResponseModeDirectPost, 2)
	decided(status, "eligible", map[string][2]string{"seoul_resident": resident, "member": {"passed", "A member of this facility."}})

	// Refused: the wallet is told invalid_request, and the portal says why.
	refused := func(got *jsPresented, status map[string]any, check verifier.Check, why string) {
		t.Helper()
		require.Equal(t, http.StatusBadRequest, got.Status, "%v", got.Body)
		require.Equal(t, string(vp.ErrInvalidRequest), got.Body["error"], "%v", got.Body)
		require.NotContains(t, got.Body, "receipt")
		require.Equal(t, "refused", status["state"], "%v", status)
		require.Nil(t, status["decision"], "nothing is decided on a refused response")
		require.Contains(t, got.Body["error_description"], "check "+string(check)+" failed", "the wallet is told which check failed")
		require.Contains(t, status["reason"], why)
	}
	for tamper, why := range map[string]string{
		"aud":   `KB-JWT audience is "decentralized_identifier:did:example:someone-else", expected "decentralized_identifier:` + verifierDID + `"`,
		"nonce": "KB-JWT nonce does not match the nonce of this transaction",
	} {
		got, status = present(base, member, tamper)
		refused(got, status, verifier.CheckKeyBinding, why)
	}

	// A card signed by a DID the agency put on the ledger but the council
	// never authorised to issue it.
	s.ok("keys generate --alg ES256 --out rogue.jwk")
	rogueDID := s.ok("registry did create --key net/agencies/seoul.jwk --new-key rogue.jwk")["did"].(string)
	require.NotEqual(t, issuerDID, rogueDID)
	rogue, err := (&app{}).readPrivateKey("rogue.jwk", "key")
	require.NoError(t, err)
	holder, err := keys.Generate(keys.ES256)
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal([]byte(memberCardClaims), &claims))
	forged, err := sdjwtvc.Issue(ctx, rogue.WithKeyID(rogueDID+"#key-1"), sdjwtvc.Credential{
		VCT: "urn:seoulid:vct:seoul-citizen-card:1", Issuer: rogueDID, Holder: holder.Public(), Claims: claims,
		Disclosable: []sdjwt.Path{{"resident_of_seoul"}, {"facility_memberships"}, {"facility_memberships", nil}},
	}, sdjwtvc.IssueOptions{})
	require.NoError(t, err)
	got, status = present(base, map[string]any{"credential": forged.String(), "holderJwk": holder.PrivateJWK()}, "")
	refused(got, status, verifier.CheckIssuer, "the ledger does not authorise "+rogueDID+" to issue urn:seoulid:vct:seoul-citizen-card:1")
}

// serveDIDResolution serves the W3C DID Resolution HTTP(S) binding that
// "node start --http" serves (GET /1.0/identifiers/{did}), over the RPC of
// the node of TestIssuerAgainstNode, which runs without --http, and
// returns its base URL.
func serveDIDResolution(t *testing.T, remote *node.Remote) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /1.0/identifiers/{did}", func(w http.ResponseWriter, r *http.Request) {
		doc, err := ledgerResolver{remote}.Resolve(r.Context(), r.PathValue("did"))
		switch {
		case errors.Is(err, did.ErrNotFound):
			http.NotFound(w, r)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/did+json")
		json.NewEncoder(w).Encode(doc)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// apiJSON sends a JSON body (none if nil) to a portal API endpoint,
// requires the status want and decodes the answer into out.
func apiJSON(t *testing.T, method, u string, body any, want int, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw), "%s %s", method, u)
	require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, u, raw)
	require.NoError(t, json.Unmarshal(raw, out), fmt.Sprintf("%s %s", method, u))
}
