package dataintegrity

import (
	"context"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jcs"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// BenchmarkSign and BenchmarkVerify measure a Data Integrity proof of the
// example credential in each cryptosuite against the yardstick
// measured in the same run: a JWS of the same credential by the same key
// (signing its JSON; verifying the signature and parsing the payload).
// They report µs per operation, the JWS's, and the ratio (target ≤ 10×).
// Benchmarks, not timed tests.
func BenchmarkSign(b *testing.B) {
	for _, cs := range Cryptosuites() {
		b.Run(cs, func(b *testing.B) {
			ctx := context.Background()
			k := didKey(b, suites[cs].alg)
			doc := readJSON(b, "unsigned.json")
			for b.Loop() {
				if _, err := Sign(ctx, doc, k, Options{Cryptosuite: cs}); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			payload, _ := jcs.Append(nil, doc)
			start := time.Now()
			for range b.N {
				if _, err := jws.Sign(ctx, k, map[string]any{"typ": "vc+jwt"}, payload); err != nil {
					b.Fatal(err)
				}
			}
			report(b, per, float64(time.Since(start).Nanoseconds())/float64(b.N))
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, cs := range Cryptosuites() {
		b.Run(cs, func(b *testing.B) {
			ctx := context.Background()
			k := didKey(b, suites[cs].alg)
			doc := readJSON(b, "unsigned.json")
			signed, err := Sign(ctx, doc, k, Options{Cryptosuite: cs})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Verify(ctx, signed, did.LocalResolver{}, VerifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			payload, _ := jcs.Append(nil, doc)
			tok, err := jws.Sign(ctx, k, map[string]any{"typ": "vc+jwt"}, payload)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for range b.N {
				// The JWS path: resolve the key, parse, verify, read the claims.
				if _, err := did.LocalResolver.Resolve(did.LocalResolver{}, ctx, did.KeyDID(k.Public())); err != nil {
					b.Fatal(err)
				}
				t, err := jws.Parse(tok, jws.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if err := t.Verify(k.Public(), []keys.Algorithm{k.Algorithm()}); err != nil {
					b.Fatal(err)
				}
				if _, err := t.Payload(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, per, float64(time.Since(start).Nanoseconds())/float64(b.N))
		})
	}
}

func report(b *testing.B, per, floor float64) {
	b.ReportMetric(per/1e3, "µs/op-di")
	b.ReportMetric(floor/1e3, "µs/op-jws")
	b.ReportMetric(per/floor, "x-jws")
}
