package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/devca"
)

// TestTranscriptNode: writing networks (the agencies' keys come from the
// fixed random source, the genesis time from the fixed clock), and the
// mistakes of node init, testnet and start.
func TestTranscriptNode(t *testing.T) {
	runTranscript(t, "node", nil, []step{
		{args: "node init --home net --chain-id seoulid-test"},
		{args: "node init --home net"},
		{args: "node init --home json --p2p-port 36656 --rpc-port 36657 --json"},
		{args: "node testnet --validators 3 --dir tn --rpc-port 46657 --p2p-port 46656"},
		{args: "node testnet --validators 0 --dir tn2"},
		{args: "node testnet --dir tn2"},
		{args: "node init"},
		{args: "node init --home x --rpc-port 70000"},
		{args: "node start --home nowhere"},
		{args: "node start --home net --log-level loud"},
		{args: "node start --home net --http nonsense"},
		{args: "node stop"},
	})
}

// TestNodeHTTPSOps: "node start --http" with a certificate from the
// development CA serves HTTPS, and answers /healthz, /readyz and /metrics.
func TestNodeHTTPSOps(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry node")
	}
	t.Chdir(t.TempDir())
	s := &session{t: t}
	s.ok("node init --home net --p2p-port %d --rpc-port %d --empty-block-interval 250ms --json", freePort(t), freePort(t))
	files, err := devca.Ensure("tls", nil, time.Now())
	require.NoError(t, err)
	require.Contains(t, runUsage(t, s, "node start --home net --http 127.0.0.1:0 --tls-cert "+files.ServerCert), "--tls-cert and --tls-key go together")

	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
		exited <- a.run(ctx, strings.Fields(fmt.Sprintf("node start --home net --log-level warn --http 127.0.0.1:%d --tls-cert %s --tls-key %s", port, files.ServerCert, files.ServerKey)))
	}()
	defer func() {
		cancel()
		require.Equal(t, exitOK, <-exited, logs.String())
	}()
	pool, err := files.Pool()
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	get := func(path string) (int, string) {
		resp, err := hc.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	require.Eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusOK }, time.Minute, 50*time.Millisecond, logs.String())
	code, body := get("/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", body)
	get("/1.0/council")
	code, body = get("/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Regexp(t, `seoulid_ledger_height\{service="node"\} [1-9]`, body)
	require.Contains(t, body, `seoulid_http_requests_total{code="200",method="GET",route=`)
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "a client that does not trust the CA")
}
