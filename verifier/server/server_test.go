package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/verifier/programmes"
	"github.com/seoulid/seoulid/verifier/server"
	"github.com/seoulid/seoulid/verifier/store/sqlite"
)

const verifierDID = "did:seoul:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// noLedger knows nothing: enough to start requests and serve the pages.
type noLedger struct{}

func (noLedger) KeyAt(context.Context, string, did.RelationshipKind, time.Time) (*keys.PublicKey, error) {
	return nil, did.ErrKeyNotFound
}
func (noLedger) IssuerAuthorised(context.Context, string, string) (bool, error) { return false, nil }
func (noLedger) StatusToken(context.Context, string) (string, string, error) {
	return "", "", did.ErrNotFound
}

func TestConfigRequired(t *testing.T) {
	if _, err := server.New(server.Config{}); err == nil {
		t.Error("an empty config was accepted")
	}
}

// The server routes the portal and the wallets' face: a request started
// on the portal's API has its request object at the URI it names.
func TestRoutes(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "verifier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat, err := programmes.Load()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := keys.Generate(keys.EdDSA)
	s, err := server.New(server.Config{Key: k.WithKeyID(verifierDID + "#key-1"), DID: verifierDID, URL: "http://127.0.0.1:8410/",
		Programmes: cat, Store: st, Ledger: noLedger{}, Name: map[string]string{"ko": "복지포털", "en": "Welfare portal"}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/requests?qr=false", strings.NewReader(`{"programme": "clinic-medication-list"}`))
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(w, req)
	if w.Code != http.StatusCreated {
		t.Fatalf("starting a request: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(w.Body.String(), "request_uri=http%3A%2F%2F127.0.0.1%3A8410%2Frequest%2F") {
		t.Fatalf("the request URI does not point at this server's /request/: %s", w.Body)
	}
	id := w.Header().Get("Location")[len("/api/requests/"):]
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/request/"+id, nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/oauth-authz-req+jwt" {
		t.Errorf("the request object: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "복지포털") {
		t.Errorf("the portal page: %d", w.Code)
	}
	if s.Service() == nil {
		t.Error("no service")
	}
}
