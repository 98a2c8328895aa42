package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

const (
	resVCT    = "urn:seoulid:vct:residency-status:1"
	walletPIN = "204863"
)

// issuerPeer is what oid4vci-issuer.mjs prints when it is ready.
type issuerPeer struct {
	URL              string `json:"url"`
	DID              string `json:"did"`
	Offer            string `json:"offer"`
	OfferByReference string `json:"offerByReference"`
	TxCode           string `json:"txCode"`
	ConfigurationID  string `json:"configurationId"`
}

// verifierPeer is what oid4vp-verifier.mjs prints when it is ready.
type verifierPeer struct {
	URL      string `json:"url"`
	DID      string `json:"did"`
	ClientID string `json:"clientId"`
	Requests map[string]struct {
		URI    string `json:"uri"`
		Result string `json:"result"`
	} `json:"requests"`
}

// verifierResult is what the verifier's result endpoint says of one request.
type verifierResult struct {
	Status           string `json:"status"`
	Reason           string `json:"reason"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Presentations    map[string][]struct {
		Claims    map[string]any `json:"claims"`
		Disclosed []string       `json:"disclosed"`
		KB        struct {
			Aud   string `json:"aud"`
			Nonce string `json:"nonce"`
		} `json:"kb"`
	} `json:"presentations"`
}

// TestWalletAgainstOWF drives seoulid's Go wallet (package wallet, with its
// wallet/oid4vci and wallet/oid4vp clients) against an OpenID4VCI 1.0
// issuer and an OpenID4VP 1.0 verifier built on the OpenWallet
// Foundation's libraries (oid4vci-issuer.mjs, oid4vp-verifier.mjs): the
// wallet receives a residency-status SD-JWT VC from the JS issuer with the
// tx_code, and presents resident_of_seoul, and nothing else, to the JS
// verifier, which verifies the presentation with sd-jwt-js. A request
// beyond the verifier's registered purpose is refused, and the verifier
// is told access_denied.
func TestWalletAgainstOWF(t *testing.T) {
	node, dir := requireNode(t, "@openid4vc/openid4vci", "@openid4vc/oauth2", "@openid4vc/openid4vp", "@sd-jwt/sd-jwt-vc")
	ctx := context.Background()

	// The catalogue's example of the type, its disclosable claims
	// selectively disclosable.
	ty, err := schemas.Default().Lookup(resVCT)
	require.NoError(t, err)
	example := ty.Example()
	var sd []string
	for _, p := range ty.Disclosable(example) {
		name, ok := p[0].(string)
		require.True(t, ok && len(p) == 1, "the issuer script discloses top-level claims; %s is not one", p)
		sd = append(sd, name)
	}
	require.Contains(t, sd, "resident_of_seoul")
	issuerName := map[string]string{"ko": "인터롭 구청", "en": "Interop District Office"}
	var is issuerPeer
	startNode(t, node, dir, "oid4vci-issuer.mjs", map[string]any{"vct": resVCT, "claims": example, "sd": sd, "name": issuerName}, &is)
	require.True(t, strings.HasPrefix(is.DID, "did:jwk:"), "the JS issuer's DID: %q", is.DID)

	l := wallettest.NewLedger()
	l.Authorise(is.DID, resVCT)
	w, ks := newWallet(t, l)

	// OpenID4VCI: the offer by value, previewed; redeemed by reference.
	preview, err := w.Preview(ctx, is.Offer)
	require.NoError(t, err)
	assert.Equal(t, is.URL, preview.CredentialIssuer)
	assert.Equal(t, []string{is.ConfigurationID}, preview.ConfigurationIDs)
	require.NotNil(t, preview.TxCode)
	assert.Equal(t, 6, preview.TxCode.Length)

	wrong := "000000"
	if is.TxCode == wrong {
		wrong = "111111"
	}
	_, err = w.Receive(ctx, is.OfferByReference, "", wrong)
	var vciErr *oid4vci.Error
	require.True(t, errors.As(err, &vciErr), "a wrong tx_code: %v", err)
	assert.Equal(t, "invalid_grant", vciErr.Code, "the JS issuer refuses a wrong tx_code")

	cred, err := w.Receive(ctx, is.OfferByReference, "", is.TxCode)
	require.NoError(t, err, "the Go wallet receives the JS issuer's credential")
	assert.Equal(t, resVCT, cred.VCT)
	assert.Equal(t, is.DID, cred.Issuer)
	assert.Equal(t, is.URL, cred.IssuerURL)
	assert.Equal(t, is.ConfigurationID, cred.ConfigurationID)
	assert.Equal(t, issuerName, cred.IssuerName)
	requireSame(t, mustJSON(t, example), mustJSON(t, cred.Claims), "the credential's claims are the catalogue example")
	require.NotEmpty(t, cred.Copies)
	require.LessOrEqual(t, len(cred.Copies), 3, "three copies or fewer")
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: l}, sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}})
	require.NoError(t, err)
	holders := map[string]bool{}
	for i, cp := range cred.Copies {
		vc, err := v.VerifyIssued(ctx, cp.SDJWT)
		require.NoError(t, err, "copy %d", i)
		pub, err := ks.Public(ctx, cp.KeyRef)
		require.NoError(t, err, "copy %d's key is in the wallet's key store", i)
		require.NotNil(t, vc.SDJWT.HolderKey)
		assert.Equal(t, pub.Thumbprint(), vc.SDJWT.HolderKey.Thumbprint(), "copy %d is bound to its key", i)
		holders[pub.Thumbprint()] = true
		header, _ := decodeJWT(t, cp.SDJWT)
		assert.Equal(t, "dc+sd-jwt", header["typ"])
		assert.Equal(t, is.DID+"#0", header["kid"])
	}
	assert.Len(t, holders, len(cred.Copies), "one key per copy")

	// What the issuer saw: one credential request, a DPoP-bound token
	// (the issuer offers DPoP), one proof per copy.
	var issued []struct {
		Scheme  string           `json:"scheme"`
		DPoP    bool             `json:"dpop"`
		Holders []map[string]any `json:"holders"`
	}
	getJSON(t, is.URL+"/issued", &issued)
	require.Len(t, issued, 1)
	assert.Equal(t, "DPoP", issued[0].Scheme)
	assert.True(t, issued[0].DPoP)
	assert.Len(t, issued[0].Holders, len(cred.Copies))

	// OpenID4VP: the verifier asks for resident_of_seoul under its
	// registered purpose, and, in another request, for name as well.
	var vr verifierPeer
	startNode(t, node, dir, "oid4vp-verifier.mjs", map[string]any{
		"vct": resVCT, "purpose": "residency-check", "issuers": []string{is.DID},
		"requests": map[string]any{
			"residency":  [][]string{{"resident_of_seoul"}},
			"overasking": [][]string{{"resident_of_seoul"}, {"name"}},
		},
	}, &vr)
	require.Equal(t, "decentralized_identifier:"+vr.DID, vr.ClientID)
	verifierName := map[string]string{"ko": "인터롭 복지포털", "en": "Interop Welfare Portal"}
	l.Register(vr.DID, verifierName, wallet.Purpose{
		ID:          "residency-check",
		Description: map[schemas.Lang]string{schemas.Korean: "서울 거주 확인", schemas.English: "Seoul residency check"},
		Retention:   "P0D",
		Claims:      map[string][]sdjwt.Path{resVCT: wallettest.Paths(t, "resident_of_seoul")},
	})

	t.Run("present to the JS verifier", func(t *testing.T) {
		req := vr.Requests["residency"]
		consent, err := w.Ask(ctx, req.URI)
		require.NoError(t, err, "the Go wallet takes the JS verifier's request")
		assert.Equal(t, vr.DID, consent.Verifier)
		assert.Equal(t, verifierName, consent.VerifierName)
		assert.Equal(t, "residency-check", consent.Purpose.ID)
		require.Len(t, consent.Items, 1)
		it := consent.Items[0]
		assert.Equal(t, "residency", it.QueryID)
		assert.Equal(t, cred.ID, it.Credential.ID)
		require.Len(t, it.Claims, 1)
		assert.Equal(t, "resident_of_seoul", it.Claims[0].Path.String())
		assert.Equal(t, true, it.Claims[0].Value)

		rc, err := w.Approve(ctx, consent, wallet.Approval{PIN: []byte(walletPIN)})
		require.NoError(t, err, "the JS verifier takes the Go wallet's response")
		assert.Equal(t, []wallet.ReceiptItem{{Credential: cred.ID, VCT: resVCT, Claims: []string{"resident_of_seoul", "as_of"}}}, rc.Disclosed,
			"the approved claim, and as_of, which the JS issuer made always visible")
		assert.Empty(t, rc.Acknowledgement, "the JS verifier sends no seoulid acknowledgement")

		var res verifierResult
		getJSON(t, req.Result, &res)
		require.Equal(t, "verified", res.Status, "sd-jwt-js verified the presentation: %s", res.Reason)
		require.Len(t, res.Presentations, 1)
		require.Len(t, res.Presentations["residency"], 1)
		got := res.Presentations["residency"][0]
		assert.Equal(t, []string{"resident_of_seoul"}, got.Disclosed, "exactly one Disclosure reached the verifier")
		assert.Equal(t, true, got.Claims["resident_of_seoul"])
		for _, withheld := range sd {
			if withheld != "resident_of_seoul" {
				assert.NotContains(t, got.Claims, withheld, "only the approved claim is disclosed")
			}
		}
		assert.Equal(t, example["as_of"], got.Claims["as_of"], "as_of is not selectively disclosable")
		assert.Equal(t, is.DID, got.Claims["iss"])
		assert.Equal(t, resVCT, got.Claims["vct"])
		assert.Equal(t, vr.ClientID, got.KB.Aud, "the KB-JWT's aud is the client_id")
		assert.NotEmpty(t, got.KB.Nonce)
		cnf, _ := got.Claims["cnf"].(map[string]any)
		jwk, _ := cnf["jwk"].(map[string]any)
		holder, err := keys.PublicKeyFromJWK(jwk)
		require.NoError(t, err)
		assert.True(t, holders[holder.Thumbprint()], "presented with one of the wallet's copies")
	})

	t.Run("over-asking refused", func(t *testing.T) {
		req := vr.Requests["overasking"]
		_, err := w.Ask(ctx, req.URI)
		require.ErrorIs(t, err, wallet.ErrOverAsking)
		var r *wallet.RequestRefusal
		require.True(t, errors.As(err, &r))
		assert.Contains(t, r.Reason, "asks for name of "+resVCT)
		var res verifierResult
		getJSON(t, req.Result, &res)
		assert.Equal(t, "wallet_error", res.Status, "the JS verifier is told")
		assert.Equal(t, "access_denied", res.Error)
		assert.Empty(t, res.Presentations)
	})
}

// requireNode finds node and requires the named npm packages in
// node_modules at the versions package.json pins; it fails the test, with
// installHint, when either is missing. It returns node and this folder.
func requireNode(t *testing.T, packages ...string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: %s", installHint)
	}
	dir, err = os.Getwd()
	require.NoError(t, err)
	requireModules(t, dir, packages...)
	return node, dir
}

// requireModules requires each package in dir's node_modules, at the
// version dir's package.json pins.
func requireModules(t *testing.T, dir string, packages ...string) {
	t.Helper()
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &pkg))
	for _, name := range packages {
		want, ok := pkg.Dependencies[name]
		require.True(t, ok, "package.json does not pin %s", name)
		var installed struct {
			Version string `json:"version"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			t.Fatalf("%s is not installed in conformance/interop/node_modules: %s", name, installHint)
		}
		require.NoError(t, json.Unmarshal(b, &installed))
		if installed.Version != want {
			t.Fatalf("node_modules has %s %s, package.json pins %s: run (cd conformance/interop && npm ci)", name, installed.Version, want)
		}
	}
}

