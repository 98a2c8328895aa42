package ops

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(w.Body)
	return w.Code, string(b)
}

func TestEndpoints(t *testing.T) {
	s := New("issuer-test")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /offers/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") })
	h := s.Handler(mux)
	issued := s.Counter("seoulid_credentials_issued_total", "Credentials issued.", "vct")
	issued.WithLabelValues("urn:seoulid:vct:seoul-citizen-card:1").Add(3)
	s.GaugeFunc("seoulid_ledger_height", "The ledger's height.", func() float64 { return 42 })

	if code, body := get(t, h, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get(t, h, "/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz with no checks: %d %q", code, body)
	}
	s.AddReadiness("store", func(context.Context) error { return nil })
	s.AddReadiness("ledger", func(context.Context) error { return errors.New("the node does not answer") })
	if code, body := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "ledger: the node does not answer") || strings.Contains(body, "store") {
		t.Errorf("/readyz with a failing check: %d %q", code, body)
	}
	for range 2 {
		get(t, h, "/offers/abc123")
		get(t, h, "/offers/def456")
	}
	get(t, h, "/hello")
	get(t, h, "/nothing/here")
	code, body := get(t, h, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`seoulid_http_requests_total{code="404",method="GET",route="GET /offers/{id}",service="issuer-test"} 4`,
		`seoulid_http_requests_total{code="200",method="GET",route="GET /hello",service="issuer-test"} 1`,
		`seoulid_http_requests_total{code="404",method="GET",route="/nothing",service="issuer-test"} 1`,
		`seoulid_http_request_duration_seconds_count{method="GET",route="GET /offers/{id}",service="issuer-test"} 4`,
		`seoulid_credentials_issued_total{service="issuer-test",vct="urn:seoulid:vct:seoul-citizen-card:1"} 3`,
		`seoulid_ledger_height{service="issuer-test"} 42`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "abc123") {
		t.Error("an id became a label value")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/healthz", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d", w.Code)
	}
}

// Routes beyond maxRoutes are counted as "other".
func TestRouteCardinality(t *testing.T) {
	s := New("t")
	h := s.Handler(http.NotFoundHandler())
	for i := range maxRoutes + 10 {
		get(t, h, "/r"+strings.Repeat("x", i%40)+string(rune('a'+i%26))+"/1")
	}
	if len(s.routes) > maxRoutes {
		t.Errorf("%d routes", len(s.routes))
	}
	if _, body := get(t, h, "/metrics"); !strings.Contains(body, `route="other"`) {
		t.Error("no other route")
	}
}

func TestLoadTLS(t *testing.T) {
	if c, err := LoadTLS("", ""); c != nil || err != nil {
		t.Errorf("neither: %v %v", c, err)
	}
	if _, err := LoadTLS("cert.pem", ""); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("one of two: %v", err)
	}
	if _, err := LoadTLS("/nonexistent/cert.pem", "/nonexistent/key.pem"); err == nil {
		t.Error("missing files loaded")
	}
}
