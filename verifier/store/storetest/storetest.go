package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/verifier"
)

// Run runs the conformance suite against the store open returns. open is
// called once per subtest, which may run in parallel with the others, and
// must return a new, empty store; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) verifier.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s verifier.Store)
	}{
		{"PutRecord", testPutRecord},
		{"PutRecordExists", testPutRecordExists},
		{"PutRecordConcurrent", testPutRecordConcurrent},
		{"PutRecordRefuses", testPutRecordRefuses},
		{"Claims", testClaims},
		{"Record", testRecord},
		{"Purge", testPurge},
		{"PurgeConcurrent", testPurgeConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// T0 is the suite's clock: the tests pass times from it, never the wall
// clock, with nanoseconds, which a store must keep.
var T0 = time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.UTC)

// KST is Korea Standard Time: the suite passes some times in it, and the
// store must return the same instants in UTC.
var KST = time.FixedZone("KST", 9*60*60)

// NewRecord is the record of request id, decided at decided and kept for
// keep: an eligible decision on the youth rent support programme, with the
// claim values it was made on.
func NewRecord(id string, decided time.Time, keep time.Duration) *verifier.Record {
	return &verifier.Record{
		RequestID:        id,
		Programme:        "seoul-youth-rent-support",
		ProgrammeVersion: "2026.1",
		Purpose:          "prp_youth_rent",
		Outcome:          "eligible",
		Decision: []byte(`{"criteria":[{"id":"resident_of_seoul","outcome":"met",` +
			`"reason":{"ko":"서울시에 주민등록이 되어 있습니다","en":"Registered as a resident of Seoul"}}]}`),
		Claims:    []byte(`{"resident_registration":{"resident_of_seoul":true,"birthdate":"1999-04-01","name":"김민지"}}`),
		DecidedAt: decided,
		PurgeAt:   decided.Add(keep),
	}
}

// utc is r as the store returns it: its times in UTC.
func utc(r *verifier.Record) *verifier.Record {
	c := *r
	c.DecidedAt, c.PurgeAt = c.DecidedAt.UTC(), c.PurgeAt.UTC()
	return &c
}

// race runs fn(0) … fn(n-1) in n goroutines released at the same moment
// and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// count tallies errors by what they are: "ok" for nil, the sentinel's
// message for a store error, "other: …" for anything else.
func count(errs []error, sentinels ...error) map[string]int {
	out := map[string]int{}
outer:
	for _, err := range errs {
		if err == nil {
			out["ok"]++
			continue
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				out[s.Error()]++
				continue outer
			}
		}
		out[fmt.Sprintf("other: %v", err)]++
	}
	return out
}
