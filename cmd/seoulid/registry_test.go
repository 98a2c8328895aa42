package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/node"
)

// Fixed keys of the offline transcript, so that their DIDs can be written
// into its command lines. m1 names its key by its DID URL; the others have
// no kid (m2, m3, svc) or a bare key id (rot).
const (
	m1JWK  = `{"crv":"Ed25519","d":"D_f1Yb92peoMC617m8GqSGSQ__rzWM-15TinGsMZCpA","kty":"OKP","x":"_PPPzg78raokPj95D3bnmi5hE88MQFGVqkQx0CaTrj0","kid":"did:seoul:h734glexrgdhp6bu4jvksgeroxesnpyv#key-1"}`
	m2JWK  = `{"crv":"Ed25519","d":"aupD3UPAPnbP3WSo-oBzmL5T42-6LnXxwSC8AbH756w","kty":"OKP","x":"TIqf5rU7g5crB_uRwSwz6vm3jdzBmLTy8z2KdIc_uOI"}`
	m3JWK  = `{"crv":"Ed25519","d":"6GaaatKy1Nbdy_FM46qVZEQpvCUAM0dA5aqYay5t8rI","kty":"OKP","x":"5KklpE1eGVN6W9y3PjAQkepHPDEDeB9LFAd70uIlDWU"}`
	svcJWK = `{"crv":"Ed25519","d":"btREMECnQmSiJgI73tyTJJO2w9syCrwYTNGu3tQ-E9c","kty":"OKP","x":"ifVB3L6UlARFDO8nP6Bof0YhP5Z1PSeuj7oTUct3wPw"}`
	rotJWK = `{"crv":"Ed25519","d":"FDecKfbQJaMObVmRPMOISsE4U4DBBdlUPz7Bmme9SzM","kty":"OKP","x":"wQ18Zz1FpbZcHEQSh-2-rWFkfRrLn5zLkwQCYAgjUno","kid":"key-2"}`

	m1DID  = "did:seoul:h734glexrgdhp6bu4jvksgeroxesnpyv"
	m2DID  = "did:seoul:xx7hfxupwkmoor24oqkvt4yrfv6maxew"
	m3DID  = "did:seoul:kyqjuemqhlk5aov4q2t2jfmib6fvcjci"
	svcDID = "did:seoul:mfszqy2s2ymrh7k4zmkaapdfc4gf2nn3"
)

func TestFixedKeysDIDs(t *testing.T) {
	for jwk, want := range map[string]string{m1JWK: m1DID, m2JWK: m2DID, m3JWK: m3DID, svcJWK: svcDID} {
		k, err := keys.ParsePrivateJWK([]byte(jwk))
		require.NoError(t, err)
		require.Equal(t, want, registry.DeriveDID(k.Public()))
	}
}

const agePurposes = `[{"id": "age-check", "description": {"ko": "연령 확인", "en": "Age check"},
  "legal_basis": "청소년 보호법 제16조", "retention": "P0D",
  "claims": [{"vct": "urn:seoulid:vct:seoul-citizen-card:1", "paths": [["age_over_19"]]}]}]`

