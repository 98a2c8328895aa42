package interop_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
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

// installHint is how to get what the test needs.
const installHint = "run ./scripts/test (it installs them), or: apt-get install nodejs npm && (cd conformance/interop && npm ci)"

const (
	vct      = "urn:seoulid:vct:interop-pid:1"
	jsIssuer = "https://issuer.example.kr"
	validFor = 8760 * time.Hour
	verifier = "https://verifier.example.kr"
)

// claims is what both issuers put in: Korean strings, an object with a
// selectively disclosable member, an array with disclosable elements.
func claims() map[string]any {
	return map[string]any{
		"given_name":  "길동",
		"family_name": "홍",
		"birthdate":   "1990-03-01",
		"address": map[string]any{
			"locality":       "서울특별시",
			"street_address": "세종대로 110",
			"country":        "KR",
		},
		"nationalities": []any{"KR", "US"},
		"age_over_19":   true,
		"height_cm":     175.5,
	}
}

// The same selectively disclosable claims, as seoulid paths and as an
// sd-jwt-js disclosure frame.
const (
	seoulidSD    = "given_name,family_name,address,address.locality,nationalities[0],nationalities[1],age_over_19"
	sdjwtjsFrame = `{"_sd":["given_name","family_name","address","age_over_19"],"address":{"_sd":["locality"]},"nationalities":{"_sd":[0,1]}}`
)

// The same choice of what to present, both ways: address comes with its
// locality, only the second nationality is shown.
const (
	seoulidDisclose = "given_name,address.locality,nationalities[1]"
	sdjwtjsDisclose = `{"given_name":true,"address":{"locality":true},"nationalities":{"1":true}}`
)

// issued is the processed payload of a credential with all of claims.
func issued(iss string, iat int64, holder map[string]any) map[string]any {
	c := claims()
	c["iss"] = iss
	c["iat"] = iat
	c["exp"] = iat + int64(validFor/time.Second)
	c["vct"] = vct
	c["cnf"] = map[string]any{"jwk": holder}
	return c
}

// presented is what a Verifier sees of a presentation made with
// seoulidDisclose or sdjwtjsDisclose.
func presented(iss string, iat int64, holder map[string]any) map[string]any {
	c := issued(iss, iat, holder)
	delete(c, "family_name")
	delete(c, "age_over_19")
	c["nationalities"] = []any{"US"}
	return c
}

