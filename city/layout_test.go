package city

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestDocumentedPorts keeps the ports that docs/getting-started.md and
// the README give true: those of a first start with the default first
// port.
func TestDocumentedPorts(t *testing.T) {
	lay, _, err := loadLayout(t.TempDir(), "127.0.0.1", 8400)
	if err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile("../docs/getting-started.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(guide), "\n")
	row := func(name, slug string) {
		want := fmt.Sprintf("http://127.0.0.1:%d", lay.Ports[slug])
		for _, l := range lines {
			if strings.HasPrefix(l, "| "+name+" |") {
				if !strings.Contains(l, want) {
					t.Errorf("getting-started.md gives %s as %q, want %s", name, l, want)
				}
				return
			}
		}
		t.Errorf("getting-started.md has no row for %s", name)
	}
	for _, a := range Plan {
		row(a.Name.En, a.Slug)
	}
	row("DID resolver", slugResolver)
	row("Citizen's wallet", slugWallet)
	row("Registry ledger (CometBFT RPC)", slugRPC)
	for _, slug := range []string{"welfare-portal", "city-hall", slugWallet, slugResolver} {
		if want := fmt.Sprintf("127.0.0.1:%d", lay.Ports[slug]); !strings.Contains(string(readme), want) {
			t.Errorf("the README does not give %s at %s", slug, want)
		}
	}
}
