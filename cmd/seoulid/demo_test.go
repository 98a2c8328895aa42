package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemo runs "seoulid demo": every story must behave, within a minute.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a city")
	}
	s := &session{t: t}
	start := time.Now()
	stdout, stderr, code := s.run("demo --lang en --log-level warn")
	took := time.Since(start)
	t.Logf("%s(%s)", stdout, took.Round(time.Millisecond))
	require.Equal(t, exitOK, code, stderr)
	require.Less(t, took, time.Minute, "the demo must finish in under a minute")
	for _, want := range []string{
		"1. Jeong asks whether she qualifies for the youth allowance",
		"The portal decides at once: eligible.",
		"each within the purpose the ledger registers for it",
		"his wallet asks him to approve the health information on its own line",
		"check status failed: revoked",
		"the card signed with the old key verifies",
		"the card signed with the new key key-2 verifies",
		"The terminal is told access_denied",
		"issuer signature invalid",
		"Every story behaved",
	} {
		require.Contains(t, stdout, want)
	}
	require.Len(t, regexp.MustCompile(`(?m)^[1-9]\. `).FindAllString(stdout, -1), 6, "six stories")
}

func TestDemoUsage(t *testing.T) {
	s := &session{t: t}
	require.Equal(t, "seoulid: --lang \"fr\": ko or en", strings.TrimSpace(runUsage(t, s, "demo --lang fr")))
}

// runUsage runs a command that must fail as a usage error (status 2).
func runUsage(t *testing.T, s *session, line string) string {
	t.Helper()
	_, stderr, code := s.run("%s", line)
	require.Equal(t, exitUsage, code, stderr)
	return stderr
}
