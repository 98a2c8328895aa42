package programmes_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// TestDefaults: the embedded programmes are the five the verifier
// needs, each with a registrable purpose, and every rule and median
// figure carries its provenance.
func TestDefaults(t *testing.T) {
	cat := catalogue(t)
	var ids []string
	for _, p := range cat.Programmes() {
		ids = append(ids, p.ID())
	}
	want := []string{facility, medication, allowance, housing, rent}
	if !slices.Equal(ids, want) {
		t.Errorf("programmes %q, want %q", ids, want)
	}
	tag := regexp.MustCompile(`\[(SRC|KNOW|RECON)[,\]]`)
	for _, p := range cat.Programmes() {
		for _, c := range p.Criteria() {
			if !tag.MatchString(c.Basis) {
				t.Errorf("%s/%s: the basis %q has no [SRC], [KNOW] or [RECON] tag", p.ID(), c.ID, c.Basis)
			}
		}
		if !tag.MatchString(p.Purpose().LegalBasis) {
			t.Errorf("%s: the legal basis has no provenance tag", p.ID())
		}
		if p.File() != "defaults/"+p.ID()+".json" {
			t.Errorf("%s is loaded from %s", p.ID(), p.File())
		}
	}
	tables := cat.MedianTables()
	var years []int
	for _, y := range tables.Years {
		years = append(years, y.Year)
		for _, f := range y.Sizes {
			if f.Tag != programmes.TagSource && f.Tag != programmes.TagKnowledge {
				t.Errorf("%d, %d persons: tag %q", y.Year, f.HouseholdSize, f.Tag)
			}
		}
	}
	if !slices.Equal(years, []int{2024, 2025, 2026}) {
		t.Errorf("median tables for %v, want 2024–2026", years)
	}
	// domain/SEOUL.md §2.1: the 2024 figures are [KNOW] but for 4 persons.
	for _, f := range tables.Years[0].Sizes {
		if want := map[bool]string{true: "SRC", false: "KNOW"}[f.HouseholdSize == 4]; f.Tag != want {
			t.Errorf("2024, %d persons: %s, want %s", f.HouseholdSize, f.Tag, want)
		}
	}
}

// TestPurpose: a programme's purpose is what the ledger accepts
// (registry.execTrustVerifier), and its claims are exactly the query's.
func TestPurpose(t *testing.T) {
	idPattern := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	retention := regexp.MustCompile(`^P[0-9]{1,4}[YMWD]$`)
	for _, p := range catalogue(t).Programmes() {
		pu := p.Purpose()
		if !idPattern.MatchString(pu.ID) || !retention.MatchString(pu.Retention) || pu.LegalBasis == "" ||
			pu.Description.Ko == "" || pu.Description.En == "" || len(pu.Description.Ko) > 300 {
			t.Errorf("%s: purpose %+v is not registrable", p.ID(), pu)
		}
		var fromQuery, fromPurpose []string
		for _, cq := range p.Query().Credentials {
			for _, cl := range cq.Claims {
				fromQuery = append(fromQuery, cq.Meta.VCTValues[0]+" "+cl.Path.String())
			}
		}
		for _, c := range pu.Claims {
			if _, err := schemas.Default().Lookup(c.VCT); err != nil {
				t.Errorf("%s: %v", p.ID(), err)
			}
			for _, path := range c.Paths {
				fromPurpose = append(fromPurpose, c.VCT+" "+path.String())
			}
		}
		if !slices.Equal(fromQuery, fromPurpose) {
			t.Errorf("%s: purpose claims %q, query claims %q", p.ID(), fromPurpose, fromQuery)
		}
	}

	pu := programme(t, allowance).Purpose()
	got, _ := json.Marshal(pu.Claims[0])
	if want := `{"vct":"urn:seoulid:vct:residency-status:1","paths":[["birthdate"],["as_of"],["resident_of_seoul"]]}`; string(got) != want {
		t.Errorf("residency claims %s, want %s", got, want)
	}
	if pu.ID != "seoul-youth-allowance" || pu.Retention != "P1Y" || len(pu.Claims) != 6 {
		t.Errorf("youth allowance purpose %s %s with %d types", pu.ID, pu.Retention, len(pu.Claims))
	}
	// The clinic's purpose never asks for the diagnosis.
	for _, c := range programme(t, medication).Purpose().Claims {
		for _, path := range c.Paths {
			if slices.Contains(path, any("indication")) {
				t.Errorf("the clinic asks for %s", path)
			}
		}
	}
}