// TestTranscriptRegistryOffline: operations signed with --chain-id, --seq
// and --out need no node; co-signing adds signatures one file at a time;
// and every mistake is one line.
func TestTranscriptRegistryOffline(t *testing.T) {
	sub := func(s string) string {
		return strings.NewReplacer("M1", m1DID, "M2", m2DID, "M3", m3DID, "SVC", svcDID).Replace(s)
	}
	steps := []step{
		{args: "registry did create --key m1.jwk --new-key svc.jwk --service web=LinkedDomains=https://svc.seoul.go.kr --chain-id seoulid-test --seq 1 --out create.json"},
		{args: "registry did update --key svc.jwk --did SVC --set-key rot.jwk --compromised key-1 --chain-id seoulid-test --seq 1 --out update.json"},
		{args: "registry did deactivate --key rot.jwk --did SVC --chain-id seoulid-test --seq 2 --out deactivate.json"},
		{args: "registry council set --key m1.jwk --member M1,M2 --member M3 --threshold 2 --chain-id seoulid-test --seq 2 --out council.json"},
		{args: "registry cosign council.json --key m2.jwk"},
		{args: "registry cosign council.json --key m3.jwk --out council3.json"},
		{args: "registry cosign council.json --key m2.jwk"},
		{args: "registry trust authorise-issuer --key m1.jwk --key m2.jwk --did SVC --vct urn:seoulid:vct:seoul-citizen-card:1 --chain-id seoulid-test --seq 3 --out issuer.json"},
		{args: "registry trust register-verifier --key m2.jwk --did SVC --purposes purposes.json --chain-id seoulid-test --seq 1 --out verifier.json"},
		{args: "registry agency add --key m1.jwk --key m3.jwk --new-key rot.jwk --name-ko 서울교통공사 --name-en Seoul-Metro --chain-id seoulid-test --seq 4 --out agency.json"},
		{args: "registry agency remove --key m3.jwk --did M2 --chain-id seoulid-test --seq 1 --out remove.json"},
		// Mistakes.
		{args: "registry did create --key m1.jwk"},
		{args: "registry did create --key m1.jwk --new-key svc.jwk --service web=https://svc.seoul.go.kr"},
		{args: "registry did create --key m1.jwk --new-key pub.jwk --chain-id c --seq 1 --out x.json"},
		{args: "registry did update --key svc.jwk --did did:example:123 --set-key rot.jwk"},
		{args: "registry did update --key m1.jwk --did SVC --set-key rot.jwk --chain-id c --seq 1 --out x.json"},
		{args: "registry did update --key svc.jwk --did SVC --set-key svc.jwk,m2.jwk --chain-id c --seq 1 --out x.json"},
		{args: "registry did resolve SVC --version-id 1 --version-time 2026-11-22T09:00:00Z"},
		{args: "registry did resolve SVC --version-time yesterday"},
		{args: "registry did resolve did:seoul:nope"},
		{args: "registry agency add --key m1.jwk --name-ko 기관 --name-en Agency"},
		{args: "registry council set --key m1.jwk --key m1.jwk --member M1 --threshold 1 --chain-id c --seq 1 --out x.json"},
		{args: "registry trust register-verifier --key m1.jwk --did SVC --purposes dup.json"},
		{args: "registry trust register-verifier --key m1.jwk --did SVC --purposes object.json"},
		{args: "registry trust register-verifier --key m1.jwk --did SVC --purposes unknown.json"},
		{args: "registry cosign garbage.json --key m2.jwk"},
		{args: "registry cosign - --key m2.jwk", stdin: "{}"},
		{args: "registry did create --key m1.jwk --new-key svc.jwk --out x.json --node http://127.0.0.1:1"},
		{args: "registry submit create.json --node http://127.0.0.1:1"},
		{args: "registry did revoke"},
	}
	for i := range steps {
		steps[i].args = sub(steps[i].args)
	}
	runTranscript(t, "registry-offline", map[string]string{
		"m1.jwk":        m1JWK,
		"m2.jwk":        m2JWK,
		"m3.jwk":        m3JWK,
		"svc.jwk":       svcJWK,
		"rot.jwk":       rotJWK,
		"pub.jwk":       `{"crv":"Ed25519","kty":"OKP","x":"ifVB3L6UlARFDO8nP6Bof0YhP5Z1PSeuj7oTUct3wPw"}`,
		"purposes.json": agePurposes,
		"dup.json":      `[{"id":"a","id":"b"}]`,
		"object.json":   `{"id":"a"}`,
		"unknown.json":  `[{"id":"a","why":"because"}]`,
		"garbage.json":  `{"payload":"e30","signatures":[]}`,
	}, steps)

	// The co-signed file is what the ledger decodes: three signatures over
	// the one payload, each by its own key.
	dir := t.TempDir()
	t.Chdir(dir)
	for f, content := range map[string]string{"m1.jwk": m1JWK, "m2.jwk": m2JWK, "m3.jwk": m3JWK} {
		require.NoError(t, os.WriteFile(f, []byte(content), 0o600))
	}
	s := &session{t: t}
	s.ok("registry council set --key m1.jwk --member %s --threshold 1 --chain-id c --seq 1 --out tx.json", m1DID)
	s.ok("registry cosign tx.json --key m2.jwk")
	s.ok("registry cosign tx.json --key m3.jwk")
	b, err := os.ReadFile("tx.json")
	require.NoError(t, err)
	tx, rej := registry.DecodeTx(b)
	require.Nil(t, rej)
	require.Len(t, tx.Signatures, 3)
	for i, want := range []string{m1DID, m2DID, m3DID} {
		require.Equal(t, want+"#key-1", tx.Signatures[i].KeyID())
	}
	require.Equal(t, registry.OpCouncilSet, tx.Op().Type)
}

// session runs commands as a shell would, against one node.
type session struct {
	t    *testing.T
	node string // appended as --node to registry commands
}

func (s *session) run(format string, args ...any) (stdout, stderr string, code int) {
	s.t.Helper()
	line := fmt.Sprintf(format, args...)
	if strings.HasPrefix(line, "registry ") && s.node != "" {
		line += " --node " + s.node
	}
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, now: time.Now}
	code = a.run(context.Background(), strings.Fields(line))
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its JSON output.
func (s *session) ok(format string, args ...any) map[string]any {
	s.t.Helper()
	stdout, stderr, code := s.run(format, args...)
	require.Equal(s.t, exitOK, code, "seoulid %s: %s", fmt.Sprintf(format, args...), stderr)
	var m map[string]any
	if strings.HasPrefix(strings.TrimSpace(stdout), "{") {
		require.NoError(s.t, json.Unmarshal([]byte(stdout), &m), stdout)
	}
	return m
}

