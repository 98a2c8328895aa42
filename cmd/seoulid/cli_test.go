package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// fixedNow is the clock of every transcript.
var fixedNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// step is one command of a transcript: its arguments, what it reads on
// standard input, and where its standard output is saved for later steps.
type step struct {
	args  string
	stdin string
	save  string // file to write stdout to, as a shell's > would
}

// runTranscript runs steps in a fresh directory with a fixed clock and a
// fixed random source, and compares what they print with
// testdata/<name>.golden (go test ./cmd/seoulid -update rewrites it).
func runTranscript(t *testing.T, name string, files map[string]string, steps []step) {
	cryptotest.SetGlobalRandom(t, 20261122)
	golden, err := filepath.Abs(filepath.Join("testdata", name+".golden"))
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	for f, content := range files {
		require.NoError(t, os.WriteFile(f, []byte(content), 0o600))
	}
	var tr strings.Builder
	for _, s := range steps {
		var stdout, stderr bytes.Buffer
		a := &app{stdin: strings.NewReader(s.stdin), stdout: &stdout, stderr: &stderr, now: func() time.Time { return fixedNow }}
		code := a.run(context.Background(), strings.Fields(s.args))
		tr.WriteString("$ seoulid " + s.args)
		if s.save != "" {
			tr.WriteString(" > " + s.save)
			require.NoError(t, os.WriteFile(s.save, stdout.Bytes(), 0o600))
		}
		tr.WriteString("\n")
		for _, line := range lines(stdout.String()) {
			tr.WriteString("  " + line + "\n")
		}
		for _, line := range lines(stderr.String()) {
			tr.WriteString("! " + line + "\n")
		}
		if code != exitOK {
			tr.WriteString("exit " + string(rune('0'+code)) + "\n")
		}
		tr.WriteString("\n")
	}
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(tr.String()), 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "no golden transcript; run go test ./cmd/seoulid -update")
	require.Equal(t, string(want), tr.String(), "transcript %s changed; if intended, run go test ./cmd/seoulid -update and review the diff", name)
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

const residentClaims = `{
  "given_name": "서연",
  "family_name": "이",
  "birthdate": "2001-09-30",
  "resident_of_seoul": true,
  "address": {"district": "Mapo-gu", "locality": "Seoul", "postal_code": "04001"},
  "nationalities": ["KR", "CA"]
}`

