package contract

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNanos(t *testing.T) {
	kst := time.FixedZone("KST", 9*60*60)
	for _, c := range []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"zero", time.Time{}, false},
		{"Unix epoch", time.Unix(0, 0), true},
		{"nanoseconds, KST", time.Date(2026, 11, 22, 18, 0, 0, 123456789, kst), true},
		{"last representable", time.Unix(0, 1<<63-1), true},
		{"first representable", time.Unix(0, -1<<63), true},
		{"year 1677", time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"year 2263", time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		n, err := Nanos("t", c.t)
		if !c.ok {
			assert.Error(t, err, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		back := Time(n)
		assert.True(t, back.Equal(c.t), c.name)
		assert.Equal(t, time.UTC, back.Location(), c.name)
	}
}
