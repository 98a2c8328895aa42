package conformance_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seoulid/seoulid/conformance"
	"github.com/seoulid/seoulid/internal/keys"
	iserver "github.com/seoulid/seoulid/issuer/server"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

type publisher struct{ sync.Mutex }

func (*publisher) PublishStatusList(context.Context, string, string) error { return nil }

// issuerTarget serves seoulid's issuer (its OpenID4VCI face and back
// office) on loopback, wrapped by wrap (nil: as it is), with an operator
// token for the suite.
func issuerTarget(t *testing.T, wrap func(http.Handler) http.Handler) conformance.Target {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	const d = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	k, _ := keys.Generate(keys.EdDSA)
	is, err := iserver.New(iserver.Config{Key: k.WithKeyID(d + "#key-1"), DID: d, Types: []string{"urn:seoulid:vct:seoul-citizen-card:1"}, URL: srv.URL,
		Name: schemas.Text{schemas.Korean: "서울특별시청", schemas.English: "Seoul City Hall"}, Store: st, Trust: trustAll{}, Publisher: &publisher{}})
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if _, err := is.EnsureOperator(ctx, "suite", tokenFile); err != nil {
		t.Fatal(err)
	}
	tok, _ := os.ReadFile(tokenFile)
	handler = is
	if wrap != nil {
		handler = wrap(is)
	}
	return conformance.Target{URL: srv.URL, Params: map[string]string{"token": strings.TrimSpace(string(tok))}}
}

// seoulid's own issuer meets every requirement; without a ledger (here)
// only the ledger's are skipped, which TestUp (cmd/seoulid) runs against
// a city.
func TestIssuerSuite(t *testing.T) {
	target := issuerTarget(t, nil)
	conformance.RunT(t, "issuer", target)
	results, err := conformance.Run(t.Context(), "issuer", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		ledger := strings.HasSuffix(r.ID, "-on-ledger")
		if ledger && r.Outcome != conformance.Skip || !ledger && r.Outcome != conformance.Pass {
			t.Errorf("%s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
}

// rewrite runs next and, when broken says so of the request and the
// answer, answers 200 with body instead.
func rewrite(broken func(r *http.Request, form url.Values, code int, body string) bool, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var form url.Values
			if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
				b, _ := io.ReadAll(r.Body)
				form, _ = url.ParseQuery(string(b))
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if broken(r, form, rec.Code, rec.Body.String()) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
}

// Each negative requirement is shown able to fail: an issuer broken in
// that one way fails it, and only it.
func TestIssuerSuiteFindsFaults(t *testing.T) {
	const fakeToken = `{"access_token": "forged", "token_type": "Bearer", "expires_in": 60}`
	var mu sync.Mutex
	seen := map[string]bool{}
	broken := map[string]func(http.Handler) http.Handler{
		// Accepts the suite's wrong tx_codes.
		"issuer.wrong-tx-code": rewrite(func(r *http.Request, f url.Values, code int, body string) bool {
			return strings.HasSuffix(r.URL.Path, "/token") && (f.Get("tx_code") == "000000" || f.Get("tx_code") == "111111")
		}, fakeToken),
		// Redeems a code twice.
		"issuer.reused-code": rewrite(func(r *http.Request, f url.Values, code int, body string) bool {
			if !strings.HasSuffix(r.URL.Path, "/token") {
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			again := seen[f.Get("pre-authorized_code")]
			seen[f.Get("pre-authorized_code")] = true
			return again && code == http.StatusBadRequest
		}, fakeToken),
		// Issues whatever the proof.
		"issuer.bad-proof": rewrite(func(r *http.Request, _ url.Values, code int, body string) bool {
			return strings.Contains(body, "invalid_proof")
		}, `{"credentials": [{"credential": "forged"}]}`),
		// Takes a c_nonce twice.
		"issuer.reused-nonce": rewrite(func(r *http.Request, _ url.Values, code int, body string) bool {
			return strings.Contains(body, "invalid_nonce")
		}, `{"credentials": [{"credential": "forged"}]}`),
		// Takes any configuration.
		"issuer.unknown-configuration": rewrite(func(r *http.Request, _ url.Values, code int, body string) bool {
			return strings.Contains(body, "unknown_credential_configuration")
		}, `{"credentials": [{"credential": "forged"}]}`),
	}
	requireFaultsFound(t, "issuer", broken, issuerTarget)
}