func TestInterop(t *testing.T) {
	e := setup(t)
	for _, alg := range []string{"EdDSA", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			k := e.keys(t, alg)
			iat := time.Now().Unix()
			var seoulidPres, sdjwtjsPres, seoulidCred, sdjwtjsCred string

			t.Run("seoulid issues, sd-jwt-js verifies", func(t *testing.T) {
				claimsFile := k.write(t, "claims.json", mustJSON(t, withIAT(claims(), iat)))
				seoulidCred = e.seoulid(t, "", "sdjwt", "issue", "--issuer-key", k.issuerFile, "--claims", claimsFile,
					"--sd", seoulidSD, "--holder-key", k.holderFile, "--vct", vct, "--valid-for", validFor.String())
				wantIssued := issued(k.issuerDID, iat, k.holderPublic)
				wantPresented := presented(k.issuerDID, iat, k.holderPublic)

				// seoulid's own view, the issuer's key found from its did:jwk.
				gotIssued := e.seoulid(t, seoulidCred, "sdjwt", "verify", "-", "--holder")
				requireClaims(t, wantIssued, gotIssued, "seoulid verify --holder")

				nonce1, nonce2 := newNonce(t), newNonce(t)
				seoulidPres = e.seoulid(t, seoulidCred, "sdjwt", "present", "-", "--disclose", seoulidDisclose,
					"--holder-key", k.holderFile, "--aud", verifier, "--nonce", nonce1)
				gotSeoulidPres := e.seoulid(t, seoulidPres, "sdjwt", "verify", "-", "--aud", verifier, "--nonce", nonce1, "--require-kb")
				requireClaims(t, wantPresented, gotSeoulidPres, "seoulid verify of seoulid's presentation")

				// sd-jwt-js as the holder of seoulid's credential.
				jsPres := e.node(t, "present.mjs", map[string]any{
					"sdjwt": seoulidCred, "disclose": json.RawMessage(sdjwtjsDisclose),
					"holderJwk": k.holderPrivate, "aud": verifier, "nonce": nonce2,
				})
				gotJSPres := e.seoulid(t, jsPres, "sdjwt", "verify", "-", "--aud", verifier, "--nonce", nonce2, "--require-kb")
				requireClaims(t, wantPresented, gotJSPres, "seoulid verify of sd-jwt-js's presentation")

				js := e.verifyBatch(t, []map[string]any{
					{"sdjwt": seoulidCred, "issuerJwk": k.issuerPublic},
					{"sdjwt": seoulidPres, "issuerJwk": k.issuerPublic, "aud": verifier, "nonce": nonce1, "requireKeyBinding": true},
					{"sdjwt": jsPres, "issuerJwk": k.issuerPublic, "aud": verifier, "nonce": nonce2, "requireKeyBinding": true},
				})
				requireSame(t, gotIssued, js[0], "sd-jwt-js verifying seoulid's credential")
				requireSame(t, gotSeoulidPres, js[1], "sd-jwt-js verifying seoulid's presentation")
				requireSame(t, gotJSPres, js[2], "sd-jwt-js verifying its own presentation of seoulid's credential")
			})

			t.Run("sd-jwt-js issues, seoulid verifies", func(t *testing.T) {
				exp := iat + int64(validFor/time.Second)
				sdjwtjsCred = e.node(t, "issue.mjs", map[string]any{
					"issuerJwk": k.issuerPrivate, "claims": claims(), "frame": json.RawMessage(sdjwtjsFrame),
					"holderJwk": k.holderPublic, "vct": vct, "iss": jsIssuer, "iat": iat, "exp": exp,
				})
				header, payload := decodeJWT(t, sdjwtjsCred)
				require.Equal(t, "dc+sd-jwt", header["typ"], "typ of sd-jwt-js's credential")
				require.Equal(t, "sha-256", payload["_sd_alg"], "_sd_alg of sd-jwt-js's credential")
				wantIssued := issued(jsIssuer, iat, k.holderPublic)
				wantPresented := presented(jsIssuer, iat, k.holderPublic)

				gotIssued := e.seoulid(t, sdjwtjsCred, "sdjwt", "verify", "-", "--issuer-key", k.issuerPublicFile, "--holder")
				requireClaims(t, wantIssued, gotIssued, "seoulid verify --holder of sd-jwt-js's credential")

				nonce1, nonce2 := newNonce(t), newNonce(t)
				sdjwtjsPres = e.node(t, "present.mjs", map[string]any{
					"sdjwt": sdjwtjsCred, "disclose": json.RawMessage(sdjwtjsDisclose),
					"holderJwk": k.holderPrivate, "aud": verifier, "nonce": nonce1,
				})
				gotJSPres := e.seoulid(t, sdjwtjsPres, "sdjwt", "verify", "-", "--issuer-key", k.issuerPublicFile,
					"--aud", verifier, "--nonce", nonce1, "--require-kb")
				requireClaims(t, wantPresented, gotJSPres, "seoulid verify of sd-jwt-js's presentation")

				// seoulid as the holder of sd-jwt-js's credential.
				seoulidPresOfJS := e.seoulid(t, sdjwtjsCred, "sdjwt", "present", "-", "--disclose", seoulidDisclose,
					"--holder-key", k.holderFile, "--aud", verifier, "--nonce", nonce2)
				gotSeoulidPres := e.seoulid(t, seoulidPresOfJS, "sdjwt", "verify", "-", "--issuer-key", k.issuerPublicFile,
					"--aud", verifier, "--nonce", nonce2, "--require-kb")
				requireClaims(t, wantPresented, gotSeoulidPres, "seoulid verify of its own presentation of sd-jwt-js's credential")

				js := e.verifyBatch(t, []map[string]any{
					{"sdjwt": sdjwtjsCred, "issuerJwk": k.issuerPublic},
					{"sdjwt": sdjwtjsPres, "issuerJwk": k.issuerPublic, "aud": verifier, "nonce": nonce1, "requireKeyBinding": true},
					{"sdjwt": seoulidPresOfJS, "issuerJwk": k.issuerPublic, "aud": verifier, "nonce": nonce2, "requireKeyBinding": true},
				})
				requireSame(t, gotIssued, js[0], "sd-jwt-js verifying its own credential")
				requireSame(t, gotJSPres, js[1], "sd-jwt-js verifying its own presentation")
				requireSame(t, gotSeoulidPres, js[2], "sd-jwt-js verifying seoulid's presentation of its credential")
			})

			t.Run("both refuse", func(t *testing.T) {
				if seoulidCred == "" || sdjwtjsCred == "" || seoulidPres == "" || sdjwtjsPres == "" {
					t.Fatal("needs the credentials and presentations of the subtests above, which failed")
				}
				for _, tc := range []struct {
					name       string
					in         string
					aud, nonce string // empty: a credential, checked as its holder would
					why        string // in both error messages, case aside
				}{
					{"seoulid's presentation, wrong nonce", seoulidPres, verifier, newNonce(t), "nonce"},
					{"sd-jwt-js's presentation, wrong nonce", sdjwtjsPres, verifier, newNonce(t), "nonce"},
					{"seoulid's presentation, another audience", seoulidPres, "https://other.example.kr", kbNonce(t, seoulidPres), "aud"},
					{"sd-jwt-js's presentation, another audience", sdjwtjsPres, "https://other.example.kr", kbNonce(t, sdjwtjsPres), "aud"},
					{"seoulid's credential, a disclosure altered", alterDisclosure(t, seoulidCred, "given_name", "철수"), "", "", "disclosure"},
					{"sd-jwt-js's credential, a disclosure altered", alterDisclosure(t, sdjwtjsCred, "given_name", "철수"), "", "", "disclosure"},
				} {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						args := []string{"sdjwt", "verify", "-", "--issuer-key", k.issuerPublicFile}
						req := map[string]any{"sdjwt": tc.in, "issuerJwk": k.issuerPublic}
						if tc.nonce == "" {
							args = append(args, "--holder")
						} else {
							args = append(args, "--aud", tc.aud, "--nonce", tc.nonce, "--require-kb")
							req["aud"], req["nonce"], req["requireKeyBinding"] = tc.aud, tc.nonce, true
						}
						requireRefusal(t, "seoulid", tc.why, e.run(t, tc.in, e.bin, args...))
						requireRefusal(t, "sd-jwt-js", tc.why, e.run(t, mustJSON(t, req), e.nodeBin, e.script("verify.mjs")))
					})
				}
			})
		})
	}
}

