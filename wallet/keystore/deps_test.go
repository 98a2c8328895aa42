package keystore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the key store is internal/keys over wallet/store, with
// no network and nothing of the wallet core.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/seoulid/seoulid/internal/keys": true,
		"github.com/seoulid/seoulid/wallet/store":  true,
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net":
			t.Errorf("wallet/keystore imports %s", imp)
		case strings.Contains(imp, "."):
			if !allowed[imp] {
				t.Errorf("wallet/keystore imports %s, which is not in its dependency rules", imp)
			}
		}
	}
}