// TestTranscriptCredentialRoundTrip: keys, an SD-JWT VC issued with nested
// and array disclosures, presented with key binding, verified by DID
// resolution and with the issuer's key, and decoded.
func TestTranscriptCredentialRoundTrip(t *testing.T) {
	runTranscript(t, "roundtrip", map[string]string{"claims.json": residentClaims}, []step{
		{args: "keys generate --alg EdDSA --out issuer.jwk"},
		{args: "keys generate --alg ES256 --out holder.jwk --kid wallet-1"},
		{args: "keys show holder.jwk"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims claims.json --sd given_name,family_name,birthdate,resident_of_seoul,address,address.district,address.postal_code,nationalities[*] --holder-key holder.jwk --vct urn:seoulid:vct:residence:1 --valid-for 8760h", save: "credential.txt"},
		{args: "sdjwt verify credential.txt --holder"},
		{args: "sdjwt present credential.txt --disclose resident_of_seoul,address.district,nationalities[0] --holder-key holder.jwk --aud https://welfare.seoul.go.kr --nonce n-7Hq2", save: "presentation.txt"},
		{args: "sdjwt verify presentation.txt --aud https://welfare.seoul.go.kr --nonce n-7Hq2 --require-kb"},
		{args: "sdjwt verify presentation.txt --issuer-key issuer.jwk --aud https://welfare.seoul.go.kr --nonce n-7Hq2 --require-kb"},
		{args: "sdjwt decode presentation.txt"},
	})
}

// TestTranscriptPlainSDJWT: a plain SD-JWT (no vct) issued from standard
// input with https iss and a given key, presented without key binding,
// verified with the key, and in the JSON serialization.
func TestTranscriptPlainSDJWT(t *testing.T) {
	runTranscript(t, "plain", nil, []step{
		{args: "keys generate --alg ES256 --out issuer.jwk --kid 2026-11"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims - --sd email,phone --iss https://issuer.seoul.go.kr --typ example+sd-jwt --decoys 2", stdin: `{"sub":"user-42","email":"a@example.kr","phone":"+82-2-120"}`, save: "sd.txt"},
		{args: "sdjwt present sd.txt --disclose email --json", save: "sd.json"},
		{args: "sdjwt verify sd.json --issuer-key issuer.jwk"},
		{args: "sdjwt present sd.txt --all", save: "all.txt"},
		{args: "sdjwt verify all.txt --issuer-key issuer.jwk"},
	})
}

// TestTranscriptFailures: every failure is one line and a non-zero exit.
func TestTranscriptFailures(t *testing.T) {
	runTranscript(t, "failures", map[string]string{
		"claims.json":   residentClaims,
		"dup.json":      `{"a":1,"a":2}`,
		"rsa.jwk":       `{"kty":"RSA","n":"AQAB","e":"AQAB"}`,
		"garbage.txt":   "not an sd-jwt",
		"reserved.json": `{"a":{"_sd":["x"]}}`,
	}, []step{
		{args: "keys generate --alg HS256"},
		{args: "keys generate"},
		{args: "keys generate --alg EdDSA --out issuer.jwk"},
		{args: "keys generate --alg EdDSA --out issuer.jwk"},
		{args: "keys generate --alg EdDSA --out other.jwk"},
		{args: "keys generate --alg EdDSA --out holder.jwk"},
		{args: "sdjwt issue --issuer-key missing.jwk --claims claims.json"},
		{args: "sdjwt issue --issuer-key rsa.jwk --claims claims.json"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims dup.json"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims reserved.json"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims claims.json --sd adress"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims claims.json --sd a..b"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims claims.json --vct urn:x --sd exp"},
		{args: "sdjwt issue --issuer-key issuer.jwk --claims claims.json --sd given_name --holder-key holder.jwk --vct urn:seoulid:vct:residence:1", save: "cred.txt"},
		{args: "sdjwt verify cred.txt --issuer-key other.jwk"},
		{args: "sdjwt verify cred.txt --alg ES256"},
		{args: "sdjwt verify cred.txt --at 2030-01-01T00:00:00Z"},
		{args: "sdjwt verify cred.txt --require-kb"},
		{args: "sdjwt verify cred.txt --aud https://v.example --nonce x --require-kb"},
		{args: "sdjwt present cred.txt --disclose nickname"},
		{args: "sdjwt present cred.txt --holder-key holder.jwk"},
		{args: "sdjwt present cred.txt --disclose given_name --holder-key holder.jwk --aud https://v.example --nonce n1", save: "pres.txt"},
		{args: "sdjwt verify pres.txt --aud https://v.example --nonce n2 --require-kb"},
		{args: "sdjwt verify pres.txt --aud https://other.example --nonce n1 --require-kb"},
		{args: "sdjwt verify pres.txt --holder"},
		{args: "sdjwt verify garbage.txt"},
		{args: "sdjwt verify", stdin: ""},
		{args: "sdjwt decode", stdin: "eyJhbGciOiJFZERTQSJ9.e30.AAAA~WyJzIiwiYSIsMV0~"},
		{args: "sdjwt verfy cred.txt"},
		{args: "keys"},
	})
}

// TestTamperedCredentials checks with real files that a change of one
// character anywhere in an issued credential is caught.
func TestTamperedCredentials(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile("claims.json", []byte(residentClaims), 0o600))
	a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, now: func() time.Time { return fixedNow }}
	require.Equal(t, exitOK, a.run(context.Background(), strings.Fields("keys generate --alg EdDSA --out issuer.jwk")))
	var cred bytes.Buffer
	a.stdout = &cred
	require.Equal(t, exitOK, a.run(context.Background(), strings.Fields("sdjwt issue --issuer-key issuer.jwk --claims claims.json --sd given_name,address,address.district --vct urn:x")))
	orig := strings.TrimSpace(cred.String())
	for i := 0; i < len(orig); i += 7 {
		c := orig[i]
		if c == '~' || c == '.' {
			continue
		}
		repl := byte('A')
		if c == 'A' {
			repl = 'B'
		}
		bad := orig[:i] + string(repl) + orig[i+1:]
		var stderr bytes.Buffer
		a := &app{stdin: strings.NewReader(bad), stdout: &bytes.Buffer{}, stderr: &stderr, now: func() time.Time { return fixedNow }}
		code := a.run(context.Background(), []string{"sdjwt", "verify", "--holder"})
		require.Equal(t, exitFail, code, "a change at byte %d went unnoticed", i)
		require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
	}
}

const cardClaims = `{"name": "이정민", "birthdate": "2001-05-17", "age_over_14": true, "age_over_19": true,
 "age_over_65": false, "resident_of_seoul": true, "district": "관악구"}`

const badCardClaims = `{"name": "이정민", "birthdate": "2001-05-17", "age_over_14": "yes", "age_over_65": false,
 "resident_of_seoul": true, "district": "Gotham", "rrn": "010517-4234567"}`

// TestTranscriptSchemas: the catalogue from the command line — list, show,
// validate (each violation with its pointer, exit 1), metadata.
func TestTranscriptSchemas(t *testing.T) {
	runTranscript(t, "schemas", map[string]string{
		"card.json":      cardClaims,
		"bad.json":       badCardClaims,
		"disclosed.json": `{"iss": "did:example:gwanak", "vct": "urn:seoulid:vct:seoul-citizen-card:1", "age_over_19": true}`,
	}, []step{
		{args: "schemas list"},
		{args: "schemas list --lang ko --json"},
		{args: "schemas show seoul-citizen-card --lang ko"},
		{args: "schemas show urn:seoulid:vct:welfare-recipient-status:1"},
		{args: "schemas validate urn:seoulid:vct:seoul-citizen-card:1 card.json"},
		{args: "schemas validate seoul-citizen-card bad.json"},
		{args: "schemas validate seoul-citizen-card - --json", stdin: badCardClaims},
		{args: "schemas validate seoul-citizen-card disclosed.json"},
		{args: "schemas validate seoul-citizen-card disclosed.json --disclosed"},
		{args: "schemas metadata welfare-recipient-status --algs ES256"},
		{args: "schemas metadata welfare-recipient-status --type"},
		{args: "schemas show passport"},
		{args: "schemas validate seoul-citizen-card"},
		{args: "schemas list --lang fr"},
		{args: "schemas metadata --issuer --type"},
		{args: "schemas validate seoul-citizen-card missing.json"},
		// Issuing a catalogue type: the catalogue checks the claims and
		// picks the disclosable ones and the validity.
		{args: "keys generate --alg EdDSA --out city.jwk"},
		{args: "keys generate --alg ES256 --out wallet.jwk"},
		{args: "sdjwt issue --issuer-key city.jwk --claims card.json --vct urn:seoulid:vct:seoul-citizen-card:1 --holder-key wallet.jwk", save: "card.txt"},
		{args: "sdjwt present card.txt --disclose age_over_19 --holder-key wallet.jwk --aud https://library.seoul.go.kr --nonce n-1", save: "shown.txt"},
		{args: "sdjwt verify shown.txt --require-kb --aud https://library.seoul.go.kr --nonce n-1"},
		{args: "sdjwt issue --issuer-key city.jwk --claims bad.json --vct urn:seoulid:vct:seoul-citizen-card:1"},
		{args: "sdjwt issue --issuer-key city.jwk --claims card.json --vct urn:seoulid:vct:seoul-citizen-card:1 --sd name"},
	})
}
