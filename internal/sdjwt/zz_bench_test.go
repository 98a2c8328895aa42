package sdjwt

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"
	"fmt"

	"github.com/seoulid/seoulid/internal/keys"
)

func BenchmarkProbe(b *testing.B) {
	ctx := context.Background()
	for _, alg := range keys.Algorithms {
		ik, _ := keys.Generate(alg)
		hk, _ := keys.Generate(alg)
		claims := map[string]any{"iss": "https://x", "iat": 1795000000, "cnf": map[string]any{"jwk": hk.Public().JWK()}}
		var paths []Path
		for i := 0; i < 10; i++ {
			n := fmt.Sprintf("claim_%d", i)
			claims[n] = "value number " + n
			paths = append(paths, Path{n})
		}
		b.Run(string(alg)+"/issue", func(b *testing.B) {
			for b.Loop() {
				if _, err := Issue(ctx, ik, claims, IssueOptions{Disclosable: paths}); err != nil {
					b.Fatal(err)
				}
			}
		})
		iss, _ := Issue(ctx, ik, claims, IssueOptions{Disclosable: paths})
		pres, _ := iss.WithKeyBinding(ctx, hk, KeyBindingInput{Audience: "a", Nonce: "n", IssuedAt: time.Now()})
		s := pres.String()
		opts := VerifyOptions{Algorithms: keys.Algorithms, IssuerKey: StaticKey(ik.Public()), KeyBinding: KeyBindingPolicy{Required: true, Audience: "a", Nonce: "n"}}
		b.Run(string(alg)+"/verify", func(b *testing.B) {
			for b.Loop() {
				if _, err := Verify(ctx, s, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(alg)+"/sign", func(b *testing.B) {
			in := []byte(s[:400])
			for b.Loop() {
				ik.Sign(ctx, in)
			}
		})
		b.Run(string(alg)+"/verifysig", func(b *testing.B) {
			in := []byte(s[:400])
			sig, _ := ik.Sign(ctx, in)
			for b.Loop() {
				ik.Public().Verify(alg, in, sig)
			}
		})
	}
	b.Run("rawed25519verify", func(b *testing.B) {
		pub, priv, _ := ed25519.GenerateKey(nil)
		msg := make([]byte, 400)
		sig := ed25519.Sign(priv, msg)
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	b.Run("sha", func(b *testing.B) {
		msg := make([]byte, 60)
		for b.Loop() {
			sha256.Sum256(msg)
		}
	})
}
