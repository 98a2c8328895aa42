package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// interopDir is the absolute path of conformance/interop, the folder of
// the independent implementations' scripts and node_modules. It is found
// when the test binary starts, in this package's directory: tests change
// directory later (t.Chdir).
var interopDir = func() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return filepath.Join(wd, "..", "..", "conformance", "interop")
}()

// interopHint is how to get what the interop steps need.
const interopHint = "run ./scripts/test (it installs them), or: apt-get install nodejs npm && (cd conformance/interop && npm ci)"

// jsWallet runs conformance/interop/oid4vci-wallet.mjs, a wallet built on
// the OpenWallet Foundation's OpenID4VCI client (@openid4vc/openid4vci).
type jsWallet struct {
	node string
}

// jsRedeemed is what oid4vci-wallet.mjs prints.
type jsRedeemed struct {
	CredentialIssuer          string `json:"credentialIssuer"`
	CredentialConfigurationID string `json:"credentialConfigurationId"`
	TokenType                 string `json:"tokenType"`
	Credentials               []struct {
		Credential string         `json:"credential"`
		HolderJWK  map[string]any `json:"holderJwk"`
		Claims     map[string]any `json:"claims"`
	} `json:"credentials"`
	Features struct {
		TxCode        bool   `json:"txCode"`
		DPoP          bool   `json:"dpop"`
		DPoPAlg       string `json:"dpopAlg"`
		ProofAlg      string `json:"proofAlg"`
		BatchSize     int    `json:"batchSize"`
		NonceEndpoint bool   `json:"nonceEndpoint"`
	} `json:"features"`
}

// newJSWallet finds node and the pinned @openid4vc/openid4vci, failing the
// test, not skipping it, when either is missing or the installed version is
// not the pinned one.
func newJSWallet(t *testing.T) *jsWallet {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: %s", interopHint)
	}
	require.NotEmpty(t, interopDir, "the test's working directory could not be read")
	var pkg, installed struct {
		Version      string            `json:"version"`
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(interopDir, "package.json"))
	require.NoError(t, err, "conformance/interop/package.json")
	require.NoError(t, json.Unmarshal(b, &pkg))
	const lib = "@openid4vc/openid4vci"
	b, err = os.ReadFile(filepath.Join(interopDir, "node_modules", lib, "package.json"))
	if err != nil {
		t.Fatalf("%s is not installed in conformance/interop/node_modules: %s", lib, interopHint)
	}
	require.NoError(t, json.Unmarshal(b, &installed))
	if want := pkg.Dependencies[lib]; installed.Version != want {
		t.Fatalf("node_modules has %s %s, package.json pins %s: run (cd conformance/interop && npm ci)", lib, installed.Version, want)
	}
	return &jsWallet{node: node}
}

// run runs the wallet with a JSON request (see oid4vci-wallet.mjs) and
// returns its output and error output and whether it succeeded.
func (w *jsWallet) run(t *testing.T, req map[string]any) (stdout, stderr []byte, ok bool) {
	t.Helper()
	in, err := json.Marshal(req)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.node, filepath.Join(interopDir, "oid4vci-wallet.mjs"))
	cmd.Dir = interopDir
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("node oid4vci-wallet.mjs: %v", err)
	}
	return out.Bytes(), errOut.Bytes(), err == nil
}

// redeem runs the wallet and returns what it printed; the wallet's
// one-line error fails the test.
func (w *jsWallet) redeem(t *testing.T, req map[string]any) *jsRedeemed {
	t.Helper()
	stdout, stderr, ok := w.run(t, req)
	require.True(t, ok, "node oid4vci-wallet.mjs failed: %s", strings.TrimSpace(string(stderr)))
	var out jsRedeemed
	require.NoError(t, json.Unmarshal(stdout, &out), "oid4vci-wallet.mjs printed: %s", stdout)
	return &out
}

// fails runs the wallet, requires it to fail with one line on standard
// error and nothing on standard output, and returns that line.
func (w *jsWallet) fails(t *testing.T, req map[string]any) string {
	t.Helper()
	stdout, stderr, ok := w.run(t, req)
	require.False(t, ok, "node oid4vci-wallet.mjs succeeded: %s", stdout)
	require.Empty(t, stdout)
	line := strings.TrimSuffix(string(stderr), "\n")
	require.NotEmpty(t, line)
	require.NotContains(t, line, "\n", "the wallet's error is one line")
	return line
}
