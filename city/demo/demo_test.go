package demo_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/city/demo"
)

// TestDemoKorean tells every story in Korean through a real city and
// fails at the first step that does not behave; cmd/seoulid's TestDemo
// runs "seoulid demo" in English.
func TestDemoKorean(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a city")
	}
	var out, logs strings.Builder
	start := time.Now()
	err := demo.Run(context.Background(), demo.Config{Out: &out, Lang: "ko",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	t.Logf("%s\n(%s)", out.String(), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%v\nthe city's warnings and errors:\n%s", err, logs.String())
	}
	for _, want := range []string{"서울특별시청이 정하은 씨에게 \"서울시민카드\"를 발급합니다", "대상입니다", "모든 이야기가 예상대로"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the Korean stories lack %q:\n%s", want, out.String())
		}
	}
}
