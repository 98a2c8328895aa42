package sdjwtvc_test

// Performance targets of the credential layer (DESIGN.md, issue 2): issuing
// an SD-JWT VC with 10 disclosures, and verifying a presentation of it with
// key binding, each within 1.5× its raw-crypto floor.
//
// Each benchmark measures its floor in the same run, with the standard
// library and nothing else, over inputs of the same sizes:
//
//   issue floor  = one signature over the Issuer-signed JWT's signing input
//                  + one SHA-256 per disclosure;
//   verify floor = two signature verifications (Issuer-signed JWT, KB-JWT)
//                  + one SHA-256 per disclosure + the sd_hash.
//
// The real benchmark, …/sdjwtvc, times its floor for as many iterations
// right after it and reports ns/op divided by the floor's as the metric
// "x-floor" (and the floor's own ns/op as "floor-ns/op"); …/floor shows the
// floor as a benchmark of its own. Run:
//
//	go test ./internal/sdjwtvc -run '^$' -bench . -benchtime 2s
//
// These are benchmarks, not tests: nothing fails because the machine is slow.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

const benchDisclosures = 10

type benchSetup struct {
	issuer, holder *keys.PrivateKey
	cred           sdjwtvc.Credential
	issued         *sdjwt.SDJWT
	presentation   string
	verifier       *sdjwtvc.Verifier
	presOpts       sdjwtvc.Presentation
	kbInput        string // signing input of the KB-JWT
	kbSig          []byte
	jwtInput       string // signing input of the Issuer-signed JWT
	jwtSig         []byte
}

func newBenchSetup(b *testing.B, alg keys.Algorithm) *benchSetup {
	b.Helper()
	ctx := context.Background()
	s := &benchSetup{}
	var err error
	if s.issuer, err = keys.Generate(alg); err != nil {
		b.Fatal(err)
	}
	if s.holder, err = keys.Generate(alg); err != nil {
		b.Fatal(err)
	}
	claims := map[string]any{}
	var sd []sdjwt.Path
	// Ten claims of the sizes a civil certificate has: names, dates,
	// an address, flags and codes.
	values := []any{"서연", "이", "2001-09-30", true, "Mapo-gu", "Seoul", "04001", "KR", 3, "residence"}
	for i := range benchDisclosures {
		name := fmt.Sprintf("claim_%02d", i)
		claims[name] = values[i]
		sd = append(sd, sdjwt.Path{name})
	}
	s.cred = sdjwtvc.Credential{
		VCT:         "urn:seoulid:vct:residence:1",
		Issuer:      "https://mapo.seoul.go.kr",
		IssuedAt:    time.Now(),
		Expiry:      time.Now().Add(365 * 24 * time.Hour),
		Holder:      s.holder.Public(),
		Status:      map[string]any{"status_list": map[string]any{"idx": 40213, "uri": "https://status.seoul.go.kr/lists/7"}},
		Claims:      claims,
		Disclosable: sd,
	}
	if s.issued, err = sdjwtvc.Issue(ctx, s.issuer, s.cred, sdjwtvc.IssueOptions{}); err != nil {
		b.Fatal(err)
	}
	pres, err := s.issued.WithKeyBinding(ctx, s.holder, sdjwt.KeyBindingInput{Audience: "https://welfare.seoul.go.kr", Nonce: "fAq7Yc1Ib0nGe2-yRUV0ww"})
	if err != nil {
		b.Fatal(err)
	}
	s.presentation = pres.String()
	s.presOpts = sdjwtvc.Presentation{RequireKeyBinding: true, Audience: "https://welfare.seoul.go.kr", Nonce: "fAq7Yc1Ib0nGe2-yRUV0ww"}
	if s.verifier, err = sdjwtvc.NewVerifier(sdjwtvc.FixedKey(s.issuer.Public()), sdjwtvc.Config{Algorithms: keys.Algorithms}); err != nil {
		b.Fatal(err)
	}
	s.jwtInput = s.issued.JWT[:strings.LastIndexByte(s.issued.JWT, '.')]
	s.kbInput = pres.KeyBinding[:strings.LastIndexByte(pres.KeyBinding, '.')]
	s.jwtSig = rawSign(b, s.issuer, s.jwtInput)
	s.kbSig = rawSign(b, s.holder, s.kbInput)
	return s
}

