package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// upOnce runs "seoulid up" on dir until the returned stop is called, and
// returns the services it printed.
func upOnce(t *testing.T, dir string) (services []map[string]any, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: out, stderr: logs, now: time.Now}
		exited <- a.run(ctx, []string{"up", "--data-dir", dir, "--first-port", "0", "--json", "--log-level", "info"})
	}()
	var printed struct {
		Services []map[string]any `json:"services"`
	}
	require.Eventually(t, func() bool {
		select {
		case code := <-exited:
			t.Fatalf("up exited with %d: %s", code, logs.String())
		default:
		}
		return json.Unmarshal(bytes.TrimSpace([]byte(out.String())), &printed) == nil && len(printed.Services) > 0
	}, 2*time.Minute, 50*time.Millisecond, logs.String())
	return printed.Services, func() string {
		cancel()
		select {
		case code := <-exited:
			require.Equal(t, exitOK, code, logs.String())
		case <-time.After(time.Minute):
			t.Fatalf("up did not stop: %s", logs.String())
		}
		return logs.String()
	}
}

// TestUp starts the city with "seoulid up", checks that every URL it
// printed answers, stops it as Ctrl-C would, starts it again and finds
// the same services with the offers made before.
func TestUp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the city")
	}
	dir := t.TempDir()
	first, stop := upOnce(t, dir)
	offers := 0
	for _, s := range first {
		u, _ := s["url"].(string)
		require.NotEmpty(t, u, "%v", s)
		switch s["role"] {
		case "ledger":
			resp, err := http.Get(u + "/status")
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, u)
		case "resolver":
			checkGet(t, u+"/1.0/council")
		case "issuer":
			checkGet(t, u+"/.well-known/openid-credential-issuer")
		case "verifier":
			checkGet(t, u+"/api/programmes")
			checkGet(t, u+"/")
		case "wallet":
			checkGet(t, u+"/")
		default:
			t.Errorf("a service of role %v", s["role"])
		}
		if s["slug"] == "city-hall" {
			// A clerk makes an offer, which must survive the restart.
			claims := filepath.Join(t.TempDir(), "card.json")
			require.NoError(t, os.WriteFile(claims, []byte(cardClaims), 0o600))
			ses := &session{t: t}
			offer := ses.ok("issuer offer --issuer %s --token-file %s --type seoul-citizen-card --claims %s --json", u, s["operator_token_file"], claims)
			require.NotEmpty(t, offer["offer_id"])
			offers++
		}
	}
	require.Equal(t, 1, offers)

	// The conformance suite against the city's resolver: every requirement
	// but the deactivated DID's (the city has none) passes; against a
	// service that is not a resolver it fails, with exit status 1.
	var resolverURL, hallDID, hallURL string
	for _, s := range first {
		switch s["slug"] {
		case "resolver":
			resolverURL = s["url"].(string)
		case "city-hall":
			hallDID, hallURL = s["did"].(string), s["url"].(string)
		}
	}
	ses := &session{t: t}
	report := filepath.Join(t.TempDir(), "report.xml")
	stdout, stderr, code := ses.run("conformance run --suite resolver --target %s --param did=%s --report %s", resolverURL, hallDID, report)
	require.Equal(t, exitOK, code, stderr)
	require.Regexp(t, `resolver.not-found\s+pass\s+DID Core 1.0 §7.1.2`, stdout)
	require.Regexp(t, `resolver.deactivated\s+skip\s+.*give a deactivated DID`, stdout)
	require.Contains(t, stderr, "[13/13]")
	xmlReport, err := os.ReadFile(report)
	require.NoError(t, err)
	require.Contains(t, string(xmlReport), `<testsuite name="seoulid conformance: resolver" tests="13" failures="0" skipped="1"`)
	stdout, stderr, code = ses.run("conformance run --suite resolver --target %s --param did=%s", hallURL, hallDID)
	require.Equal(t, exitFail, code, stdout)
	require.Regexp(t, `seoulid: \d+ of 13 requirements failed`, stderr)
	// And the issuer suite against City Hall, with its operator token.
	var tokenFile string
	for _, s := range first {
		if s["slug"] == "city-hall" {
			tokenFile = s["operator_token_file"].(string)
		}
	}
	tok, err := os.ReadFile(tokenFile)
	require.NoError(t, err)
	stdout, stderr, code = ses.run("conformance run --suite issuer --target %s --param token=%s --param resolver=%s --report %s", hallURL, strings.TrimSpace(string(tok)), resolverURL, filepath.Join(t.TempDir(), "issuer.json"))
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	require.Regexp(t, `issuer.bad-proof\s+pass\s+OpenID4VCI 1.0 §8.3.1.2`, stdout)
	require.NotContains(t, stdout, "skip")

	// Every suite against the city's own services.
	var libURL, walletURL, pinFile string
	for _, s := range first {
		switch s["slug"] {
		case "seoul-library":
			libURL = s["url"].(string)
		case "wallet":
			walletURL, pinFile = s["url"].(string), s["pin_file"].(string)
		}
	}
	pin, err := os.ReadFile(pinFile)
	require.NoError(t, err)
	stdout, stderr, code = ses.run("conformance run --suite all --target %s --param resolver-target=%s --param issuer-target=%s --param did=%s --param token=%s"+
		" --param resolver=%s --param programme=citizen-card-facility-entry --param param.facility_id=SEOUL-LIB-0001 --param issuer=%s --param issuer-token=%s"+
		" --param issuer-key=%s --param wallet-target=%s --param pin=%s --param verifier-key=%s --report %s",
		libURL, resolverURL, hallURL, hallDID, strings.TrimSpace(string(tok)), resolverURL, hallURL, strings.TrimSpace(string(tok)),
		filepath.Join(dir, "issuers", "city-hall", "key.jwk"), walletURL, strings.TrimSpace(string(pin)), filepath.Join(dir, "verifiers", "seoul-library", "key.jwk"),
		filepath.Join(t.TempDir(), "all.xml"))
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	require.Regexp(t, `verifier.rejects-forged\s+pass\s+RFC 9901 §7.1`, stdout)
	require.Regexp(t, `verifier.rejects-revoked\s+pass`, stdout)
	require.Regexp(t, `wallet.refuses-over-asking\s+pass`, stdout)
	require.Equal(t, 1, strings.Count(stdout, " skip "), "only the deactivated DID, which the city has not: %s", stdout)

	logs := stop()
	require.Contains(t, logs, "the city stopped")

	again, stop := upOnce(t, dir)
	defer stop()
	require.Equal(t, len(first), len(again))
	for i := range first {
		require.Equal(t, first[i]["url"], again[i]["url"])
		require.Equal(t, first[i]["did"], again[i]["did"])
	}
	for _, s := range again {
		if s["slug"] == "city-hall" {
			ses := &session{t: t}
			stdout, _, code := ses.run("issuer offers --issuer %s --token-file %s --json", s["url"], s["operator_token_file"])
			require.Equal(t, exitOK, code)
			require.Contains(t, stdout, "urn:seoulid:vct:seoul-citizen-card:1", "the offer made before the restart is kept")
		}
	}
}

func checkGet(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, u)
}
