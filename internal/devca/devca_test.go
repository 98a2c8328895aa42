package devca

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsure(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f, err := Ensure(dir, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{f.CACert: 0o644, f.ServerCert: 0o644, f.ServerKey: 0o600, filepath.Join(dir, caKeyFile): 0o600} {
		info, err := os.Stat(name)
		if err != nil || info.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v, want %v", name, err, info, mode)
		}
	}
	first, _ := os.ReadFile(f.ServerCert)
	ca, _ := os.ReadFile(f.CACert)

	// Kept while valid and covering the hosts.
	if _, err := Ensure(dir, nil, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(f.ServerCert); string(again) != string(first) {
		t.Error("a valid certificate was replaced")
	}
	// Another host: a new server certificate under the same CA.
	if _, err := Ensure(dir, []string{"127.0.0.1", "city.local"}, now); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(f.ServerCert); string(again) == string(first) {
		t.Error("the certificate was kept though it does not cover city.local")
	}
	if caAgain, _ := os.ReadFile(f.CACert); string(caAgain) != string(ca) {
		t.Error("the CA was replaced")
	}
	// Near its end: renewed.
	if _, err := Ensure(dir, []string{"127.0.0.1", "city.local"}, now.Add(serverLifetime-24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// A client that trusts the CA talks to a server with the certificate.
	f, err = Ensure(dir, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(ln)
	defer srv.Close()
	pool, err := f.Pool()
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get("https://" + ln.Addr().String())
	if err != nil {
		t.Fatalf("a client trusting the CA: %v", err)
	}
	resp.Body.Close()
	if _, err := http.Get("https://" + ln.Addr().String()); err == nil {
		t.Error("a client that does not trust the CA connected")
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if resp, err := hc.Get("https://localhost:" + port); err != nil {
		t.Errorf("localhost: %v", err)
	} else {
		resp.Body.Close()
	}
}