// rawSign and rawVerify are the floor: the standard library's Ed25519, or
// ECDSA P-256 over SHA-256 of the input, nothing more.
func rawSign(b *testing.B, k *keys.PrivateKey, input string) []byte {
	switch sk := k.Crypto().(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(sk, []byte(input))
	case *ecdsa.PrivateKey:
		h := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, sk, h[:])
		if err != nil {
			b.Fatal(err)
		}
		return sig
	}
	b.Fatalf("unexpected key %T", k.Crypto())
	return nil
}

func rawVerify(pub crypto.PublicKey, input string, sig []byte) bool {
	switch pk := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(pk, []byte(input), sig)
	case *ecdsa.PublicKey:
		h := sha256.Sum256([]byte(input))
		return ecdsa.VerifyASN1(pk, h[:], sig)
	}
	return false
}

// measured records the ns/op of a benchmark's last (longest) round, so
// that a floor run as one sub-benchmark can be read by the next one.
// reportRatio times floorOnce for as many iterations as the benchmark just
// ran, right after it (outside the benchmark's own timing), and reports
// the benchmark's ns/op divided by the floor's as "x-floor". Measuring the
// two back to back keeps the ratio fair on a machine whose speed drifts,
// and with -count N each run has its own floor.
func reportRatio(b *testing.B, floorOnce func()) {
	n := b.N
	ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
	start := time.Now()
	for range n {
		floorOnce()
	}
	floorNs := float64(time.Since(start).Nanoseconds()) / float64(n)
	b.ReportMetric(floorNs, "floor-ns/op")
	b.ReportMetric(ns/floorNs, "x-floor")
}

// loop runs once for each iteration of a benchmark.
func loop(once func()) func(b *testing.B) {
	return func(b *testing.B) {
		for b.Loop() {
			once()
		}
	}
}

func issueFloor(b *testing.B, s *benchSetup) func() {
	return func() {
		rawSign(b, s.issuer, s.jwtInput)
		for _, d := range s.issued.Disclosures {
			sha256.Sum256([]byte(d.Encoded))
		}
	}
}

func verifyFloor(b *testing.B, s *benchSetup) func() {
	sdHashInput := s.presentation[:strings.LastIndexByte(s.presentation, '~')+1]
	return func() {
		if !rawVerify(s.issuer.Public().Crypto(), s.jwtInput, s.jwtSig) || !rawVerify(s.holder.Public().Crypto(), s.kbInput, s.kbSig) {
			b.Fatal("floor signature does not verify")
		}
		for _, d := range s.issued.Disclosures {
			sha256.Sum256([]byte(d.Encoded))
		}
		sha256.Sum256([]byte(sdHashInput))
	}
}

// BenchmarkIssue issues an SD-JWT VC with 10 disclosures, holder binding and
// a status reference.
func BenchmarkIssue(b *testing.B) {
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		s := newBenchSetup(b, alg)
		b.Run(string(alg)+"/floor", loop(issueFloor(b, s)))
		b.Run(string(alg)+"/sdjwtvc", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sdjwtvc.Issue(ctx, s.issuer, s.cred, sdjwtvc.IssueOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			reportRatio(b, issueFloor(b, s))
		})
	}
}

// BenchmarkVerify verifies a presentation of all 10 disclosures with a
// KB-JWT: issuer signature, digests, validity, holder signature, nonce,
// audience and sd_hash.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		s := newBenchSetup(b, alg)
		b.Run(string(alg)+"/floor", loop(verifyFloor(b, s)))
		b.Run(string(alg)+"/sdjwtvc", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.verifier.Verify(ctx, s.presentation, s.presOpts); err != nil {
					b.Fatal(err)
				}
			}
			reportRatio(b, verifyFloor(b, s))
		})
	}
}
