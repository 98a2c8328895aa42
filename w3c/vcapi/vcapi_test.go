package vcapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/w3c"
	"github.com/seoulid/seoulid/w3c/vcapi"
)

func handler(t testing.TB) (*vcapi.Handler, string) {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	issuers := map[string]*w3c.Issuer{}
	for _, s := range []string{dataintegrity.EdDSARDFC2022, dataintegrity.EdDSAJCS2022, w3c.JOSE} {
		if issuers[s], err = w3c.NewIssuer(k, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	h, err := vcapi.New(vcapi.Config{Issuers: issuers, Default: dataintegrity.EdDSARDFC2022, Resolver: did.LocalResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	return h, d
}

func post(t testing.TB, h http.Handler, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/ld+json")
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: %d %q is not JSON", path, rec.Code, rec.Body.String())
	}
	if rec.Code >= 400 && out["message"] == nil {
		t.Errorf("%s: %d without a message: %s", path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

func credentialJSON(issuer string) string {
	return `{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],` +
		`"type":["VerifiableCredential"],"issuer":"` + issuer + `","credentialSubject":{"id":"did:example:jeong","residentOf":"Seoul"}}`
}

// Issue with each issuer, then verify what came back; a changed credential
// and a malformed request are 400 (verified false for a verification), an
// unknown issuer 404.
func TestHandler(t *testing.T) {
	h, d := handler(t)
	for _, path := range []string{"/credentials/issue", "/issuers/eddsa-jcs-2022/credentials/issue", "/issuers/vc+jwt/credentials/issue"} {
		code, out := post(t, h, path, `{"credential":`+credentialJSON(d)+`,"options":{}}`)
		if code != http.StatusCreated {
			t.Fatalf("%s: %d %v", path, code, out)
		}
		vc, _ := json.Marshal(out["verifiableCredential"])
		code, res := post(t, h, "/credentials/verify", `{"verifiableCredential":`+string(vc)+`}`)
		if code != http.StatusOK || res["verified"] != true {
			t.Errorf("%s: verify: %d %v", path, code, res)
		}
		changed := bytes.Replace(vc, []byte("Seoul"), []byte("Busan"), 1)
		changed = bytes.Replace(changed, []byte(`"id":"data:application/vc+jwt,ey`), []byte(`"id":"data:application/vc+jwt,eX`), 1)
		if code, res := post(t, h, "/credentials/verify", `{"verifiableCredential":`+string(changed)+`}`); code != http.StatusBadRequest || res["verified"] != false {
			t.Errorf("%s: a changed credential: %d %v", path, code, res)
		}
	}
	for _, c := range []struct {
		path, body string
		want       int
	}{
		{"/credentials/issue", `{"credential":` + credentialJSON("did:example:other") + `}`, http.StatusBadRequest},
		{"/credentials/issue", `{"credential":{"type":"VerifiableCredential"}}`, http.StatusBadRequest},
		{"/credentials/issue", `{"credential":[]}`, http.StatusBadRequest},
		{"/credentials/issue", `{"credential":{},"extra":1}`, http.StatusBadRequest},
		{"/credentials/issue", `{"credential":{},"credential":{}}`, http.StatusBadRequest},
		{"/credentials/issue", `not json`, http.StatusBadRequest},
		{"/issuers/nobody/credentials/issue", `{"credential":{}}`, http.StatusNotFound},
		{"/credentials/verify", `{"verifiableCredential":` + credentialJSON(d) + `}`, http.StatusBadRequest},
		{"/credentials/verify", `{"verifiableCredential":{"@context":["https://example.com/ctx"]}}`, http.StatusBadRequest},
		{"/presentations/verify", `{"verifiablePresentation":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation"},"options":{"challenge":"c"}}`, http.StatusBadRequest},
		{"/presentations/verify", `{"verifiablePresentation":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation"}}`, http.StatusOK},
		{"/presentations/verify", `{"verifiablePresentation":{},"options":{"challenge":1}}`, http.StatusBadRequest},
		{"/nowhere", `{}`, http.StatusNotFound},
	} {
		if code, out := post(t, h, c.path, c.body); code != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.path, c.body, code, out, c.want)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/credentials/verify", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", rec.Code)
	}
	big := `{"verifiableCredential":{"x":"` + strings.Repeat("a", vcapi.MaxBodyBytes) + `"}}`
	if code, _ := post(t, h, "/credentials/verify", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body: %d", code)
	}
}

func FuzzHandler(f *testing.F) {
	h, d := handler(f)
	paths := []string{"/credentials/issue", "/issuers/eddsa-jcs-2022/credentials/issue", "/credentials/verify", "/presentations/verify"}
	f.Add(uint8(0), `{"credential":`+credentialJSON(d)+`}`)
	f.Add(uint8(2), `{"verifiableCredential":`+credentialJSON(d)+`}`)
	f.Add(uint8(3), `{"verifiablePresentation":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiablePresentation","verifiableCredential":[{}]},"options":{"domain":"x"}}`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusOK && strings.Contains(path, "/credentials/verify") {
			var out map[string]any
			if json.Unmarshal(rec.Body.Bytes(), &out) != nil || out["verified"] != true {
				t.Fatalf("200 without verified: %s", rec.Body.String())
			}
		}
	})
}

// Revocation over the VC-API: issue, verify, revoke by credentialId,
// publish, verify again (refused), read the list.
func TestStatusEndpoints(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA)
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	is, _ := w3c.NewIssuer(k, dataintegrity.EdDSARDFC2022, nil)
	lists, err := w3c.OpenStatusLists(t.TempDir()+"/status.json", "https://127.0.0.1/status-lists/a")
	if err != nil {
		t.Fatal(err)
	}
	is.UseStatusLists(lists)
	h, err := vcapi.New(vcapi.Config{Issuers: map[string]*w3c.Issuer{"a": is}, Default: "a", Resolver: did.LocalResolver{},
		Verify: w3c.VerifyOptions{Status: w3c.LocalStatus{Issuers: []*w3c.Issuer{is}}}})
	if err != nil {
		t.Fatal(err)
	}
	cred := strings.Replace(credentialJSON(d), `{"@context"`, `{"id":"urn:uuid:c-1","@context"`, 1)
	code, out := post(t, h, "/credentials/issue", `{"credential":`+cred+`}`)
	if code != http.StatusCreated {
		t.Fatal(code, out)
	}
	vc, _ := json.Marshal(out["verifiableCredential"])
	verify := func() (int, map[string]any) {
		return post(t, h, "/credentials/verify", `{"verifiableCredential":`+string(vc)+`}`)
	}
	if code, res := verify(); code != http.StatusOK {
		t.Fatal(code, res)
	}
	revoke := `{"credentialId":"urn:uuid:c-1","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"}}`
	if code, res := post(t, h, "/credentials/status", revoke); code != http.StatusOK {
		t.Fatal(code, res)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/status-lists/a/revocation/publish", strings.NewReader(`{}`)))
	if rec.Code != http.StatusNoContent {
		t.Errorf("publish: %d", rec.Code)
	}
	if code, res := verify(); code != http.StatusBadRequest || !strings.Contains(res["message"].(string), "revoked") {
		t.Errorf("after revocation: %d %v", code, res)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status-lists/a/revocation", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"BitstringStatusListCredential"`) {
		t.Errorf("the list: %d %s", rec.Code, rec.Body.String())
	}
	for body, want := range map[string]int{
		`{"credentialId":"urn:uuid:nobody","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"}}`:             http.StatusNotFound,
		`{"credentialId":"urn:uuid:c-1","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"},"status":false}`: http.StatusBadRequest,
		`{"credentialId":"urn:uuid:c-1","credentialStatus":{"type":"StatusList2021Entry","statusPurpose":"revocation"}}`:                     http.StatusBadRequest,
		`{"credentialId":"urn:uuid:c-1"}`: http.StatusBadRequest,
	} {
		if code, res := post(t, h, "/credentials/status", body); code != want {
			t.Errorf("%s: %d %v, want %d", body, code, res, want)
		}
	}
}

func TestSchemaEndpoint(t *testing.T) {
	h, _ := handler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/schemas/seoul-citizen-card-v1", nil))
	var doc map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil || doc["properties"] == nil {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/schemas/nothing-v9", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("an unknown schema: %d", rec.Code)
	}
}

// With a token, issuing and changing a status need it; verifying does not.
func TestToken(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA)
	d := did.KeyDID(k.Public())
	k = k.WithKeyID(d + "#" + strings.TrimPrefix(d, "did:key:"))
	is, _ := w3c.NewIssuer(k, dataintegrity.EdDSARDFC2022, nil)
	h, err := vcapi.New(vcapi.Config{Issuers: map[string]*w3c.Issuer{"a": is}, Default: "a", Resolver: did.LocalResolver{}, Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(path, auth string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"credential":`+credentialJSON(d)+`}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
		return rec.Code
	}
	for auth, want := range map[string]int{"": http.StatusUnauthorized, "Bearer wrong": http.StatusUnauthorized, "Basic s3cret": http.StatusUnauthorized, "Bearer s3cret": http.StatusCreated} {
		if got := send("/credentials/issue", auth); got != want {
			t.Errorf("issue with %q: %d, want %d", auth, got, want)
		}
	}
	if got := send("/credentials/status", ""); got != http.StatusUnauthorized {
		t.Errorf("status without the token: %d", got)
	}
	if code, _ := post(t, h, "/credentials/verify", `{"verifiableCredential":`+credentialJSON(d)+`}`); code == http.StatusUnauthorized {
		t.Error("verifying needed the token")
	}
}