// env is what every subtest uses: node, the scripts and a seoulid binary.
type env struct {
	nodeBin string
	dir     string // this folder, where the scripts are
	bin     string // the seoulid binary
}

// setup finds node and sd-jwt-js, failing when either is missing, and
// builds seoulid once.
func setup(t *testing.T) *env {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: %s", installHint)
	}
	dir, err := os.Getwd()
	require.NoError(t, err)
	requireModules(t, dir, "@sd-jwt/sd-jwt-vc")

	// The test runs in conformance/interop; the module root is two up.
	root := filepath.Join(dir, "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: the test must run in conformance/interop of the seoulid module", root)
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build seoulid")
	bin := filepath.Join(t.TempDir(), "seoulid")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/seoulid")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/seoulid: %v\n%s", err, out)
	}
	return &env{nodeBin: node, dir: dir, bin: bin}
}

func (e *env) script(name string) string { return filepath.Join(e.dir, name) }

// result is how a command ended.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a command with stdin and returns how it ended; it fails the test
// only if the command could not be run at all.
func (e *env) run(t *testing.T, stdin, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	return result{stdout: strings.TrimSpace(stdout.String()), stderr: strings.TrimSpace(stderr.String()), code: cmd.ProcessState.ExitCode()}
}

// seoulid runs the seoulid binary, requires it to succeed and returns its
// output.
func (e *env) seoulid(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := e.run(t, stdin, e.bin, args...)
	require.Zero(t, r.code, "seoulid %s failed: %s", strings.Join(args, " "), r.stderr)
	return r.stdout
}

// node runs one of the scripts with a JSON request, requires it to succeed
// and returns its output.
func (e *env) node(t *testing.T, script string, req any) string {
	t.Helper()
	r := e.run(t, mustJSON(t, req), e.nodeBin, e.script(script))
	require.Zero(t, r.code, "node %s failed: %s", script, r.stderr)
	return r.stdout
}