// defaultFile returns an embedded programme file, decoded, for editing.
func defaultFile(t *testing.T, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("defaults", id+".json")) // tests run in the package directory
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func crit(m map[string]any, i int) map[string]any {
	return m["criteria"].([]any)[i].(map[string]any)
}

func credQuery(m map[string]any, i int) map[string]any {
	return m["query"].(map[string]any)["credentials"].([]any)[i].(map[string]any)
}

// TestLoadFailures: a load checks everything before failing, and names
// every problem with its file and place.
func TestLoadFailures(t *testing.T) {
	bad := defaultFile(t, allowance)
	bad["id"] = "broken-allowance"
	bad["purpose"].(map[string]any)["id"] = "broken"
	bad["purpose"].(map[string]any)["retention"] = "one year"
	crit(bad, 0)["rule"] = "age(credentials.residency.birthdate, application_date) >= "                           // syntax
	crit(bad, 1)["needs"] = []any{"residency", "passport"}                                                        // unknown query id
	crit(bad, 2)["rule"] = "credentials.enrolment.enrolled"                                                       // not a bool
	crit(bad, 3)["rule"] = "credentials.employment.insured == false || credentials.employment.weekly_hours <= 30" // not asked for
	crit(bad, 4)["rule"] = "credentials.income.income_band.upper <= 150"                                          // no such claim
	crit(bad, 5)["rule"] = "credentials.welfare.near_poverty == false && params.district == 'x'"                  // undeclared parameter
	credQuery(bad, 1)["meta"] = map[string]any{"vct_values": []any{"urn:seoulid:vct:school-card:1"}}

	other := defaultFile(t, rent)
	other["id"] = "another"
	crit(other, 0)["rule"] = "size(credentials) > 0"
	crit(other, 1)["undetermined_if"] = ""

	extra := defaultFile(t, rent)
	extra["id"] = "extra"
	extra["purpose"].(map[string]any)["id"] = "extra"
	credQuery(extra, 0)["claims"] = append(credQuery(extra, 0)["claims"].([]any), map[string]any{"path": []any{"district"}})
	q := extra["query"].(map[string]any)
	q["credentials"] = append(q["credentials"].([]any), map[string]any{
		"id": "welfare", "format": "dc+sd-jwt",
		"meta":   map[string]any{"vct_values": []any{"urn:seoulid:vct:welfare-recipient-status:1"}},
		"claims": []any{map[string]any{"path": []any{"near_poverty"}}},
	})

	_, err := programmes.LoadFS(fstest.MapFS{
		"broken.json":  {Data: encode(t, bad)},
		"another.json": {Data: encode(t, other)},
		"extra.json":   {Data: encode(t, extra)},
		"dup.json":     {Data: []byte(`{"id": "x", "id": "y"}`)},
	}, programmes.Config{})
	var le *programmes.LoadError
	if !errors.As(err, &le) || !errors.Is(err, programmes.ErrInvalidProgramme) {
		t.Fatalf("LoadFS: %v, want a *LoadError", err)
	}
	for _, w := range []struct{ file, where, msg string }{
		{"broken.json", "purpose.retention", "ISO 8601"},
		{"broken.json", "criteria[0].rule", "Syntax error"},
		{"broken.json", "criteria[1].needs[1]", `"passport" is not a credential query id`},
		{"broken.json", "criteria[2].rule", "is of type dyn; a rule is a bool"},
		{"broken.json", "criteria[3]", "reads employment.weekly_hours, which the query does not ask for"},
		{"broken.json", "criteria[4]", "reads income.income_band.upper, which is not a claim of urn:seoulid:vct:health-insurance-income-band:1"},
		{"broken.json", "criteria[5].rule", "reads params.district, which the programme does not declare"},
		{"extra.json", "query.credentials[0].claims[4]", "asks for district, which no rule reads"},
		{"extra.json", "query.credentials[2]", `credential query "welfare" is read by no rule`},
		{"broken.json", "query.credentials[1].meta.vct_values[0]", "unknown credential type"},
		{"another.json", "criteria[0].rule", "credentials is used whole"},
		{"another.json", "criteria[1].reasons.undetermined", "is given without undetermined_if"},
		{"dup.json", "", "duplicate"},
	} {
		if !slices.ContainsFunc(le.Problems, func(p programmes.Problem) bool {
			return p.File == w.file && p.Where == w.where && strings.Contains(p.Msg, w.msg)
		}) {
			t.Errorf("no problem %s: %s: …%s…", w.file, w.where, w.msg)
		}
	}
	if t.Failed() || testing.Verbose() {
		for _, p := range le.Problems {
			t.Log(p)
		}
	}
	if !strings.Contains(err.Error(), "broken.json: purpose.retention") {
		t.Errorf("the error does not list the problems: %v", err)
	}
}

