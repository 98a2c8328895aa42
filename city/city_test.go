package city_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/registry"
)

// startCity starts a city in dir on free ports, stopped at the test's end.
func startCity(t *testing.T, dir string) *city.City {
	t.Helper()
	logs := &strings.Builder{}
	c, err := city.Start(context.Background(), city.Config{DataDir: dir, FirstPort: -1, BlockInterval: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(testLogOut(), nil))})
	if err != nil {
		t.Fatalf("starting the city: %v\n%s", err, logs)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func get(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

// TestUpAndAgain starts the city, checks every service answers at its
// URL and that the ledger says what the city needs, stops it, starts it
// again from the same data dir, and finds the same services and state.
func TestUpAndAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a ledger node and every service")
	}
	dir := t.TempDir()
	start := time.Now()
	c := startCity(t, dir)
	t.Logf("first start: %s", time.Since(start).Round(time.Millisecond))
	first := c.Services()
	roles := map[city.Role]int{}
	for _, s := range first {
		roles[s.Role]++
	}
	if roles[city.RoleIssuer] < 6 || roles[city.RoleVerifier] < 3 || roles[city.RoleWallet] != 1 || roles[city.RoleResolver] != 1 || roles[city.RoleLedger] != 1 {
		t.Fatalf("services by role: %v", roles)
	}
	checkServices(t, c)

	// services.json lists what Services returns.
	var listed struct {
		Services []city.Service `json:"services"`
	}
	b, err := os.ReadFile(filepath.Join(dir, city.ServicesFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &listed); err != nil || len(listed.Services) != len(first) {
		t.Fatalf("services.json: %v, %d services", err, len(listed.Services))
	}
	for _, f := range []string{"ledger/agencies/seoul.jwk", "issuers/city-hall/key.jwk", "issuers/city-hall/operator-token", "verifiers/welfare-portal/key.jwk", "wallet/pin"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v", f, err, info)
		}
	}
	height := c.Ledger().Reader().Height()
	if err := c.Close(); err != nil {
		t.Fatalf("stopping: %v", err)
	}

	start = time.Now()
	again := startCity(t, dir)
	t.Logf("second start: %s", time.Since(start).Round(time.Millisecond))
	second := again.Services()
	if len(second) != len(first) {
		t.Fatalf("%d services, then %d", len(first), len(second))
	}
	for i := range first {
		if first[i].URL != second[i].URL || first[i].DID != second[i].DID {
			t.Errorf("%s: %s %s, then %s %s", first[i].Slug, first[i].URL, first[i].DID, second[i].URL, second[i].DID)
		}
	}
	if h := again.Ledger().Reader().Height(); h < height {
		t.Errorf("the ledger was at height %d and is now at %d", height, h)
	}
	checkServices(t, again)
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestUpTLS: with TLS every service but the ledger's RPC serves HTTPS
// with a certificate of the city's CA, which a client must trust.
func TestUpTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a ledger node and every service")
	}
	dir := t.TempDir()
	c, err := city.Start(context.Background(), city.Config{DataDir: dir, FirstPort: -1, TLS: true, BlockInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := os.ReadFile(c.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("no CA certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, s := range c.Services() {
		if s.Role == city.RoleLedger {
			continue
		}
		if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
			t.Errorf("%s: %s", s.Slug, s.URL)
			continue
		}
		resp, err := hc.Get(s.URL + "/healthz")
		if err != nil {
			t.Errorf("%s: %v", s.Slug, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: HTTP %d", s.Slug, resp.StatusCode)
		}
		if s.Role == city.RoleIssuer {
			var meta map[string]any
			resp, err := hc.Get(s.URL + "/.well-known/openid-credential-issuer")
			if err == nil {
				json.NewDecoder(resp.Body).Decode(&meta)
				resp.Body.Close()
			}
			if meta["credential_issuer"] != s.URL {
				t.Errorf("%s: credential_issuer %v", s.Slug, meta["credential_issuer"])
			}
		}
	}
	if resp, err := http.Get(c.Services()[1].URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a client that does not trust the city's CA connected")
	}
}

func checkServices(t *testing.T, c *city.City) {
	t.Helper()
	res, _ := c.Service("resolver")
	for _, s := range c.Services() {
		switch s.Role {
		case city.RoleLedger:
			id, err := c.Remote().ChainID(context.Background())
			if err != nil || id == "" {
				t.Errorf("the ledger: %q %v", id, err)
			}
		case city.RoleResolver:
			if code := get(t, s.URL+"/1.0/council", nil); code != http.StatusOK {
				t.Errorf("%s: HTTP %d", s.URL, code)
			}
		case city.RoleIssuer:
			var meta map[string]any
			if code := get(t, s.URL+"/.well-known/openid-credential-issuer", &meta); code != http.StatusOK || meta["credential_issuer"] != s.URL {
				t.Errorf("%s: HTTP %d, %v", s.Slug, code, meta["credential_issuer"])
			}
			var e registry.IssuerEntry
			if err := c.Remote().Query(context.Background(), "/issuer/"+s.DID, &e); err != nil || len(e.VCTs) != len(s.Types) {
				t.Errorf("%s: the ledger authorises %v (%v), the issuer offers %v", s.Slug, e.VCTs, err, s.Types)
			}
		case city.RoleVerifier:
			var progs struct {
				Programmes []struct{ ID string } `json:"programmes"`
			}
			if code := get(t, s.URL+"/api/programmes", &progs); code != http.StatusOK || len(progs.Programmes) != len(s.Programmes) {
				t.Errorf("%s: HTTP %d, %v", s.Slug, code, progs)
			}
			e, err := c.Remote().Verifier(context.Background(), s.DID)
			if err != nil || e == nil || len(e.Purposes) != len(s.Programmes) {
				t.Errorf("%s: the ledger registers %v (%v)", s.Slug, e, err)
			}
		case city.RoleWallet:
			if code := get(t, s.URL+"/", nil); code != http.StatusOK {
				t.Errorf("the wallet: HTTP %d", code)
			}
		}
		if s.Role != city.RoleLedger {
			base := strings.TrimSuffix(s.Metrics, "/metrics")
			if s.Metrics == "" || base != s.URL {
				t.Errorf("%s: metrics at %q", s.Slug, s.Metrics)
			}
			for _, p := range []string{"/healthz", "/readyz"} {
				if code := get(t, s.URL+p, nil); code != http.StatusOK {
					t.Errorf("%s%s: HTTP %d", s.URL, p, code)
				}
			}
			body := getText(t, s.Metrics)
			want := []string{`seoulid_http_requests_total{`, `service="` + s.Slug + `"`}
			if s.Role == city.RoleResolver {
				want = append(want, "seoulid_ledger_height{")
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: /metrics lacks %s", s.Slug, w)
				}
			}
		}
		if s.DID != "" {
			if code := get(t, res.URL+"/1.0/identifiers/"+s.DID, nil); code != http.StatusOK {
				t.Errorf("resolving %s's DID: HTTP %d", s.Slug, code)
			}
		}
	}
}

// A city that cannot start (its first port is taken) stops what it had
// started and says why; the data dir is still usable.
func TestStartFailsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a ledger node")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	c, err := city.Start(context.Background(), city.Config{DataDir: dir, FirstPort: port})
	if err == nil {
		c.Close()
		t.Fatal("a city started on a port in use")
	}
	if c != nil || !strings.Contains(err.Error(), "another city or program uses the port") {
		t.Fatalf("%v, %v", c, err)
	}
}

func testLogOut() io.Writer {
	if os.Getenv("CITY_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}
