package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
)

// ledgerResolver resolves did:seoul DIDs through a node's RPC, as a
// verifier in another process than the node would.
type ledgerResolver struct{ remote *node.Remote }

func (l ledgerResolver) Resolve(ctx context.Context, d string) (*did.Document, error) {
	var rec registry.DIDRecord
	if err := l.remote.Query(ctx, "/did/"+d, &rec); err != nil {
		if errors.Is(err, node.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", did.ErrNotFound, d)
		}
		return nil, err
	}
	if rec.DID != d || len(rec.Versions) == 0 {
		return nil, fmt.Errorf("the node sent a record that is not of %s", d)
	}
	if rec.Deactivated {
		return nil, fmt.Errorf("%w: %s", registry.ErrDeactivated, d)
	}
	return rec.Latest().Document(d), nil
}

// ledgerStatus reads a credential's status from the status list token the
// ledger holds, after checking the token's signature by the issuer's key.
func ledgerStatus(ctx context.Context, t *testing.T, remote *node.Remote, issuerDID string, ref statuslist.Reference) (uint8, bool) {
	var e registry.StatusEntry
	if err := remote.Query(ctx, "/status/"+ref.URI, &e); err != nil {
		require.ErrorIs(t, err, node.ErrNotFound)
		return 0, false
	}
	require.Equal(t, issuerDID, e.Issuer)
	tok, err := statuslist.Parse(e.Token)
	require.NoError(t, err)
	pub, err := did.VerificationKey(ctx, ledgerResolver{remote}, tok.KeyID(), did.AssertionMethod)
	require.NoError(t, err)
	require.NoError(t, tok.Verify(pub, []keys.Algorithm{keys.EdDSA, keys.ES256}))
	require.Equal(t, ref.URI, tok.Claims().Subject)
	s, err := tok.Claims().List.Get(ref.Index)
	require.NoError(t, err)
	return s, true
}

