package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/registry/node"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

const walletPIN = "204863\n"

// walletSteps runs the wallet commands against the node and the issuer of
// TestIssuerAgainstNode (s.node; office holds the back office flags).
func walletSteps(t *testing.T, s *session, office string) {
	ctx := context.Background()
	require.NoError(t, os.WriteFile("pin", []byte(walletPIN), 0o600))
	w := "--data-dir w --pin-file pin --node " + s.node

	s.ok("wallet init %s", w)
	offer := s.ok("issuer offer %s --type seoul-citizen-card --claims card.json --json", office)
	got := s.ok("wallet receive %s --tx-code %s %s --json", offer["offer_uri"], offer["tx_code"], w)
	require.Equal(t, "urn:seoulid:vct:seoul-citizen-card:1", got["vct"])
	require.Equal(t, float64(3), got["copies"], "three copies, three keys")
	id := got["id"].(string)
	list := s.ok("wallet list %s --json", w)
	require.Len(t, list["credentials"], 1)
	table, _, code := s.run("wallet show %s %s --lang en", id, w)
	require.Equal(t, exitOK, code)
	require.Contains(t, table, "Seoul Citizen Card")
	require.Contains(t, s.fails("wallet receive %s --tx-code %s %s", offer["offer_uri"], offer["tx_code"], w), "invalid_grant")

	// A library's verifier: a DID the city creates, purposes the council
	// registers.
	s.ok("keys generate --alg ES256 --out library.jwk")
	lib := s.ok("registry did create --key net/agencies/seoul.jwk --new-key library.jwk")["did"].(string)
	require.NoError(t, os.WriteFile("purposes.json", []byte(`[{"id":"library-entry","description":{"ko":"도서관 출입","en":"Library entry"},
		"legal_basis":"서울특별시 도서관 조례","retention":"P0D",
		"claims":[{"vct":"urn:seoulid:vct:seoul-citizen-card:1","paths":[["resident_of_seoul"]]}]}]`), 0o600))
	s.ok("registry trust register-verifier --key net/agencies/seoul.jwk --key net/agencies/mois.jwk --key net/agencies/moel.jwk --did %s --purposes purposes.json", lib)
	remote, err := node.Dial(s.node)
	require.NoError(t, err)
	key, err := (&app{}).readPrivateKey("library.jwk", "key")
	require.NoError(t, err)
	library := wallettest.NewVerifierAt(t, remote, lib, key.WithKeyID(lib+"#key-1"))

	uri, rid := library.Request(t, "library-entry", `{"credentials":[{"id":"card","format":"dc+sd-jwt",
		"meta":{"vct_values":["urn:seoulid:vct:seoul-citizen-card:1"]},"claims":[{"path":["resident_of_seoul"]}]}]}`, vp.ResponseModeDirectPostJWT)
	out, _, code := s.run("wallet present %s --yes %s --lang en", uri, w)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "asks, for: Library entry")
	require.Contains(t, out, "Resident of Seoul")
	require.Contains(t, out, "(acknowledged and signed by the verifier)")
	res := library.Result(rid)
	require.NotNil(t, res)
	require.Empty(t, res.Refused)
	require.Equal(t, true, res.Claims["card"][0]["resident_of_seoul"])
	require.NotContains(t, res.Claims["card"][0], "name", "only what was asked and approved")

	// Asking beyond the purpose is refused, and the verifier told so.
	uri, rid = library.Request(t, "library-entry", `{"credentials":[{"id":"card","format":"dc+sd-jwt",
		"meta":{"vct_values":["urn:seoulid:vct:seoul-citizen-card:1"]},"claims":[{"path":["name"]}]}]}`, vp.ResponseModeDirectPost)
	require.Contains(t, s.fails("wallet present %s --yes %s", uri, w), "does not cover")
	require.Equal(t, vp.ErrAccessDenied, library.Result(rid).Error.Code)

	history := s.ok("wallet history %s --json", w)
	var kinds []string
	for _, e := range history["events"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	require.Equal(t, []string{"refused", "presented", "received"}, kinds)
	require.Len(t, history["receipts"], 1)

	// Backup, and restore on a "new device": everything comes back, and the
	// restored wallet presents with the restored keys.
	require.NoError(t, os.WriteFile("pass", []byte("correct horse battery staple seoul\n"), 0o600))
	s.ok("wallet backup --out w.backup --passphrase-file pass %s", w)
	s.ok("wallet restore w.backup --passphrase-file pass --data-dir w2 --pin-file pin")
	w2 := "--data-dir w2 --pin-file pin --node " + s.node
	restored := s.ok("wallet list %s --json", w2)
	require.Len(t, restored["credentials"], 1)
	require.Equal(t, id, restored["credentials"].([]any)[0].(map[string]any)["id"])
	require.Len(t, s.ok("wallet history %s --json", w2)["receipts"], 1, "receipts come back too")
	uri, rid = library.Request(t, "library-entry", `{"credentials":[{"id":"card","format":"dc+sd-jwt",
		"meta":{"vct_values":["urn:seoulid:vct:seoul-citizen-card:1"]},"claims":[{"path":["resident_of_seoul"]}]}]}`, vp.ResponseModeDirectPost)
	_, _, code = s.run("wallet present %s --yes %s", uri, w2)
	require.Equal(t, exitOK, code)
	require.Empty(t, library.Result(rid).Refused, "the restored wallet's keys sign its key-binding JWTs")
	_ = ctx
}

