package wallet_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the wallet core speaks no HTTP itself (its clients come
// in through interfaces), and knows nothing of the ledger's implementation
// or the command line.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net":
			t.Errorf("wallet imports %s", imp)
		case strings.HasPrefix(imp, "github.com/seoulid/seoulid/registry"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/issuer"),
			strings.Contains(imp, "cobra"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/cmd"):
			t.Errorf("wallet imports %s", imp)
		}
	}
}
