package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/verifier"
)

// Benchmark measures PutRecord, the one write of a decision: records of
// the suite's size (a decision of about 200 bytes, claims of about 100),
// each of its own request, from GOMAXPROCS goroutines at once. open is
// called once and must return an empty store; Benchmark closes it.
func Benchmark(b *testing.B, open func(b *testing.B) verifier.Store) {
	b.Run("PutRecord", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		ctx := context.Background()
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				r := NewRecord(fmt.Sprint("req_", i), T0.Add(time.Duration(i)*time.Microsecond), 30*24*time.Hour)
				require.NoError(b, s.PutRecord(ctx, r))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