// verifyBatch has sd-jwt-js verify several inputs in one run of node,
// requires each to verify and returns the claims each yields, as JSON.
func (e *env) verifyBatch(t *testing.T, reqs []map[string]any) []string {
	t.Helper()
	var out []struct {
		Claims json.RawMessage `json:"claims"`
		Error  string          `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(e.node(t, "verify.mjs", reqs)), &out))
	require.Len(t, out, len(reqs), "verify.mjs answers")
	claims := make([]string, len(out))
	for i, o := range out {
		require.Empty(t, o.Error, "sd-jwt-js refused input %d of the batch", i)
		claims[i] = string(o.Claims)
	}
	return claims
}

// keySet is an issuer's and a holder's key, made by seoulid keys generate.
type keySet struct {
	dir                          string
	issuerFile, issuerPublicFile string // private and public JWK files
	holderFile                   string
	issuerPrivate, issuerPublic  map[string]any
	holderPrivate, holderPublic  map[string]any
	issuerDID                    string // did:jwk of the issuer key
}

func (e *env) keys(t *testing.T, alg string) *keySet {
	t.Helper()
	k := &keySet{dir: t.TempDir()}
	gen := func(name string) (file string, private, public map[string]any, didJWK string) {
		file = filepath.Join(k.dir, name+".jwk")
		var report struct {
			PublicJWK map[string]any `json:"public_jwk"`
			DIDJWK    string         `json:"did_jwk"`
		}
		require.NoError(t, json.Unmarshal([]byte(e.seoulid(t, "", "keys", "generate", "--alg", alg, "--out", file)), &report))
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &private))
		require.NotEmpty(t, private["d"], "%s is a private JWK", file)
		require.NotEmpty(t, report.PublicJWK, "seoulid keys generate prints public_jwk")
		return file, private, report.PublicJWK, report.DIDJWK
	}
	k.issuerFile, k.issuerPrivate, k.issuerPublic, k.issuerDID = gen("issuer")
	k.holderFile, k.holderPrivate, k.holderPublic, _ = gen("holder")
	require.True(t, strings.HasPrefix(k.issuerDID, "did:jwk:"), "did_jwk of the issuer key: %q", k.issuerDID)
	k.issuerPublicFile = k.write(t, "issuer.pub.jwk", mustJSON(t, k.issuerPublic))
	return k
}

func (k *keySet) write(t *testing.T, name, content string) string {
	t.Helper()
	file := filepath.Join(k.dir, name)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	return file
}

// requireClaims requires got, a verifier's output, to be the JSON value of
// want.
func requireClaims(t *testing.T, want map[string]any, got, what string) {
	t.Helper()
	requireSame(t, mustJSON(t, want), got, what)
}

// requireSame requires two JSON texts to hold the same value: object members
// in any order, numbers compared as written.
func requireSame(t *testing.T, want, got, what string) {
	t.Helper()
	require.Equal(t, decodeJSON(t, want), decodeJSON(t, got), what)
}

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "not JSON: %q", s)
	require.False(t, dec.More(), "more than one JSON value: %q", s)
	return v
}

// requireRefusal requires a verifier to have refused, with exit status 1
// and one line on standard error that says why.
func requireRefusal(t *testing.T, who, why string, r result) {
	t.Helper()
	require.Equal(t, 1, r.code, "%s accepted what it must refuse; it printed %s", who, r.stdout)
	require.Empty(t, r.stdout, "%s printed claims while refusing", who)
	require.NotContains(t, r.stderr, "\n", "%s's error is one line", who)
	require.Contains(t, strings.ToLower(r.stderr), why, "%s refused, but not for the expected reason", who)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func withIAT(c map[string]any, iat int64) map[string]any {
	c["iat"] = iat
	return c
}

func newNonce(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// decodeJWT returns the header and payload of the Issuer-signed JWT of an
// SD-JWT, unverified.
func decodeJWT(t *testing.T, sdjwt string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(strings.SplitN(sdjwt, "~", 2)[0], ".")
	require.Len(t, parts, 3, "a compact JWS")
	for i, into := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, into))
	}
	return header, payload
}

// kbNonce returns the nonce in a presentation's KB-JWT.
func kbNonce(t *testing.T, presentation string) string {
	t.Helper()
	parts := strings.Split(presentation, "~")
	_, payload := decodeJWT(t, parts[len(parts)-1])
	nonce, _ := payload["nonce"].(string)
	require.NotEmpty(t, nonce, "the KB-JWT of %s has a nonce", presentation)
	return nonce
}

// alterDisclosure replaces the value in the Disclosure of the named claim,
// leaving the digest in the signed payload as it was.
func alterDisclosure(t *testing.T, sdjwt, name string, value any) string {
	t.Helper()
	parts := strings.Split(sdjwt, "~")
	for i := 1; i < len(parts)-1; i++ {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		var d []any
		require.NoError(t, json.Unmarshal(b, &d))
		if len(d) == 3 && d[1] == name {
			d[2] = value
			parts[i] = base64.RawURLEncoding.EncodeToString([]byte(mustJSON(t, d)))
			return strings.Join(parts, "~")
		}
	}
	t.Fatalf("no Disclosure of %q in %s", name, sdjwt)
	return ""
}