// TestWalletOffline: the wallet commands that need no ledger: a wallet is
// made, backed up, restored into a new directory under a new PIN, and its
// PIN changed; mistakes get one line.
func TestWalletOffline(t *testing.T) {
	t.Chdir(t.TempDir())
	s := &session{t: t}
	require.NoError(t, os.WriteFile("pin", []byte(walletPIN), 0o600))
	require.NoError(t, os.WriteFile("pin2", []byte("777777\n"), 0o600))
	require.NoError(t, os.WriteFile("short", []byte("12\n"), 0o600))
	w := "--data-dir w --pin-file pin --node http://127.0.0.1:1"

	require.Contains(t, s.fails("wallet list %s", w), "there is no wallet in w: make one with seoulid wallet init --data-dir w")
	require.Contains(t, s.fails("wallet init --data-dir w --pin-file short"), "PIN")
	s.ok("wallet init %s", w)
	info, err := os.Stat("w/device.key")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	require.Equal(t, "seoulid: w already holds a wallet", s.fails("wallet init %s", w))
	out, _, code := s.run("wallet list %s", w)
	require.Equal(t, exitOK, code)
	require.Equal(t, "the wallet holds no credential\n", out)
	require.Equal(t, "seoulid: wallet: no such credential: wcr_nope", s.fails("wallet show wcr_nope %s", w))

	_, stderr, code := s.run("wallet list --data-dir w --node http://127.0.0.1:1")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "no terminal to read the PIN from: give --pin-file")
	wrong := s.fails("wallet list --data-dir w --pin-file pin2 --node http://127.0.0.1:1")
	require.Contains(t, wrong, "wrong PIN")

	out, _, code = s.run("wallet backup --out backup.swbk %s", w)
	require.Equal(t, exitOK, code)
	pass := strings.TrimSpace(out[strings.LastIndex(out, ": ")+2:])
	require.NotEmpty(t, pass)
	require.NoError(t, os.WriteFile("pass", []byte(pass+"\n"), 0o600))
	require.NoError(t, os.WriteFile("badpass", []byte("not the passphrase at all\n"), 0o600))
	require.Contains(t, s.fails("wallet restore backup.swbk --passphrase-file badpass --data-dir w2 --pin-file pin2"), "passphrase")
	out, _, code = s.run("wallet restore backup.swbk --passphrase-file pass --data-dir w2 --pin-file pin2")
	require.Equal(t, exitOK, code, out)
	require.Equal(t, "restored a wallet with 0 credentials into w2\n", out)
	s.ok("wallet list --data-dir w2 --pin-file pin2 --node http://127.0.0.1:1")
	require.Contains(t, s.fails("wallet restore backup.swbk --passphrase-file pass --data-dir w2 --pin-file pin2"), "already holds a wallet")

	out, _, code = s.run("wallet change-pin --data-dir w --pin-file pin --new-pin-file pin2")
	require.Equal(t, exitOK, code)
	require.Equal(t, "the PIN is changed\n", out)
	require.Contains(t, s.fails("wallet list %s", w), "wrong PIN")
	s.ok("wallet list --data-dir w --pin-file pin2 --node http://127.0.0.1:1")
}