// TestIssuerAgainstNode runs a registry node and an issuer in this process
// and drives them as an agency would: the issuer's first start generates
// its key and says which registry command creates its DID; the agency runs
// it and the council authorises the issuer; then the issuer serves, an
// operator makes an offer from the command line, a wallet redeems it over
// HTTP, the credential verifies against the ledger; an independent wallet
// (the OpenWallet Foundation's OpenID4VCI client, run by node) redeems a
// second offer and its credentials verify alike; the operator revokes the
// first credential, and the ledger's status list says so.
func TestIssuerAgainstNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry node and an issuer")
	}
	js := newJSWallet(t) // before anything starts: fails when node or the npm packages are missing
	t.Chdir(t.TempDir())
	s := &session{t: t}
	rpcPort := freePort(t)
	s.ok("node init --home net --chain-id seoulid-issuer --p2p-port %d --rpc-port %d --empty-block-interval 250ms --json", freePort(t), rpcPort)
	const seoul, mois, moel = "net/agencies/seoul.jwk", "net/agencies/mois.jwk", "net/agencies/moel.jwk"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodeLogs := &syncBuffer{}
	nodeExited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: nodeLogs, stderr: nodeLogs, now: time.Now}
		nodeExited <- a.run(ctx, []string{"node", "start", "--home", "net", "--log-level", "warn"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-nodeExited:
			require.Equal(t, exitOK, code, "node start: %s", nodeLogs.String())
		case <-time.After(time.Minute):
			t.Errorf("the node did not stop: %s", nodeLogs.String())
		}
	})
	s.node = fmt.Sprintf("http://127.0.0.1:%d", rpcPort)
	remote, err := node.Dial(s.node)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		select {
		case code := <-nodeExited:
			t.Fatalf("node start exited with %d: %s", code, nodeLogs.String())
		default:
		}
		id, err := remote.ChainID(ctx)
		return err == nil && id == "seoulid-issuer"
	}, time.Minute, 100*time.Millisecond)

	httpPort := freePort(t)
	issuerURL := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	serve := fmt.Sprintf("issuer serve --agency 관악구청 --agency-en Gwanak-gu-Office --data-dir iss --node %s --http 127.0.0.1:%d", s.node, httpPort)

	// First start: a key is made, and the issuer refuses to serve until its
	// DID is on the ledger, saying which command puts it there.
	stdout, stderr, code := s.run("%s", serve)
	require.Equal(t, exitFail, code, stderr)
	m := regexp.MustCompile(`^generated the issuer's signing key iss/issuer.jwk for (did:seoul:[a-z2-7]{32})\n$`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	issuerDID := m[1]
	require.Equal(t, "seoulid: "+issuerDID+" is not on the ledger: an agency must create it with: seoulid registry did create --key AGENCY.jwk --new-key iss/issuer.jwk --node "+s.node+"; then start the issuer again\n", stderr)
	info, err := os.Stat("iss/issuer.jwk")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// The agency runs it; the issuer now wants an authorisation.
	created := s.ok("registry did create --key %s --new-key iss/issuer.jwk", seoul)
	require.Equal(t, issuerDID, created["did"])
	stdout, _, _ = s.run("%s", serve)
	require.Empty(t, stdout, "the key is made once")
	require.Equal(t, "seoulid: the ledger authorises "+issuerDID+" to issue no credential type of the catalogue; the council authorises it with: seoulid registry trust authorise-issuer --key MEMBER.jwk… --did "+issuerDID+" --vct VCT",
		s.fails("%s", serve))
	require.Contains(t, s.fails("%s --types resident-registration-certificate", serve), "--types: the ledger does not authorise "+issuerDID+" to issue urn:seoulid:vct:resident-registration-certificate:1")
	s.ok("registry trust authorise-issuer --key %s --key %s --key %s --did %s --vct urn:seoulid:vct:seoul-citizen-card:1", seoul, mois, moel, issuerDID)

	// Serve, until the test cancels it as SIGINT would.
	issuerLogs := &syncBuffer{}
	issuerExited := make(chan int, 1)
	ictx, stopIssuer := context.WithCancel(ctx)
	defer stopIssuer()
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: issuerLogs, stderr: issuerLogs, now: time.Now}
		issuerExited <- a.run(ictx, strings.Fields(serve+" --dev"))
	}()
	require.Eventually(t, func() bool {
		select {
		case code := <-issuerExited:
			t.Fatalf("issuer serve exited with %d: %s", code, issuerLogs.String())
		default:
		}
		resp, err := http.Get(issuerURL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 50*time.Millisecond)
	require.Contains(t, issuerLogs.String(), "created the first operator; its token is in iss/operator-token")
	info, err = os.Stat("iss/operator-token")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	office := "--issuer " + issuerURL + " --token-file iss/operator-token"

	// An operator makes an offer from the command line.
	require.NoError(t, os.WriteFile("card.json", []byte(cardClaims), 0o600))
	offer := s.ok("issuer offer %s --type seoul-citizen-card --claims card.json --qr offer.png --json", office)
	require.Regexp(t, `^[0-9]{6}$`, offer["tx_code"])
	png, err := os.ReadFile("offer.png")
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))
	require.Contains(t, issuerLogs.String(), "tx_code="+offer["tx_code"].(string), "--dev logs the tx_code")
	human, _, code := s.run("issuer offer %s --type seoul-citizen-card --claims card.json", office)
	require.Equal(t, exitOK, code)
	require.Regexp(t, `(?m)^tx code +[0-9]{6}  \(give it to the citizen`, human)
	require.Contains(t, s.fails("issuer offer %s --type seoul-citizen-card --claims claims-bad.json", office), "claims-bad.json does not exist")
	require.NoError(t, os.WriteFile("bad.json", []byte(badCardClaims), 0o600))
	require.Equal(t, "seoulid: the issuer refused: invalid_claims: the claims do not fit urn:seoulid:vct:seoul-citizen-card:1: "+
		"/age_over_14: got string, want boolean; /age_over_19: is required but missing; /district: value must be one of '종로구', '중구', '용산구', '성동구', '광진구', '동대문구', '중랑구', '성북구', '강북구', '도봉구', '노원구', '은평구', '서대문구', '마포구', '양천구', '강서구', '구로구', '금천구', '영등포구', '동작구', '관악구', '서초구', '강남구', '송파구', '강동구'; "+
		"/rrn: is not a claim of this type; /rrn: is named like a resident registration number, which no credential may carry (PIPA Art. 24-2); /rrn: looks like a resident registration number, which no credential may carry (PIPA Art. 24-2)",
		s.fails("issuer offer %s --type seoul-citizen-card --claims bad.json", office))
	require.NoError(t, os.WriteFile("wrong-token", []byte("sid_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"), 0o600))
	require.Equal(t, "seoulid: the issuer refused the operator token in wrong-token (invalid_token: unknown operator token)",
		s.fails("issuer offers --issuer %s --token-file wrong-token", issuerURL))

	// A wallet redeems it over HTTP: token with the tx_code, nonce,
	// credential with a key proof.
	wallet, err := newWalletClient(ctx, http.DefaultClient, issuerURL)
	require.NoError(t, err)
	got, err := wallet.redeem(ctx, offer["offer_uri"].(string), offer["tx_code"].(string))
	require.NoError(t, err)
	_, err = wallet.redeem(ctx, offer["offer_uri"].(string), offer["tx_code"].(string))
	require.ErrorContains(t, err, "invalid_grant", "an offer is redeemed once")

	// The credential verifies against the ledger: the issuer's key is its
	// DID's assertionMethod key there.
	v, err := sdjwtvc.NewVerifier(sdjwtvc.DIDKeys{Resolver: ledgerResolver{remote}}, sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}})
	require.NoError(t, err)
	vc, err := v.VerifyIssued(ctx, got.credential)
	require.NoError(t, err)
	require.Equal(t, issuerDID, vc.Issuer)
	require.Equal(t, "urn:seoulid:vct:seoul-citizen-card:1", vc.VCT)
	require.Equal(t, "이정민", vc.Claims["name"])
	require.Equal(t, got.holder.Public().Thumbprint(), vc.SDJWT.HolderKey.Thumbprint())
	ref, err := statuslist.ParseReference(vc.Status)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(ref.URI, "https://127.0.0.1:"), ref.URI)
	// Its list was published to the ledger when it was opened: valid.
	st, ok := ledgerStatus(ctx, t, remote, issuerDID, ref)
	require.True(t, ok)
	require.Equal(t, uint8(0), st)

	// An independent wallet, the OpenWallet Foundation's OpenID4VCI client
	// (conformance/interop/oid4vci-wallet.mjs), redeems a second offer: the
	// tx_code, DPoP (the issuer advertises it), the nonce endpoint, and a
	// batch of two credentials, each bound to its own ES256 key. Each
	// verifies against the ledger as the Go wallet's did, and sd-jwt-js,
	// given the issuer's key from the ledger, yields the same claims.
	offer2 := s.ok("issuer offer %s --type seoul-citizen-card --claims card.json --json", office)
	jsGot := js.redeem(t, map[string]any{
		"offer": offer2["offer_uri"], "txCode": offer2["tx_code"], "alg": "ES256", "batch": 2,
		"issuerJwk": vc.SDJWT.IssuerKey.JWK(),
	})
	require.Equal(t, issuerURL, jsGot.CredentialIssuer)
	require.Equal(t, "seoul-citizen-card-v1", jsGot.CredentialConfigurationID)
	require.True(t, jsGot.Features.TxCode, "the offer asks for a tx_code")
	require.True(t, jsGot.Features.NonceEndpoint)
	require.True(t, jsGot.Features.DPoP, "the issuer advertises dpop_signing_alg_values_supported")
	require.Equal(t, "ES256", jsGot.Features.DPoPAlg)
	require.Equal(t, "DPoP", jsGot.TokenType, "a DPoP-bound access token")
	require.Equal(t, "ES256", jsGot.Features.ProofAlg)
	require.Equal(t, 2, jsGot.Features.BatchSize)
	require.Len(t, jsGot.Credentials, 2)
	t.Logf("the independent wallet redeemed the offer: tx_code, DPoP %s (token_type %s), c_nonce, %d %s key proofs",
		jsGot.Features.DPoPAlg, jsGot.TokenType, jsGot.Features.BatchSize, jsGot.Features.ProofAlg)
	require.Contains(t, js.fails(t, map[string]any{"offer": offer2["offer_uri"], "txCode": offer2["tx_code"]}), "invalid_grant",
		"an offer is redeemed once, whichever the wallet")
	holders := map[string]bool{got.holder.Public().Thumbprint(): true}
	refs := map[statuslist.Reference]bool{ref: true}
	for i, c := range jsGot.Credentials {
		jvc, err := v.VerifyIssued(ctx, c.Credential)
		require.NoError(t, err, "credential %d of the independent wallet", i)
		require.Equal(t, issuerDID, jvc.Issuer)
		require.Equal(t, "urn:seoulid:vct:seoul-citizen-card:1", jvc.VCT)
		require.Equal(t, "이정민", jvc.Claims["name"])
		holder, err := keys.PublicKeyFromJWK(c.HolderJWK)
		require.NoError(t, err, "the holder JWK the wallet printed")
		require.Equal(t, keys.ES256, holder.Algorithm())
		require.Equal(t, holder.Thumbprint(), jvc.SDJWT.HolderKey.Thumbprint(), "credential %d is bound to the key the wallet printed", i)
		require.False(t, holders[holder.Thumbprint()], "each credential has its own holder key")
		holders[holder.Thumbprint()] = true
		goClaims, err := json.Marshal(jvc.Claims)
		require.NoError(t, err)
		jsClaims, err := json.Marshal(c.Claims)
		require.NoError(t, err)
		require.JSONEq(t, string(goClaims), string(jsClaims), "sd-jwt-js and seoulid process credential %d alike", i)
		jref, err := statuslist.ParseReference(jvc.Status)
		require.NoError(t, err)
		require.False(t, refs[jref], "each credential has its own status index")
		refs[jref] = true
		st, ok := ledgerStatus(ctx, t, remote, issuerDID, jref)
		require.True(t, ok, "the status list of credential %d is on the ledger", i)
		require.Equal(t, uint8(0), st)
	}

	// The back office lists the three; the operator revokes the Go wallet's.
	creds := s.ok("issuer credentials %s --json", office)
	require.Len(t, get(t, creds, "credentials"), 3)
	listed := map[string]int{}
	for i := range get(t, creds, "credentials").([]any) {
		listed[get(t, creds, "credentials", i, "holder_jkt").(string)] = i
	}
	require.Len(t, listed, 3)
	for jkt := range holders {
		require.Contains(t, listed, jkt)
	}
	mine := listed[got.holder.Public().Thumbprint()]
	id := get(t, creds, "credentials", mine, "id").(string)
	require.Equal(t, float64(ref.Index), get(t, creds, "credentials", mine, "status_list", "idx"))
	require.Equal(t, "revoked", s.ok("issuer revoke %s %s", id, office)["status"])
	require.Equal(t, "seoulid: the issuer refused: revoked_is_final: "+id+" is revoked, which is final: it cannot be reinstated", s.fails("issuer reinstate %s %s", id, office))
	require.Equal(t, "seoulid: the issuer refused: not_found: no credential crd_nope", s.fails("issuer suspend crd_nope %s", office))

	// The publisher takes it to the ledger within its interval.
	require.Eventually(t, func() bool {
		st, ok := ledgerStatus(ctx, t, remote, issuerDID, ref)
		return ok && st == 1
	}, 30*time.Second, 200*time.Millisecond, "the ledger's status list never showed the revocation: %s", issuerLogs.String())
	for r := range refs {
		if r != ref {
			st, ok := ledgerStatus(ctx, t, remote, issuerDID, r)
			require.True(t, ok)
			require.Equal(t, uint8(0), st, "the independent wallet's credentials stay valid")
		}
	}

	// The audit log holds every action, and its chain holds.
	audit := s.ok("issuer audit %s --json", office)
	require.Equal(t, true, audit["verified"])
	var actions []string
	for _, e := range get(t, audit, "entries").([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"operator.create", "offer.create", "offer.create", "offer.create", "credential.revoke"}, actions)
	table, _, code := s.run("issuer audit %s", office)
	require.Equal(t, exitOK, code)
	require.Contains(t, table, "hash chain verified: 5 entries from the first")
	offers, _, code := s.run("issuer offers %s", office)
	require.Equal(t, exitOK, code)
	require.Regexp(t, `(?m)^off_\S+ +urn:seoulid:vct:seoul-citizen-card:1 +issued `, offers)
	require.NotContains(t, offers, "이정민")

	// The citizen's wallet, from the command line: it receives a card from
	// this issuer, checked against the ledger, and presents one claim of it
	// to a verifier the council registered for that purpose.
	walletSteps(t, s, office)

	// The library's verifier, from the command line: its first start makes
	// its key and says how its DID gets on the ledger, the next says which
	// purposes the council must register, then it serves; a request for
	// the facility-entry programme is answered by the wallet, and decided.
	verifierSteps(t, s)

	// The issuer stops cleanly, as on SIGINT.
	stopIssuer()
	select {
	case code := <-issuerExited:
		require.Equal(t, exitOK, code, "issuer serve: %s", issuerLogs.String())
	case <-time.After(time.Minute):
		t.Fatalf("the issuer did not stop: %s", issuerLogs.String())
	}
	require.Contains(t, issuerLogs.String(), "msg=stopped")
}