// fails runs a command that must fail with exit status 1 and returns its
// one line of error.
func (s *session) fails(format string, args ...any) string {
	s.t.Helper()
	stdout, stderr, code := s.run(format, args...)
	require.Equal(s.t, exitFail, code, "seoulid %s: %s", fmt.Sprintf(format, args...), stdout)
	require.Equal(s.t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	return strings.TrimSpace(stderr)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a buffer a running node may log to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "%v has no member %q", v, k)
			v = m[k]
		case int:
			a, ok := v.([]any)
			require.True(t, ok && k < len(a), "%v has no element %d", v, k)
			v = a[k]
		}
	}
	return v
}

// TestRegistryAgainstNode runs node init and node start in this process and
// drives every registry command against the node through the command line.
func TestRegistryAgainstNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry node")
	}
	t.Chdir(t.TempDir())
	s := &session{t: t}
	rpcPort, httpPort := freePort(t), freePort(t)
	netw := s.ok("node init --home net --chain-id seoulid-it --p2p-port %d --rpc-port %d --empty-block-interval 250ms --json", freePort(t), rpcPort)
	var agencies []string // DIDs of seoul, mois, moel, mohw, nhis
	for i := range 5 {
		agencies = append(agencies, get(t, netw, "agencies", i, "did").(string))
	}
	const seoul, mois, moel, mohw = "net/agencies/seoul.jwk", "net/agencies/mois.jwk", "net/agencies/moel.jwk", "net/agencies/mohw.jwk"

	// node start, until the test cancels it as SIGINT would.
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs, now: time.Now}
		exited <- a.run(ctx, []string{"node", "start", "--home", "net", "--log-level", "warn", "--http", fmt.Sprintf("127.0.0.1:%d", httpPort)})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-exited:
			require.Equal(t, exitOK, code, "node start: %s", logs.String())
		case <-time.After(time.Minute):
			t.Fatalf("the node did not stop: %s", logs.String())
		}
	}
	t.Cleanup(stop)
	s.node = fmt.Sprintf("http://127.0.0.1:%d", rpcPort)
	remote, err := node.Dial(s.node)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		select {
		case code := <-exited:
			t.Fatalf("node start exited with %d: %s", code, logs.String())
		default:
		}
		id, err := remote.ChainID(ctx)
		return err == nil && id == "seoulid-it"
	}, time.Minute, 100*time.Millisecond)

	s.ok("keys generate --alg EdDSA --out svc.jwk")
	s.ok("keys generate --alg ES256 --kid key-2 --out rot.jwk")

	// did create, resolve.
	created := s.ok("registry did create --key %s --new-key svc.jwk --service web=LinkedDomains=https://svc.seoul.go.kr", seoul)
	d := created["did"].(string)
	require.Equal(t, agencies[0], created["actor"])
	require.Positive(t, created["height"].(float64))
	res := s.ok("registry did resolve %s", d)
	require.Equal(t, d+"#key-1", get(t, res, "didDocument", "capabilityInvocation", 0))
	require.Equal(t, "https://svc.seoul.go.kr", get(t, res, "didDocument", "service", 0, "serviceEndpoint"))
	require.Equal(t, "1", get(t, res, "didDocumentMetadata", "versionId"))
	createdAt := get(t, res, "didDocumentMetadata", "created").(string)

	// The same, from the node's HTTP face (--http).
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/1.0/identifiers/%s", httpPort, d))
	require.NoError(t, err)
	var viaHTTP map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&viaHTTP))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", viaHTTP)
	require.Equal(t, get(t, res, "didDocument", "verificationMethod"), get(t, viaHTTP, "didDocument", "verificationMethod"))

	// did update: rotate to key-2, reporting key-1 compromised; version 1
	// still resolves, with the news.
	// Versions carry block time to the second: update in a later second
	// than the creation so that --version-time tells them apart.
	time.Sleep(2 * time.Second)
	s.ok("registry did update --key svc.jwk --did %s --set-key rot.jwk --compromised key-1", d)
	res = s.ok("registry did resolve %s", d)
	require.Equal(t, d+"#key-2", get(t, res, "didDocument", "verificationMethod", 0, "id"))
	require.Equal(t, "P-256", get(t, res, "didDocument", "verificationMethod", 0, "publicKeyJwk", "crv"))
	require.Nil(t, get(t, res, "didDocument", "service"))
	require.Equal(t, "2", get(t, res, "didDocumentMetadata", "versionId"))
	for _, q := range []string{"--version-id 1", "--version-time " + createdAt} {
		res = s.ok("registry did resolve %s %s", d, q)
		require.Equal(t, d+"#key-1", get(t, res, "didDocument", "verificationMethod", 0, "id"), q)
		require.Equal(t, "1", get(t, res, "didDocumentMetadata", "versionId"))
		require.Equal(t, "2", get(t, res, "didDocumentMetadata", "nextVersionId"))
		require.Equal(t, []any{d + "#key-1"}, get(t, res, "didDocumentMetadata", "compromisedKeys"))
	}
	require.Equal(t, "seoulid: "+d+" has no version \"3\" (versions 1 to 2)", s.fails("registry did resolve %s --version-id 3", d))
	require.Contains(t, s.fails("registry did update --key svc.jwk --did %s --set-key svc.jwk", d), "rejected: bad signature (code 4)")

	// trust authorise-issuer: two of five is not the council's three.
	require.Equal(t, "seoulid: rejected: council quorum not reached (code 6): 2 of the council signed; trust.issuer needs 3 of 5",
		s.fails("registry trust authorise-issuer --key %s --key %s --did %s --vct urn:seoulid:vct:seoul-citizen-card:1", seoul, mois, d))
	issued := s.ok("registry trust authorise-issuer --key %s --key %s --key %s --did %s --vct urn:seoulid:vct:seoul-citizen-card:1", seoul, mois, moel, d)
	require.Equal(t, "trust.issuer", issued["op"])

	// register-verifier, trust show.
	require.NoError(t, os.WriteFile("purposes.json", []byte(agePurposes), 0o600))
	s.ok("registry trust register-verifier --key %s --key %s --key %s --did %s --purposes purposes.json", mois, moel, mohw, d)
	shown := s.ok("registry trust show %s", d)
	require.Equal(t, []any{"urn:seoulid:vct:seoul-citizen-card:1"}, get(t, shown, "issuer", "vcts"))
	require.Equal(t, "age-check", get(t, shown, "verifier", "purposes", 0, "id"))
	require.Equal(t, []any{"age_over_19"}, get(t, shown, "verifier", "purposes", 0, "claims", 0, "paths", 0))
	require.Equal(t, "seoulid: "+agencies[4]+" is neither an authorised issuer nor a registered verifier", s.fails("registry trust show %s", agencies[4]))

	// agency add, remove.
	s.ok("keys generate --alg EdDSA --out metro.jwk")
	added := s.ok("registry agency add --key %s --key %s --key %s --new-key metro.jwk --name-ko 서울교통공사 --name-en Seoul-Metro", moel, seoul, mohw)
	metro := added["did"].(string)
	require.Equal(t, agencies[2], added["actor"])
	s.ok("registry did resolve %s", metro)
	s.ok("registry agency remove --key %s --key %s --key %s --did %s", seoul, mois, moel, metro)

	// did deactivate, by the rotated key.
	s.ok("registry did deactivate --key rot.jwk --did %s", d)
	res = s.ok("registry did resolve %s", d)
	require.Equal(t, true, get(t, res, "didDocumentMetadata", "deactivated"))
	require.Contains(t, s.fails("registry did deactivate --key rot.jwk --did %s", d), "rejected: deactivated (code 9)")
	require.Equal(t, "seoulid: did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa is not on the ledger", s.fails("registry did resolve did:seoul:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))

	// A council operation signed in three steps with three key files, as
	// three members on three machines would: --out, cosign, cosign, submit.
	members := "--member " + strings.Join(agencies, " --member ")
	written := s.ok("registry council set --key %s %s --threshold 4 --out council.json", seoul, members)
	require.Equal(t, []any{agencies[0] + "#key-1"}, written["signed_by"])
	s.ok("registry cosign council.json --key %s", mois)
	require.Equal(t, "seoulid: rejected: council quorum not reached (code 6): 2 of the council signed; council.set needs 3 of 5", s.fails("registry submit council.json"))
	cosigned := s.ok("registry cosign council.json --key %s", moel)
	require.Equal(t, []any{agencies[0] + "#key-1", agencies[1] + "#key-1", agencies[2] + "#key-1"}, cosigned["signed_by"])
	submitted := s.ok("registry submit council.json")
	require.Equal(t, "council.set", submitted["op"])
	council := s.ok("registry council show")
	require.Equal(t, float64(4), council["threshold"])
	require.Equal(t, "서울특별시", get(t, council, "members", 0, "name", "ko"))
	require.Contains(t, s.fails("registry submit council.json"), "rejected: wrong sequence number (code 3)")

	// The node stops cleanly, as on SIGINT.
	stop()
}
