package verifier_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the verification core speaks no HTTP, and imports
// neither the registry (it reads the ledger through its Ledger interface)
// nor the command line (STYLE.md, habit 11).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net":
			t.Errorf("verifier imports %s", imp)
		case strings.HasPrefix(imp, "github.com/seoulid/seoulid/registry"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/wallet"),
			strings.HasPrefix(imp, "github.com/seoulid/seoulid/issuer"), strings.Contains(imp, "cobra"):
			t.Errorf("verifier imports %s", imp)
		}
	}
}
