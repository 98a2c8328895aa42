package sdjwt

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// fuzzSeeds are the published presentations and issued SD-JWTs.
func fuzzSeeds(f *testing.F) (seeds []string, issuerKeys []*keys.PublicKey, signedJWTs map[string]bool) {
	f.Helper()
	signedJWTs = map[string]bool{}
	for _, s := range loadVectorSuites(f) {
		issuerKeys = append(issuerKeys, s.issuerKey)
		for _, c := range s.cases {
			for _, in := range []string{c.presentation, c.issuance} {
				if in == "" {
					continue
				}
				seeds = append(seeds, in)
				if p, err := Parse(in); err == nil {
					signedJWTs[p.JWT] = true
				}
			}
		}
	}
	return seeds, issuerKeys, signedJWTs
}

var hostileSeeds = []string{
	"", "~", "~~~", "a.b.c~", "a.b.c~~", "a.b.c~WyJzIiwiYSIsMV0~a.b.c", "{}", `{"payload":"e30","signature":"","protected":"e30"}`,
	`{"payload":"e30","signatures":[]}`, `{"payload":"e30","signatures":[{"protected":"e30","signature":"","header":{"disclosures":[1]}}]}`,
	"eyJhbGciOiJub25lIn0.eyJfc2QiOlsiYSJdfQ.~WyJzIiwiX3NkIiwxXQ~",
	strings.Repeat("~", 2000),
}

// FuzzParse: Parse never panics, refuses in one line, and what it accepts
// in compact form it writes back unchanged.
func FuzzParse(f *testing.F) {
	seeds, _, _ := fuzzSeeds(f)
	for _, s := range append(seeds, hostileSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if trimmed := strings.TrimSpace(in); !strings.HasPrefix(trimmed, "{") && s.String() != trimmed {
			t.Fatalf("compact SD-JWT does not write back: %q became %q", trimmed, s.String())
		}
		for _, d := range s.Disclosures {
			if _, err := ParseDisclosure(d.Encoded); err != nil {
				t.Fatalf("accepted disclosure %q does not parse again: %v", d.Encoded, err)
			}
		}
	})
}

// FuzzVerify runs the verifier on mutations of the published vectors. A
// presentation it accepts must carry an Issuer-signed JWT that the issuer
// really signed: no mutation forges a signature.
func FuzzVerify(f *testing.F) {
	seeds, issuerKeys, signed := fuzzSeeds(f)
	for _, s := range append(seeds, hostileSeeds...) {
		f.Add(s)
	}
	at := time.Unix(1795311215, 0) // the vectors' KB-JWT time
	f.Fuzz(func(t *testing.T, in string) {
		for _, k := range issuerKeys {
			v, err := Verify(context.Background(), in, VerifyOptions{
				Algorithms: []keys.Algorithm{keys.ES256, keys.EdDSA},
				IssuerKey:  StaticKey(k),
				Now:        func() time.Time { return at },
				KeyBinding: KeyBindingPolicy{MaxAge: 1 << 62},
			})
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error: %q", err)
				}
				continue
			}
			p, _ := Parse(in)
			if !signed[p.JWT] {
				t.Fatalf("verified an Issuer-signed JWT nobody signed: %q", p.JWT)
			}
			assertProcessed(t, v.Claims)
		}
	})
}

var fuzzKey = sync.OnceValue(func() *keys.PrivateKey {
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		panic(err)
	}
	return k
})

// FuzzProcess signs arbitrary payloads with arbitrary Disclosures, so that
// the digest rules of §7.1 meet every shape of input with a valid
// signature. Whatever verifies must be fully processed: no "_sd", no "...",
// no "_sd_alg" left, and every Disclosure placed.
func FuzzProcess(f *testing.F) {
	f.Add(`{"_sd":["`+SHA256.Digest("WyJzIiwiYSIsMV0")+`"]}`, "WyJzIiwiYSIsMV0")
	f.Add(`{"a":[{"...":"`+SHA256.Digest("WyJzIiwxXQ")+`"},2]}`, "WyJzIiwxXQ")
	f.Add(`{"_sd":["x","x"]}`, "")
	f.Add(`{"a":{"_sd_alg":"sha-256"}}`, "")
	f.Add(`{"a":[{"...":"x","b":1}]}`, "")
	f.Add(`{"_sd":[1]}`, "WyJzIiwiYSJd")
	f.Add(`{"_sd_alg":"sha-512","_sd":["`+SHA512.Digest("WyJzIiwiYSIsMV0")+`"]}`, "WyJzIiwiYSIsMV0~WyJzIiwiYSIsMV0")
	f.Fuzz(func(t *testing.T, payload, disclosures string) {
		if _, err := jsonx.ParseObject([]byte(payload)); err != nil {
			return
		}
		k := fuzzKey()
		jwt, err := jws.Sign(context.Background(), k, nil, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		in := jwt + "~"
		if disclosures != "" {
			in += disclosures + "~"
		}
		v, err := Verify(context.Background(), in, VerifyOptions{
			Algorithms: []keys.Algorithm{keys.EdDSA},
			IssuerKey:  StaticKey(k.Public()),
			Now:        func() time.Time { return time.Unix(1795311215, 0) },
		})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		assertProcessed(t, v.Claims)
		for _, d := range v.Disclosed {
			if d.Parent < -1 || len(d.Path) == 0 {
				t.Fatalf("disclosure %d was accepted but not placed", d.Index+1)
			}
		}
	})
}

func assertProcessed(t *testing.T, v any) {
	t.Helper()
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "_sd" || k == "..." || k == "_sd_alg" {
					t.Fatalf("processed payload still has %q", k)
				}
				walk(e, false)
			}
		case []any:
			for _, e := range x {
				walk(e, false)
			}
		}
	}
	walk(v, true)
}

// FuzzPathJSON: a claims path pointer read from JSON never panics, and what
// is accepted writes back to JSON that reads as the same path.
func FuzzPathJSON(f *testing.F) {
	for _, s := range []string{`["a"]`, `["a",null,0]`, `[]`, `[-1]`, `[1.5]`, `[{}]`, `"a"`, `[[1]]`, `["a","a"]`, `[1e3]`, `[null]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var p Path
		if err := p.UnmarshalJSON([]byte(in)); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("accepted path %q does not write back: %v", in, err)
		}
		var q Path
		if err := q.UnmarshalJSON(out); err != nil || q.String() != p.String() {
			t.Fatalf("%q wrote %s, which reads back as %v (%v)", in, out, q, err)
		}
	})
}