// TestLoadRuleShapes: what a rule may and may not do with the claims.
func TestLoadRuleShapes(t *testing.T) {
	for _, c := range []struct {
		name, rule string
		ok         bool
		msg        string
	}{
		{"a claim", "credentials.card.resident_of_seoul == true", true, ""},
		{"an index by name", "credentials['card']['resident_of_seoul'] == true", true, ""},
		{"a whole credential", "credentials.card == {}", false, "credentials.card is used whole"},
		{"a dynamic query id", "credentials[params.facility_id].resident_of_seoul == true", false, "credentials"},
		{"a comprehension over credentials", "credentials.all(k, k == 'card')", false, "credentials is used whole"},
		{"a shadowing variable", "[1].exists(credentials, credentials == 1) && credentials.card.resident_of_seoul == true", true, ""},
		{"an unasked claim", "credentials.card.age_over_19 == true", false, "does not ask for"},
		{"an unknown function", "over(credentials.card.resident_of_seoul)", false, "undeclared reference"},
		{"too costly", "credentials.card.facility_memberships.all(a, credentials.card.facility_memberships.all(b, credentials.card.facility_memberships.all(c, a == b && b == c)))", false, "more than the limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := defaultFile(t, facility)
			crit(m, 0)["rule"] = c.rule
			crit(m, 1)["rule"] = "credentials.card.facility_memberships.exists(m, m.facility_id == params.facility_id)"
			_, err := programmes.LoadFS(fstest.MapFS{facility + ".json": {Data: encode(t, m)}}, programmes.Config{})
			if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.msg)) {
				t.Errorf("%s: %v", c.rule, err)
			}
		})
	}
}

