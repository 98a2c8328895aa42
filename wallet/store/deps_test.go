package store

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the store is the standard library, x/crypto's Argon2id
// and XChaCha20-Poly1305, and SQLite — nothing of the wallet above it, no
// network.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"golang.org/x/crypto/argon2":           true,
		"golang.org/x/crypto/chacha20poly1305": true,
		"modernc.org/sqlite":                   true,
		"modernc.org/sqlite/lib":               true,
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net":
			t.Errorf("wallet/store imports %s", imp)
		case strings.Contains(imp, "."): // not the standard library
			if !allowed[imp] {
				t.Errorf("wallet/store imports %s, which is not in its dependency rules", imp)
			}
		}
	}
}
