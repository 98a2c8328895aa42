package dataintegrity

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonld"
)

// proofConfigNQuads writes what the JSON-LD path gives, for every shape
// it takes, and declines the rest.
func TestProofConfigNQuads(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	texts := []string{"plain", `quote " and \ backslash`, "new\nline\ttab\rcr", "서울", "2023-02-24T23:36:38Z", "not a date"}
	contexts := [][]any{
		{"https://www.w3.org/ns/credentials/v2"},
		{"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"},
		{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/data-integrity/v2"},
	}
	purposes := []string{"assertionMethod", "authentication", "capabilityDelegation", "capabilityInvocation", "keyAgreement"}
	taken := 0
	for n := 0; n < 300; n++ {
		c := map[string]any{
			"@context": contexts[r.IntN(len(contexts))], "type": ProofType,
			"cryptosuite": []string{EdDSARDFC2022, ECDSARDFC2019, "x"}[r.IntN(3)], "proofPurpose": purposes[r.IntN(len(purposes))],
			"verificationMethod": fmt.Sprintf("did:key:z6Mk%d#z6Mk%d", n, n),
		}
		opt := func(name string, v any) {
			if r.IntN(2) == 0 {
				c[name] = v
			}
		}
		opt("created", texts[r.IntN(len(texts))])
		opt("expires", texts[r.IntN(len(texts))])
		opt("challenge", texts[r.IntN(len(texts))])
		opt("domain", texts[r.IntN(len(texts))])
		opt("nonce", texts[r.IntN(len(texts))])
		opt("id", fmt.Sprintf("urn:uuid:proof-%d", n))
		switch r.IntN(3) {
		case 1:
			c["previousProof"] = "urn:uuid:prev"
		case 2:
			c["previousProof"] = []any{"urn:uuid:a", "urn:uuid:b"}
		}
		fast, ok := proofConfigNQuads(c)
		if !ok {
			t.Fatalf("declined a usual shape: %v", c)
		}
		taken++
		slow, err := jsonld.Canonicalize(c, jsonld.Limits{})
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if fast != slow {
			t.Fatalf("%v:\n%s\nJSON-LD:\n%s", c, fast, slow)
		}
	}
	for name, c := range map[string]map[string]any{
		"a VC 1.1 context":    {"@context": []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"}, "type": ProofType},
		"another context":     {"@context": []any{"https://www.w3.org/ns/credentials/v2", map[string]any{"x": "https://example.com/x"}}, "type": ProofType},
		"another member":      {"@context": contexts[0], "type": ProofType, "x": "1"},
		"another type":        {"@context": contexts[0], "type": "Ed25519Signature2020"},
		"an unknown purpose":  {"@context": contexts[0], "type": ProofType, "proofPurpose": "other"},
		"a relative method":   {"@context": contexts[0], "type": ProofType, "verificationMethod": "key-1"},
		"a domain array":      {"@context": contexts[0], "type": ProofType, "domain": []any{"a", "b"}},
		"a blank node id":     {"@context": contexts[0], "type": ProofType, "id": "_:b0"},
		"a number created":    {"@context": contexts[0], "type": ProofType, "created": 1.0},
		"an IRI with a space": {"@context": contexts[0], "type": ProofType, "verificationMethod": "did:key:a b"},
	} {
		if _, ok := proofConfigNQuads(c); ok {
			t.Errorf("%s: taken", name)
		}
	}
}
