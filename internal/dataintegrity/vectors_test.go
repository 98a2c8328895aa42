package dataintegrity

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonld"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func readJSON(t testing.TB, name string) map[string]any {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(readFile(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// vectorKey is the Ed25519 key of the vc-di-eddsa test vectors: its
// privateKeyMultibase is the multicodec ed25519-priv (0x1300, varint
// 0x80 0x26) and the 32-byte seed.
func vectorKey(t *testing.T) *keys.PrivateKey {
	t.Helper()
	var kp struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	if err := json.Unmarshal([]byte(readFile(t, "keyPair.json")), &kp); err != nil {
		t.Fatal(err)
	}
	b, err := did.DecodeBase58BTC(kp.PrivateKeyMultibase)
	if err != nil || len(b) != 34 || b[0] != 0x80 || b[1] != 0x26 {
		t.Fatalf("privateKeyMultibase: %x %v", b, err)
	}
	k, err := keys.NewPrivateKey(ed25519.NewKeyFromSeed(b[2:]))
	if err != nil {
		t.Fatal(err)
	}
	d := "did:key:" + kp.PublicKeyMultibase
	if did.KeyDID(k.Public()) != d {
		t.Fatalf("the seed's public key is not %s", kp.PublicKeyMultibase)
	}
	return k.WithKeyID(d + "#" + kp.PublicKeyMultibase)
}

// The W3C vc-di-eddsa test vectors, step by step: canonical document,
// its hash, the canonical proof configuration, its hash, the combined
// hash, the signature (hex and base58btc), and the signed credential —
// then the signed credential verifies, and any change to it does not.
func TestEdDSAVectors(t *testing.T) {
	key := vectorKey(t)
	for _, c := range []struct{ suite, dir, tag string }{
		{EdDSARDFC2022, "eddsa-rdfc-2022", "DataInt"},
		{EdDSAJCS2022, "eddsa-jcs-2022", "JCS"},
	} {
		t.Run(c.suite, func(t *testing.T) {
			f := func(name string) string { return filepath.Join(c.dir, name+c.tag+".txt") }
			su := suites[c.suite]
			doc := readJSON(t, "unsigned.json")
			tdoc, err := transform(doc, su, jsonld.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if string(tdoc) != readFile(t, f("canonDoc")) && strings.TrimSpace(string(tdoc)) != readFile(t, f("canonDoc")) {
				t.Errorf("canonical document:\n%s\nwant\n%s", tdoc, readFile(t, f("canonDoc")))
			}
			dh := sha256.Sum256(tdoc)
			if hex.EncodeToString(dh[:]) != readFile(t, f("docHash")) {
				t.Errorf("document hash %x", dh)
			}
			config := readJSON(t, filepath.Join(c.dir, "proofConfig"+c.tag+".json"))
			tconf, err := transform(config, su, jsonld.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(tconf)) != readFile(t, f("proofCanon")) {
				t.Errorf("canonical proof configuration:\n%s\nwant\n%s", tconf, readFile(t, f("proofCanon")))
			}
			created, _ := time.Parse(time.RFC3339, config["created"].(string))
			signed, err := Sign(context.Background(), doc, key, Options{Cryptosuite: c.suite, Created: created})
			if err != nil {
				t.Fatal(err)
			}
			data, err := hashData(doc, signed["proof"].(map[string]any), su, jsonld.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(data) != readFile(t, f("combinedHash")) {
				t.Errorf("combined hash %x, want %s", data, readFile(t, f("combinedHash")))
			}
			pv := signed["proof"].(map[string]any)["proofValue"].(string)
			sig, _ := did.DecodeBase58BTC(pv)
			if hex.EncodeToString(sig) != readFile(t, f("sigHex")) {
				t.Errorf("signature %x", sig)
			}
			if pv != readFile(t, f("sigBTC58")) {
				t.Errorf("proofValue %s", pv)
			}
			want := readJSON(t, filepath.Join(c.dir, "signed"+c.tag+".json"))
			gotJSON, _ := jsonx.Marshal(signed)
			wantJSON, _ := jsonx.Marshal(want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("signed:\n%s\nwant\n%s", gotJSON, wantJSON)
			}

			// The published signed credential verifies; tampered, it does not.
			v, err := Verify(context.Background(), want, did.LocalResolver{}, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Cryptosuite != c.suite || !v.Created.Equal(created) {
				t.Errorf("verified %+v", v)
			}
			for name, edit := range map[string]func(m map[string]any){
				"a claim":      func(m map[string]any) { m["credentialSubject"].(map[string]any)["alumniOf"] = "Another School" },
				"the issuer":   func(m map[string]any) { m["issuer"] = "https://vc.example/issuers/1234" },
				"the created":  func(m map[string]any) { m["proof"].(map[string]any)["created"] = "2023-02-24T23:36:39Z" },
				"a new member": func(m map[string]any) { m["description2"] = "x" },
			} {
				bad := deepCopy(t, want)
				edit(bad)
				if _, err := Verify(context.Background(), bad, did.LocalResolver{}, VerifyOptions{}); err == nil {
					t.Errorf("changing %s: still verifies", name)
				}
			}
		})
	}
}

func deepCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := jsonx.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonx.ParseObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
