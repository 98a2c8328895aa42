package resolverhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

// BenchmarkResolve measures did:seoul resolution from the local node's
// committed state with 1,000 DIDs on the ledger, against the target of
// docs (≥ 50,000 resolutions/s, p99 < 1 ms): through registry.Reader,
// through resolver.Resolver, and through the HTTP handler called directly
// (no network). Each reports resolutions/s over the whole loop and the
// p50 and p99 latency of single calls in ns.
func BenchmarkResolve(b *testing.B) {
	l := registrytest.New(b)
	var dids []string
	for _, k := range l.CreateMany(l.Agencies[0], 1000) {
		dids = append(dids, registrytest.DIDOf(k))
	}
	reader := l.Reader()
	res := &resolver.Resolver{Seoul: reader}
	h, err := resolverhttp.New(res, resolverhttp.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	requests := make([]*http.Request, len(dids))
	for i, d := range dids {
		requests[i] = httptest.NewRequest("GET", "/1.0/identifiers/"+d, nil)
	}
	serve := func(i int) error {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, requests[i%len(requests)])
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		return nil
	}

	b.Run("Reader.Resolve", func(b *testing.B) {
		measure(b, func(i int) error { _, err := reader.Resolve(ctx, dids[i%len(dids)]); return err })
	})
	b.Run("Reader.ResolveVersion", func(b *testing.B) {
		measure(b, func(i int) error {
			_, err := reader.ResolveVersion(ctx, dids[i%len(dids)], registry.ResolveOptions{})
			return err
		})
	})
	b.Run("Resolver.Resolve", func(b *testing.B) {
		measure(b, func(i int) error { _, err := res.Resolve(ctx, dids[i%len(dids)]); return err })
	})
	b.Run("Handler", func(b *testing.B) { measure(b, serve) })
	b.Run("Handler/parallel", func(b *testing.B) { measureParallel(b, serve) })
}

// measure runs f b.N times, timing each call.
func measure(b *testing.B, f func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t := time.Now()
		if err := f(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, elapsed, lat)
}

// measureParallel runs f b.N times over GOMAXPROCS goroutines.
func measureParallel(b *testing.B, f func(i int) error) {
	var (
		mu   sync.Mutex
		all  = make([]time.Duration, 0, b.N)
		next atomic.Int64
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		for pb.Next() {
			i := int(next.Add(1))
			t := time.Now()
			if err := f(i); err != nil {
				b.Error(err)
				return
			}
			lat = append(lat, time.Since(t))
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, elapsed, all)
}

func report(b *testing.B, elapsed time.Duration, lat []time.Duration) {
	if len(lat) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "resolutions/s")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Nanoseconds()), "p99-ns")
}
