package portal

import (
	"fmt"
	"testing"
	"time"
)

// The handler keeps at most maxStarted requests, drops expired ones
// first and then the oldest, and finds every one it still keeps.
func TestRememberBounds(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	h := &Handler{cfg: Config{Now: func() time.Time { return now }}, started: map[string]*started{}}
	add := func(id string, life time.Duration) {
		h.remember(id, &started{uri: "openid4vp://?" + id, expires: now.Add(life)})
	}
	add("short", time.Minute)
	add("long", time.Hour)
	now = now.Add(2 * time.Minute)
	add("next", time.Hour)
	if h.lookup("short") != nil {
		t.Error("an expired request is still kept")
	}
	if h.lookup("long") == nil || h.lookup("next") == nil {
		t.Fatal("a live request was dropped")
	}
	for i := range 3 * maxStarted {
		add(fmt.Sprint(i), time.Hour)
		if len(h.started) > maxStarted {
			t.Fatalf("after %d requests %d are kept, more than %d", i+3, len(h.started), maxStarted)
		}
	}
	if len(h.started) != maxStarted || len(h.order) != maxStarted {
		t.Fatalf("kept %d (queue %d), want %d", len(h.started), len(h.order), maxStarted)
	}
	if h.lookup("long") != nil || h.lookup(fmt.Sprint(2*maxStarted-1)) != nil {
		t.Error("the oldest requests were not the ones dropped")
	}
	if s := h.lookup(fmt.Sprint(3*maxStarted - 1)); s == nil || s.uri != "openid4vp://?"+fmt.Sprint(3*maxStarted-1) {
		t.Error("the newest request is not kept")
	}
}