// TestTranscriptIssuerOffline: the mistakes of the issuer and bench
// commands that need no node and no issuer, each one line.
func TestTranscriptIssuerOffline(t *testing.T) {
	runTranscript(t, "issuer-offline", map[string]string{
		"token":     "sid_op_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"not-token": "hunter2\n",
		"card.json": cardClaims,
		"open.jwk":  `{"crv":"Ed25519","d":"btREMECnQmSiJgI73tyTJJO2w9syCrwYTNGu3tQ-E9c","kty":"OKP","x":"ifVB3L6UlARFDO8nP6Bof0YhP5Z1PSeuj7oTUct3wPw"}`,
	}, []step{
		{args: "issuer"},
		{args: "issuer serve --data-dir d --node http://127.0.0.1:1"},
		{args: "issuer serve --agency 관악구청 --data-dir d --node http://127.0.0.1:1 --log-level loud"},
		{args: "issuer serve --agency 관악구청 --data-dir d --node http://127.0.0.1:1 --url ftp://x"},
		{args: "issuer serve --agency 관악구청 --data-dir d --node http://127.0.0.1:1 --http 127.0.0.1:0 --status-url http://x/status"},
		{args: "issuer serve --agency 관악구청 --data-dir d --node http://127.0.0.1:1 --http 127.0.0.1:0 --key open.jwk"},
		{args: "issuer serve --agency 관악구청 --data-dir d --node http://127.0.0.1:1 --http 127.0.0.1:0 --key missing.jwk"},
		{args: "issuer offer --issuer http://issuer.example --token-file token --type seoul-citizen-card --claims card.json"},
		{args: "issuer offer --issuer https://issuer.example --token-file not-token --type seoul-citizen-card --claims card.json"},
		{args: "issuer offer --issuer http://127.0.0.1:1 --token-file token --type passport --claims card.json"},
		{args: "issuer offer --issuer http://127.0.0.1:1 --token-file token --type seoul-citizen-card"},
		{args: "issuer revoke --issuer http://127.0.0.1:1 --token-file token"},
		{args: "issuer revoke a/b --issuer http://127.0.0.1:1 --token-file token"},
		{args: "issuer credentials --issuer http://127.0.0.1:1 --token-file token --limit 5000"},
		{args: "issuer audit --issuer http://127.0.0.1:1 --token-file token --from 0"},
		{args: "issuer delete x"},
		{args: "bench issue --concurrency 0 --requests 10"},
		{args: "bench issue --concurrency 1 --requests 10 --issuer https://issuer.example"},
		{args: "bench issue --concurrency 1 --requests 1 --type passport"},
	})
}

// TestBenchIssue: the load generator completes flows against an issuer in
// process and reports them.
func TestBenchIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an issuer")
	}
	t.Setenv("TMPDIR", t.TempDir())
	s := &session{t: t}
	out := s.ok("bench issue --concurrency 4 --requests 40 --json")
	require.Equal(t, float64(40), out["requests"])
	require.Equal(t, float64(0), out["failed"])
	require.Positive(t, out["credentials_per_second"])
	require.Positive(t, get(t, out, "credential_ms", "p99"))
	require.GreaterOrEqual(t, get(t, out, "flow_ms", "p99"), get(t, out, "flow_ms", "p50"))
	require.Equal(t, float64(1), out["status_list_publications"], "one list opened, published once")
	entries, err := os.ReadDir(os.Getenv("TMPDIR"))
	require.NoError(t, err)
	require.Empty(t, entries, "the bench leaves nothing behind")
}
