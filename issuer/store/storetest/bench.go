package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// Benchmark measures a store's share of issuing credentials: the calls the
// issuer core makes for one offer of one credential (PutOffer with its
// audit entry, RedeemOffer, OfferByToken, CompleteOffer spending the
// nonce: three write transactions and a read), from GOMAXPROCS goroutines
// at once.
// open is called once and must return an empty store; Benchmark closes
// it.
func Benchmark(b *testing.B, open func(b *testing.B) issuer.Store) {
	b.Run("Issuance", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		ctx := context.Background()
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				now := T0.Add(time.Duration(i) * time.Microsecond)
				id := fmt.Sprint("off_", i)
				code, token, nonce := make([]byte, 32), make([]byte, 32), make([]byte, 32)
				rand.Read(code)
				rand.Read(token)
				rand.Read(nonce)
				o := &issuer.Offer{ID: id, VCT: "vct", ConfigurationID: "conf", Claims: []byte(`{"name":"김민지"}`),
					CodeHash: code, State: issuer.OfferPending, Operator: "opr", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				require.NoError(b, s.PutOffer(ctx, o, &issuer.AuditEntry{Time: now, Operator: "opr", Action: "offer.create", Subject: id}))
				_, err := s.RedeemOffer(ctx, code, func(*issuer.Offer) bool { return true }, 5, issuer.TokenGrant{Hash: token, Expiry: now.Add(time.Hour)}, now)
				require.NoError(b, err)
				_, err = s.OfferByToken(ctx, token, now)
				require.NoError(b, err)
				rec := &issuer.Credential{ID: fmt.Sprint("crd_", i), VCT: "vct", ListURI: listA, Index: int(i), IssuedAt: now}
				require.NoError(b, s.CompleteOffer(ctx, id, issuer.SpentNonce{Hash: nonce, Expiry: now.Add(time.Minute)}, []*issuer.Credential{rec}, now))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
	})
}
