package conformance_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/conformance"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/verifier/programmes"
	vserver "github.com/seoulid/seoulid/verifier/server"
	verifiersqlite "github.com/seoulid/seoulid/verifier/store/sqlite"
)

// verifierWorld is a city (its ledger, resolver and issuers) and a way to
// serve the Seoul Library's verifier — its key, DID and registered
// purposes — wrapped by a test double.
type verifierWorld struct {
	c      *city.City
	data   string
	params map[string]string
}

func newVerifierWorld(t *testing.T) *verifierWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a city")
	}
	data := t.TempDir()
	// Revocations reach the verifiers within a second or so.
	c, err := city.Start(context.Background(), city.Config{DataDir: data, FirstPort: -1, BlockInterval: 500 * time.Millisecond,
		PublishInterval: 200 * time.Millisecond, StatusMaxAge: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	res, _ := c.Service("resolver")
	hall, _ := c.Service("city-hall")
	tok, err := os.ReadFile(hall.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	return &verifierWorld{c: c, data: data, params: map[string]string{
		"resolver": res.URL, "programme": "citizen-card-facility-entry", "param.facility_id": "SEOUL-LIB-0001",
		"issuer": hall.URL, "issuer-token": strings.TrimSpace(string(tok)),
		"issuer-key": filepath.Join(data, "issuers", "city-hall", "key.jwk"), "revocation-wait": "5s",
	}}
}

// library serves the Seoul Library's verifier wrapped by wrap (nil: as it
// is) and returns the target.
func (w *verifierWorld) library(t *testing.T, wrap func(http.Handler) http.Handler) conformance.Target {
	t.Helper()
	lib, _ := w.c.Service("seoul-library")
	b, err := os.ReadFile(filepath.Join(w.data, "verifiers", "seoul-library", "key.jwk"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		t.Fatal(err)
	}
	st, err := verifiersqlite.Open(context.Background(), filepath.Join(t.TempDir(), "verifier.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, _ := programmes.Load()
	only, err := cat.Only("citizen-card-facility-entry")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	s, err := vserver.New(vserver.Config{Key: k, DID: lib.DID, URL: u, Programmes: only, Store: st, Ledger: w.c.Remote(), StatusMaxAge: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return conformance.Target{URL: u, Params: w.params}
}

// seoulid's verifier, the one "seoulid up" runs, meets every requirement,
// none skipped; and each negative requirement is shown able to fail: a
// verifier that accepts that one fault (its refusal turned into an
// acceptance) fails it, and only it.
func TestVerifierSuite(t *testing.T) {
	w := newVerifierWorld(t)
	lib, _ := w.c.Service("seoul-library")
	target := conformance.Target{URL: lib.URL, Params: w.params}
	conformance.RunT(t, "verifier", target)
	results, err := conformance.Run(t.Context(), "verifier", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Outcome != conformance.Pass {
			t.Errorf("%s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}

	// accepting turns the verifier's refusals whose reason contains
	// word into acceptances.
	accepting := func(word string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				if strings.HasPrefix(r.URL.Path, "/response/") && rec.Code == http.StatusBadRequest && strings.Contains(rec.Body.String(), word) {
					rw.Header().Set("Content-Type", "application/json")
					rw.Write([]byte(`{}`))
					return
				}
				for k, v := range rec.Header() {
					rw.Header()[k] = v
				}
				rw.WriteHeader(rec.Code)
				rw.Write(rec.Body.Bytes())
			})
		}
	}
	broken := map[string]func(http.Handler) http.Handler{
		"verifier.rejects-forged":         accepting("issuer signature"),
		"verifier.rejects-wrong-audience": accepting("audience"),
		"verifier.rejects-replayed":       accepting("nonce"),
		"verifier.rejects-unbound":        accepting("no key-binding JWT"),
		"verifier.rejects-expired":        accepting("expired"),
		"verifier.rejects-not-yet-valid":  accepting("not yet valid"),
		"verifier.rejects-revoked":        accepting("revoked"),
	}
	requireFaultsFound(t, "verifier", broken, w.library)
}