// TestWalletServe: the web UI serves the unlock page on loopback, refuses
// another host name, refuses a non-loopback address, and stops cleanly.
func TestWalletServe(t *testing.T) {
	t.Chdir(t.TempDir())
	s := &session{t: t}
	require.NoError(t, os.WriteFile("pin", []byte(walletPIN), 0o600))
	s.ok("wallet init --data-dir w --pin-file pin")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	require.Contains(t, s.fails("wallet serve --data-dir w --node http://127.0.0.1:1 --http %s", busy.Addr()), "--http", "an address in use")
	_, stderr, code := s.run("wallet serve --data-dir w --node http://127.0.0.1:1 --http 0.0.0.0:0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "is not a loopback address")

	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
		exited <- a.run(ctx, strings.Fields(fmt.Sprintf("wallet serve --data-dir w --node http://127.0.0.1:1 --http 127.0.0.1:%d --lang en", port)))
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var resp *http.Response
	require.Eventually(t, func() bool {
		var err error
		resp, err = http.Get(base + "/unlock")
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, logs.String())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "PIN")
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	req, _ := http.NewRequest("GET", base+"/unlock", nil)
	req.Host = "evil.example"
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "DNS rebinding")
	cancel()
	select {
	case code := <-exited:
		require.Equal(t, exitOK, code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("wallet serve did not stop")
	}
}

// verifierSteps runs seoulid verifier against the node of
// TestIssuerAgainstNode, with the wallet of walletSteps answering.
func verifierSteps(t *testing.T, s *session) {
	port := freePort(t)
	serve := fmt.Sprintf("verifier serve --agency 서울도서관 --agency-en Seoul-Library --data-dir ver --node %s --http 127.0.0.1:%d", s.node, port)
	stdout, stderr, code := s.run("%s", serve)
	require.Equal(t, exitFail, code, stderr)
	require.Regexp(t, `^generated the verifier's signing key ver/verifier.jwk for did:seoul:[a-z2-7]{32}\n$`, stdout)
	require.Contains(t, stderr, "is not on the ledger: an agency must create it with: seoulid registry did create --key AGENCY.jwk --new-key ver/verifier.jwk")
	d := s.ok("registry did create --key net/agencies/seoul.jwk --new-key ver/verifier.jwk")["did"].(string)
	msg := s.fails("%s", serve)
	require.Contains(t, msg, "the ledger does not register "+d+" for its programmes' purposes: the council registers them with: seoulid registry trust register-verifier --key MEMBER.jwk… --did "+d+" --purposes ver/purposes.json")
	s.ok("registry trust register-verifier --key net/agencies/seoul.jwk --key net/agencies/mois.jwk --key net/agencies/moel.jwk --did %s --purposes ver/purposes.json", d)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
		exited <- a.run(ctx, strings.Fields(serve))
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/programmes")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 50*time.Millisecond, logs.String())

	out, _, code := s.run("verifier programmes --lang en")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "citizen-card-facility-entry")
	req := s.ok("verifier request citizen-card-facility-entry --verifier %s --param facility_id=SEOUL-LIB-0001 --json", base)
	id, uri := req["id"].(string), req["uri"].(string)
	require.True(t, strings.HasPrefix(uri, "openid4vp://?"), uri)
	pending := s.ok("verifier decision %s --verifier %s --json", id, base)
	require.Equal(t, "pending", pending["state"])

	out, _, code = s.run("wallet present %s --yes --data-dir w --pin-file pin --node %s --lang en", uri, s.node)
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "(acknowledged and signed by the verifier)")
	decided := s.ok("verifier decision %s --verifier %s --wait 10s --json", id, base)
	require.Equal(t, "decided", decided["state"], logs.String())
	// The card of walletSteps holds no facility membership: a resident,
	// but not a member of this library — and the decision says so.
	require.Equal(t, "not_eligible", get(t, decided, "decision", "outcome"))
	outcomes := map[string]any{}
	for i := range get(t, decided, "decision", "criteria").([]any) {
		outcomes[get(t, decided, "decision", "criteria", i, "id").(string)] = get(t, decided, "decision", "criteria", i, "outcome")
	}
	require.Equal(t, map[string]any{"seoul_resident": "passed", "member": "failed"}, outcomes)
	table, _, code := s.run("verifier decision %s --verifier %s --lang en", id, base)
	require.Equal(t, exitOK, code)
	require.Contains(t, table, "outcome: not_eligible")
	require.Contains(t, s.fails("verifier request no-such-programme --verifier %s", base), "unknown_programme")
	jsWalletPresents(t, s, base) // an independent OpenID4VP wallet gets decisions from the same verifier

	cancel()
	select {
	case code := <-exited:
		require.Equal(t, exitOK, code, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the verifier did not stop: %s", logs.String())
	}
}

// TestBenchVerify: the verifier's load generator runs whole exchanges and
// reports their rate; every one is decided eligible, and nothing is left.
func TestBenchVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a verifier")
	}
	t.Setenv("TMPDIR", t.TempDir())
	s := &session{t: t}
	out := s.ok("bench verify --concurrency 4 --requests 40 --json")
	require.Equal(t, float64(40), out["requests"])
	require.Equal(t, float64(0), out["failed"])
	require.Positive(t, out["decisions_per_second"])
	require.GreaterOrEqual(t, get(t, out, "flow_ms", "p99"), get(t, out, "flow_ms", "p50"))
	require.Positive(t, out["floor_ms_per_exchange"])
	require.Greater(t, out["cpu_ms_per_exchange"], out["floor_ms_per_exchange"], "an exchange costs more than its signatures")
	require.Greater(t, out["x_floor"], 1.0)
	entries, err := os.ReadDir(os.Getenv("TMPDIR"))
	require.NoError(t, err)
	require.Empty(t, entries, "the bench leaves nothing behind")
}