// startNode starts one of the servers of this folder with a JSON request
// on standard input, decodes the line it prints when ready into ready, and
// kills it when the test ends.
func startNode(t *testing.T, node, dir, script string, req, ready any) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(mustJSON(t, req))
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start(), "node %s", script)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s's standard error:\n%s", script, stderr.String())
		}
	})

	line := make(chan []byte, 1)
	go func() {
		b, _ := bufio.NewReader(stdout).ReadBytes('\n')
		line <- b
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case b := <-line:
		if len(bytes.TrimSpace(b)) == 0 {
			stop()
			t.Fatalf("%s stopped before it was ready: %s", script, strings.TrimSpace(stderr.String()))
		}
		require.NoError(t, json.Unmarshal(b, ready), "%s's first line: %s", script, b)
	case <-time.After(15 * time.Second):
		stop()
		t.Fatalf("%s was not ready within 15 s: %s", script, strings.TrimSpace(stderr.String()))
	}
}

// newWallet is a Go wallet with a fresh store, its software key store and
// OpenID4VCI and OpenID4VP clients that may reach loopback http servers.
func newWallet(t *testing.T, l *wallettest.Ledger) (*wallet.Wallet, *keystore.Software) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(walletPIN), store.Options{Params: store.UnsafeParams(64, 1, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ks := keystore.New(st)
	w, err := wallet.New(st, ks, l, l, oid4vci.New(oid4vci.Config{AllowHTTP: true}), oid4vp.New(l, oid4vp.Config{AllowHTTP: true}), wallet.Config{})
	require.NoError(t, err)
	return w, ks
}

// getJSON fetches a JSON document from one of the servers.
func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", url, b)
	require.NoError(t, json.Unmarshal(b, into), "GET %s: %s", url, b)
}
