package city_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/w3c"
)

// Every issuer of the city serves the VC-API at /w3c as its did:seoul:
// City Hall issues a W3C citizen card to a back-office operator, which
// verifies; revoked, it does not; a type the ledger does not authorise is
// refused; after a key rotation, what the new key issues verifies, and so
// does what the old one did (a Data Integrity proof by its created time, a
// vc+jwt by its validFrom: the key history on the ledger).
func TestIssuersServeW3C(t *testing.T) {
	c := startCity(t, t.TempDir())
	hall, _ := c.Service("city-hall")
	tok, err := os.ReadFile(hall.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	api := hall.URL + "/w3c"
	post := func(path, auth string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, api+path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		// No kept-alive connection: the rotation restarts the issuer.
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	card, _ := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	issueAt := func(path, id string) map[string]any {
		t.Helper()
		cred, err := w3c.FromCatalogue(card, hall.DID, "did:example:jeong", card.Example(), api+"/schemas", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cred["id"] = id
		code, m := post(path, token, map[string]any{"credential": cred})
		if code != http.StatusCreated {
			t.Fatalf("issue: %d %v", code, m)
		}
		return m["verifiableCredential"].(map[string]any)
	}
	issue := func(id string) map[string]any { return issueAt("/credentials/issue", id) }
	verify := func(vc map[string]any) (int, map[string]any) {
		t.Helper()
		return post("/credentials/verify", "", map[string]any{"verifiableCredential": vc})
	}
	first := issue("urn:uuid:card-1")
	enveloped := issueAt("/issuers/agency-vc-jwt/credentials/issue", "urn:uuid:card-jwt")
	if code, m := verify(first); code != http.StatusOK {
		t.Fatalf("verify: %d %v", code, m)
	}
	if code, _ := post("/credentials/issue", "not-an-operator", map[string]any{"credential": map[string]any{}}); code != http.StatusUnauthorized {
		t.Errorf("a stranger's token: %d", code)
	}
	med, _ := schemas.Default().Lookup("urn:seoulid:vct:medication-list:1")
	other, _ := w3c.FromCatalogue(med, hall.DID, "", med.Example(), api+"/schemas", time.Now())
	if code, m := post("/credentials/issue", token, map[string]any{"credential": other}); code != http.StatusBadRequest || !strings.Contains(m["message"].(string), "does not authorise") {
		t.Errorf("a type City Hall may not issue: %d %v", code, m)
	}

	// A key rotation: the API signs with the new key, and both verify.
	if _, err := c.RotateKey(context.Background(), "city-hall"); err != nil {
		t.Fatal(err)
	}
	second := issue("urn:uuid:card-2")
	if !strings.HasSuffix(second["proof"].(map[string]any)["verificationMethod"].(string), "#key-2") {
		t.Errorf("after the rotation: %v", second["proof"])
	}
	for _, vc := range []map[string]any{first, second, enveloped} {
		if code, m := verify(vc); code != http.StatusOK {
			t.Errorf("after the rotation: %d %v", code, m)
		}
	}
	// Revoked, the first card no longer verifies.
	code, m := post("/credentials/status", token, map[string]any{"credentialId": "urn:uuid:card-1",
		"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}})
	if code != http.StatusOK {
		t.Fatalf("revoke: %d %v", code, m)
	}
	if code, m := verify(first); code != http.StatusBadRequest || !strings.Contains(m["message"].(string), "revoked") {
		t.Errorf("a revoked card: %d %v", code, m)
	}
	// The ledger holds the lists: a verifier that reads nothing else sees
	// the revocation, and the second card valid.
	onLedger := w3c.VerifyOptions{Status: w3c.LedgerStatus{Ledger: c.Remote()}}
	if _, err := w3c.Verify(context.Background(), first, c.Remote(), onLedger); !errors.Is(err, w3c.ErrRevoked) {
		t.Errorf("the revoked card, by the ledger's list: %v", err)
	}
	if v, err := w3c.Verify(context.Background(), second, c.Remote(), onLedger); err != nil || !slices.Contains(v.Checks, "credentialStatus") {
		t.Errorf("the second card, by the ledger's list: %v %v", v, err)
	}
}
