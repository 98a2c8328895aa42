package internal_test

import (
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/seoulid/seoulid/"

// allowed lists, for each package under internal/, the packages of this
// module it may import directly. Layers only look down; nothing imports
// the command line.
var allowed = map[string][]string{
	"internal/jsonx":              {},
	"internal/atomicfile":         {},
	"internal/devca":              {"internal/atomicfile"},
	"internal/ops":                {},
	"internal/webpage":            {},
	"internal/b64url":             {},
	"internal/keys":               {"internal/jsonx", "internal/b64url"},
	"internal/jws":                {"internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/did":                {"internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/safehttp":           {},
	"internal/didweb":             {"internal/did", "internal/jsonx", "internal/safehttp"},
	"internal/sdjwt":              {"internal/jws", "internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/sdjwtvc":            {"internal/sdjwt", "internal/did", "internal/jws", "internal/keys", "internal/jsonx"},
	"internal/sdjwtvc/issuermeta": {"internal/keys", "internal/jsonx", "internal/safehttp"},
	"internal/oid4vci":            {"internal/sdjwt"},
	"internal/dcql":               {"internal/jsonx", "internal/sdjwt"},
	"internal/oid4vp":             {"internal/dcql", "internal/did", "internal/jws", "internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/statuslist":         {"internal/jws", "internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/dpop":               {"internal/jws", "internal/keys", "internal/jsonx", "internal/b64url"},
	"internal/sqlitedb":           {},
	"internal/jcs":                {"internal/jsonx"},
	"internal/bitstring":          {},
	"internal/vcdm":               {"internal/did", "internal/jsonx", "internal/jws", "internal/keys"},
	"internal/jsonld":             {"internal/jsonx", "internal/jcs"},
	"internal/dataintegrity":      {"internal/did", "internal/jcs", "internal/jsonld", "internal/keys"},
}

// speaksHTTP are the only packages that may import net/http themselves:
// cores take context and typed values, and HTTP lives at the edges.
var speaksHTTP = map[string]bool{"internal/sdjwtvc/issuermeta": true, "internal/didweb": true, "internal/safehttp": true, "internal/ops": true, "internal/webpage": true}

// TestDependencyRules checks the direct imports of every package under
// internal/ (test files excluded) against the rules above.
func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		if pkg == "internal" {
			continue // this test's own package
		}
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("%s is not in the dependency rules of internal/deps_test.go: add it with what it may import", pkg)
			continue
		}
		seen++
		for _, imp := range fields[1:] {
			switch {
			case imp == "net/http" && !speaksHTTP[pkg]:
				t.Errorf("%s imports net/http; only %v may", pkg, slices.Collect(maps.Keys(speaksHTTP)))
			case strings.Contains(imp, "spf13/cobra"):
				t.Errorf("%s imports cobra, which belongs to cmd/", pkg)
			case strings.HasPrefix(imp, module):
				dep := strings.TrimPrefix(imp, module)
				if !slices.Contains(ok, dep) {
					t.Errorf("%s imports %s, which the layering does not allow", pkg, dep)
				}
			}
		}
	}
	if seen < len(allowed) {
		t.Errorf("only %d of the %d packages in the rules were found", seen, len(allowed))
	}
}
