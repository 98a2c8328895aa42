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

	"github.com/seoulid/seoulid/city"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/w3c"
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

// An agency's did:seoul key in "w3c serve --issuer-key": it issues the
// catalogue types the ledger authorises it for, with the operator's token,
// and nothing else; what it issues verifies through the ledger.
func TestW3CServeAgency(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a city")
	}
	data := t.TempDir()
	c, err := city.Start(context.Background(), city.Config{DataDir: data, FirstPort: -1, BlockInterval: 500 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	ledger, ok := c.Service("ledger-rpc")
	require.True(t, ok)
	hall, _ := c.Service("city-hall")

	dir := t.TempDir()
	port := freePort(t)
	line := fmt.Sprintf("w3c serve --data-dir %s --http 127.0.0.1:%d --node %s --issuer-key %s", dir, port,
		ledger.URL, filepath.Join(data, "issuers", "city-hall", "key.jwk"))
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
		exited <- a.run(ctx, strings.Fields(line))
	}()
	defer func() { cancel(); <-exited }()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "VC-API running") }, 30*time.Second, 20*time.Millisecond, logs.String())
	require.Contains(t, logs.String(), "agency-eddsa-rdfc-2022  "+hall.DID)
	tok, err := os.ReadFile(filepath.Join(dir, "operator-token"))
	require.NoError(t, err)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	post := func(path, auth, body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	card, err := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	require.NoError(t, err)
	cred, err := w3c.FromCatalogue(card, hall.DID, "did:example:jeong", card.Example(), base+"/schemas", time.Now())
	require.NoError(t, err)
	body, _ := json.Marshal(map[string]any{"credential": cred})
	code, _ := post("/issuers/agency-eddsa-rdfc-2022/credentials/issue", "", string(body))
	require.Equal(t, http.StatusUnauthorized, code, "issuing without the operator's token")
	code, m := post("/issuers/agency-eddsa-rdfc-2022/credentials/issue", strings.TrimSpace(string(tok)), string(body))
	require.Equal(t, http.StatusCreated, code, "%v", m)
	vc, _ := json.Marshal(m["verifiableCredential"])
	code, m = post("/credentials/verify", "", `{"verifiableCredential":`+string(vc)+`}`)
	require.Equal(t, http.StatusOK, code, "%v", m)
	require.Equal(t, true, m["verified"])

	// A type the ledger does not authorise City Hall for, and a credential
	// that is no catalogue type, are refused.
	med, err := schemas.Default().Lookup("urn:seoulid:vct:medication-list:1")
	require.NoError(t, err)
	other, err := w3c.FromCatalogue(med, hall.DID, "", med.Example(), base+"/schemas", time.Now())
	require.NoError(t, err)
	body, _ = json.Marshal(map[string]any{"credential": other})
	code, m = post("/issuers/agency-eddsa-rdfc-2022/credentials/issue", strings.TrimSpace(string(tok)), string(body))
	require.Equal(t, http.StatusBadRequest, code, "%v", m)
	require.Contains(t, m["message"], "does not authorise")
	code, m = post("/issuers/agency-eddsa-jcs-2022/credentials/issue", strings.TrimSpace(string(tok)),
		`{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"`+hall.DID+`","credentialSubject":{"id":"did:example:x"}}}`)
	require.Equal(t, http.StatusBadRequest, code, "%v", m)
	require.Contains(t, m["message"], "only the catalogue's types")
}
