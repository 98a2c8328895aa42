package w3c_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies: the W3C core speaks no HTTP (w3c/vcapi does), and
// knows nothing of the ledger's implementation, the OpenID4VC services or
// the command line.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net":
			t.Errorf("w3c imports %s", imp)
		case strings.HasPrefix(imp, "github.com/seoulid/seoulid/registry"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/issuer"),
			strings.HasPrefix(imp, "github.com/seoulid/seoulid/verifier"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/wallet"),
			strings.Contains(imp, "cobra"), strings.HasPrefix(imp, "github.com/seoulid/seoulid/cmd"):
			t.Errorf("w3c imports %s", imp)
		}
	}
}