// TestLoadDir: a directory overrides the embedded programmes by id, adds
// its own, and may replace the median tables.
func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	m := defaultFile(t, allowance)
	m["version"] = "2026.2-test"
	crit(m, 0)["rule"] = "age(credentials.residency.birthdate, application_date) >= 19 && age(credentials.residency.birthdate, application_date) <= 29"
	write := func(name string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("allowance.json", encode(t, m))
	extra := defaultFile(t, rent)
	extra["id"] = "district-rent-pilot"
	extra["purpose"].(map[string]any)["id"] = "district-rent-pilot"
	write("pilot.json", encode(t, extra))

	cat, err := programmes.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Programmes()) != 6 {
		t.Errorf("%d programmes, want the 5 embedded and 1 added", len(cat.Programmes()))
	}
	p, err := cat.Lookup(allowance)
	if err != nil || p.Version() != "2026.2-test" || p.File() != "allowance.json" {
		t.Fatalf("the override: %v %v", p, err)
	}
	f := allowanceApplicant(t)
	f.set("residency", "birthdate", "1995-01-01") // 31
	d, err := p.Decide(context.Background(), f.evidence(t, p))
	if err != nil || d.Outcome != programmes.NotEligible {
		t.Errorf("31 under the overriding rule: %v %v", d.Outcome, err)
	}
	if _, err := cat.Lookup("district-rent-pilot"); err != nil {
		t.Error(err)
	}
	if _, err := cat.Lookup("seoul-youth-allowance-2025"); !errors.Is(err, programmes.ErrUnknownProgramme) {
		t.Errorf("Lookup of an unknown id: %v", err)
	}

	// Replacing the tables: a 2027 table makes 2027 bands decidable.
	tables := cat.MedianTables()
	y := tables.Years[2]
	y.Year, y.Source = 2027, "test"
	for i := range y.Sizes {
		y.Sizes[i].KRW += 100000
	}
	tables.Years = append(tables.Years, y)
	write("tables/median-income.json", encode(t, tables))
	cat, err = programmes.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	f = allowanceApplicant(t)
	f.date = "2027-03-09"
	for _, q := range []string{"residency", "enrolment", "employment", "welfare"} {
		f.set(q, "as_of", f.date)
	}
	f.set("residency", "birthdate", "2005-01-01")
	f.set("income", "median_year", 2027)
	p, _ = cat.Lookup(allowance)
	d, err = p.Decide(context.Background(), f.evidence(t, p))
	if err != nil || d.Outcome != programmes.Eligible {
		t.Errorf("a 2027 application with a 2027 table: %v %v %+v", d.Outcome, err, d.Criteria)
	}

	// Two programmes may not register one purpose; bad tables are listed.
	extra["id"] = "second"
	write("second.json", encode(t, extra))
	write("tables/median-income.json", []byte(`{"name": {"ko": "x", "en": "x"}, "source": "x", "years": [{"year": 2026, "source": "x", "sizes": [{"household_size": 2, "krw": 1, "tag": "GUESS"}]}]}`))
	_, err = programmes.LoadDir(dir)
	for _, w := range []string{"household_size: 2, want 1", `tag: "GUESS"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("bad tables: %v, want …%s…", err, w)
		}
	}
	write("tables/median-income.json", encode(t, cat.MedianTables()))
	_, err = programmes.LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), `"district-rent-pilot" is also the purpose of`) {
		t.Errorf("two programmes with one purpose: %v", err)
	}
	if _, err := programmes.LoadDir(filepath.Join(dir, "absent")); err == nil {
		t.Error("LoadDir of a missing directory: no error")
	}
}

// TestDependencies: programmes is a core: no HTTP, no registry, no command
// line (STYLE.md, habit 11).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch {
		case imp == "net/http" || imp == "net",
			strings.HasPrefix(imp, "github.com/seoulid/seoulid/registry"),
			strings.HasPrefix(imp, "github.com/seoulid/seoulid/wallet"),
			strings.HasPrefix(imp, "github.com/seoulid/seoulid/issuer"),
			strings.Contains(imp, "cobra"):
			t.Errorf("programmes imports %s", imp)
		}
	}
}

// TestLoadStrictJSON: members encoding/json would read case-insensitively
// or skip are refused.
func TestLoadStrictJSON(t *testing.T) {
	for name, edit := range map[string]func(m map[string]any){
		"a member in upper case": func(m map[string]any) { m["ID"] = "other" },
		"an unknown member":      func(m map[string]any) { m["eligibility"] = "always" },
		"an unknown criterion member": func(m map[string]any) {
			crit(m, 0)["weight"] = 2
		},
	} {
		m := defaultFile(t, facility)
		edit(m)
		_, err := programmes.LoadFS(fstest.MapFS{"f.json": {Data: encode(t, m)}}, programmes.Config{})
		if !errors.Is(err, programmes.ErrInvalidProgramme) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOnly(t *testing.T) {
	cat, err := programmes.Load()
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cat.Only("clinic-medication-list", "citizen-card-facility-entry")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range sub.Programmes() {
		ids = append(ids, p.ID())
	}
	if strings.Join(ids, ",") != "clinic-medication-list,citizen-card-facility-entry" {
		t.Errorf("Only kept %v", ids)
	}
	if _, err := sub.Lookup("seoul-youth-allowance-2026"); !errors.Is(err, programmes.ErrUnknownProgramme) {
		t.Errorf("a programme left out is still found: %v", err)
	}
	if _, err := cat.Only("no-such-programme"); !errors.Is(err, programmes.ErrUnknownProgramme) {
		t.Errorf("an unknown id: %v", err)
	}
	for _, ids := range [][]string{nil, {"clinic-medication-list", "clinic-medication-list"}} {
		if _, err := cat.Only(ids...); err == nil {
			t.Errorf("Only(%q) succeeded", ids)
		}
	}
	if a, b := sub.MedianTables(), cat.MedianTables(); len(a.Years) != len(b.Years) {
		t.Error("the tables were not kept")
	}
}
