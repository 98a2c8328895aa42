package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// "w3c serve --tls-dev" serves the VC-API over HTTPS with a certificate of
// its local CA; each issuer it prints issues what /credentials/verify
// accepts; the keys are kept across restarts.
func TestW3CServe(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	line := fmt.Sprintf("w3c serve --data-dir %s --tls-dev --http 127.0.0.1:%d", dir, port)
	start := func() (stop func() string) {
		ctx, cancel := context.WithCancel(context.Background())
		logs := &syncBuffer{}
		exited := make(chan int, 1)
		go func() {
			a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
			exited <- a.run(ctx, strings.Fields(line))
		}()
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "VC-API running") }, 30*time.Second, 20*time.Millisecond, logs.String())
		return func() string {
			cancel()
			require.Equal(t, exitOK, <-exited, logs.String())
			return logs.String()
		}
	}
	stop := start()
	ca, err := os.ReadFile(filepath.Join(dir, "tls", "ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	out := stop()
	issuers := regexp.MustCompile(`(?m)^(\S+)\s+(did:key:z\w+)\s+(https://\S+)$`).FindAllStringSubmatch(out, -1)
	require.Len(t, issuers, 5, out)
	stop = start()
	defer stop()
	post := func(u, body string) (int, map[string]any) {
		resp, err := hc.Post(u, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	for _, is := range issuers {
		cred := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` + is[2] +
			`","credentialSubject":{"id":"did:example:jeong","name":"정하늘"}}`
		code, m := post(is[3], `{"credential":`+cred+`}`)
		require.Equal(t, http.StatusCreated, code, "%s: %v (the keys were kept: the DID printed before the restart issues)", is[1], m)
		vc, _ := json.Marshal(m["verifiableCredential"])
		code, m = post(base+"/credentials/verify", `{"verifiableCredential":`+string(vc)+`}`)
		require.Equal(t, http.StatusOK, code, "%s: %v", is[1], m)
		require.Equal(t, true, m["verified"])
	}
	info, err := os.Stat(filepath.Join(dir, "ed25519.jwk"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
