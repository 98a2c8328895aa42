package oid4vci_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFixture(t)
	names := schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}
	otherKid := f.key.Public().WithKeyID("did:seoul:another-office#key-1")
	for name, tc := range map[string]struct {
		is  *issuer.Issuer
		cfg oid4vci.Config
	}{
		"no issuer":            {nil, oid4vci.Config{PublicKey: f.key.Public(), Name: names}},
		"no key":               {f.is, oid4vci.Config{Name: names}},
		"a key of another DID": {f.is, oid4vci.Config{PublicKey: otherKid, Name: names}},
		"a key without kid":    {f.is, oid4vci.Config{PublicKey: f.key.Public().WithKeyID(""), Name: names}},
		"no English name":      {f.is, oid4vci.Config{PublicKey: f.key.Public(), Name: schemas.Text{schemas.Korean: "관악구청"}}},
		"no names":             {f.is, oid4vci.Config{PublicKey: f.key.Public()}},
	} {
		if h, err := oid4vci.New(tc.is, tc.cfg); err == nil || h != nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIssuerURLWithPath: an issuer whose identifier has a path has its
// metadata at the well-known prefix followed by that path (§12.2.2,
// RFC 8414 §3.1) and its endpoints under the path.
func TestIssuerURLWithPath(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	k, _ := keys.Generate(keys.ES256)
	k = k.WithKeyID(issuerDID + "#k")
	is, err := issuer.New(k, store, &trust{allowed: map[string]bool{}}, nil, nil, issuer.Config{
		URL: "https://city.example/districts/gwanak/", DID: issuerDID, Types: []string{resVCT},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := oid4vci.New(is, oid4vci.Config{PublicKey: k.Public(), Name: schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(method, path string) (int, map[string]any) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		m, _ := jsonx.ParseObject(w.Body.Bytes())
		return w.Code, m
	}
	code, meta := get("GET", "/.well-known/openid-credential-issuer/districts/gwanak")
	if code != 200 || meta["credential_issuer"] != "https://city.example/districts/gwanak" || meta["credential_endpoint"] != "https://city.example/districts/gwanak/credential" {
		t.Fatalf("metadata: %d %v", code, meta)
	}
	configs, _ := meta["credential_configurations_supported"].(map[string]any)
	if algs := configs["residency-status-v1"].(map[string]any)["credential_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != "ES256" {
		t.Errorf("signing algs %v", algs)
	}
	if code, as := get("GET", "/.well-known/oauth-authorization-server/districts/gwanak"); code != 200 || as["token_endpoint"] != "https://city.example/districts/gwanak/token" {
		t.Errorf("as metadata: %d %v", code, as)
	}
	if code, vc := get("GET", "/.well-known/jwt-vc-issuer/districts/gwanak"); code != 200 || vc["issuer"] != "https://city.example/districts/gwanak" {
		t.Errorf("jwt-vc-issuer: %d %v", code, vc)
	}
	for _, p := range []string{"/.well-known/openid-credential-issuer", "/token", "/districts/gwanak/.well-known/openid-credential-issuer"} {
		if code, _ := get("GET", p); code != 404 {
			t.Errorf("%s: %d", p, code)
		}
	}
	if code, res := get("POST", "/districts/gwanak/nonce"); code != 200 || res["c_nonce"] == "" || res["c_nonce"] == nil {
		t.Errorf("nonce: %d %v", code, res)
	}
	if code, _ := get("GET", "/districts/gwanak/status-lists/1"); code != 200 {
		t.Errorf("status list: %d", code)
	}
}

// TestServerErrorsStayInside: a failure of the store is 500 server_error
// on the wire, with its cause in the log and nowhere else.
func TestServerErrorsStayInside(t *testing.T) {
	f := newFixture(t)
	var logged bytes.Buffer
	h, err := oid4vci.New(f.is, oid4vci.Config{
		PublicKey: f.key.Public(), Name: schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"},
		Logger: slog.New(slog.NewTextHandler(&logged, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/nonce", nil))
	body := w.Body.String()
	if w.Code != 500 || body != `{"error":"server_error","error_description":"the issuer failed; the cause is in its log"}` {
		t.Errorf("%d %s", w.Code, body)
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "sql") {
		t.Errorf("log: %s", logged.String())
	}
}
