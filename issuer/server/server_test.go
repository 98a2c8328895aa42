package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer/server"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

const (
	did     = "did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
)

type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

type publisher struct {
	mu sync.Mutex
	n  int
}

func (p *publisher) PublishStatusList(context.Context, string, string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return nil
}

func newServer(t *testing.T) (*server.Server, *publisher) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, _ := keys.Generate(keys.EdDSA)
	pub := &publisher{}
	s, err := server.New(server.Config{Key: k.WithKeyID(did + "#key-1"), DID: did, Types: []string{cardVCT}, URL: "http://127.0.0.1:8403",
		Name: schemas.Text{schemas.Korean: "서울특별시청", schemas.English: "Seoul City Hall"}, Store: st, Trust: trustAll{}, Publisher: pub,
		PublishInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

func TestConfigRequired(t *testing.T) {
	if _, err := server.New(server.Config{}); err == nil {
		t.Error("an empty config was accepted")
	}
}

func TestDefaultStatusListURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8403":       "https://127.0.0.1:8403/status-lists",
		"https://issuer.seoul.go.kr/": "https://issuer.seoul.go.kr/status-lists",
	} {
		if got := server.DefaultStatusListURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// The server routes the back office (which wants a token) and the wallets'
// face, and makes the first operator once.
func TestRoutesAndFirstOperator(t *testing.T) {
	s, _ := newServer(t)
	for path, want := range map[string]int{
		"/.well-known/openid-credential-issuer": http.StatusOK,
		"/admin/v1/offers":                      http.StatusUnauthorized,
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
	file := filepath.Join(t.TempDir(), "operator-token")
	for i, want := range []bool{true, false} {
		made, err := s.EnsureOperator(context.Background(), "first", file)
		if err != nil || made != want {
			t.Fatalf("call %d: made %v, %v", i, made, err)
		}
	}
	info, err := os.Stat(file)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the token file: %v %v", info, err)
	}
	tok, _ := os.ReadFile(file)
	req := httptest.NewRequest(http.MethodGet, "/admin/v1/offers", nil)
	req.Header.Set("Authorization", "Bearer "+string(tok[:len(tok)-1]))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("the back office with the token: %d %s", w.Code, w.Body)
	}
}

// Run returns, without error, once its context ends.
func TestRun(t *testing.T) {
	s, _ := newServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(30 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}
