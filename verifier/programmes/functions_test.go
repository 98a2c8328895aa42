package programmes

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/seoulid/seoulid/internal/sdjwt"
)

func embeddedTables(t testing.TB) *MedianTables {
	t.Helper()
	sub, err := fs.Sub(defaults, "defaults")
	if err != nil {
		t.Fatal(err)
	}
	l := &loader{}
	tables := l.tables(sub, "defaults/")
	if tables == nil {
		t.Fatalf("the embedded tables: %v", l.problems)
	}
	return tables
}

// TestFunctions evaluates each function of the rule environment, at its
// edges.
func TestFunctions(t *testing.T) {
	env, err := newEnv(embeddedTables(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr string
		want any // a value, or a string starting "error:" for an error containing the rest
	}{
		{`age("2000-08-21", "2026-03-09")`, int64(25)},
		{`age("2000-08-21", "2026-08-20")`, int64(25)},
		{`age("2000-08-21", "2026-08-21")`, int64(26)},
		{`age("2007-03-09", "2026-03-09")`, int64(19)},
		{`age("2007-03-10", "2026-03-09")`, int64(18)},
		{`age("2000-02-29", "2019-02-28")`, int64(18)}, // a common year: the birthday is 1 March
		{`age("2000-02-29", "2019-03-01")`, int64(19)},
		{`age("2000-02-29", "2020-02-29")`, int64(20)},
		{`age("2000-02-29", "2020-02-28")`, int64(19)},
		{`age("2026-03-09", "2026-03-09")`, int64(0)},
		{`age("2026-03-10", "2026-03-09")`, "error:after"},
		{`age("20000821", "2026-03-09")`, "error:not a date"},
		{`age("2000-02-30", "2026-03-09")`, "error:not a date"},
		{`days_between("2026-02-07", "2026-03-09")`, int64(30)},
		{`days_between("2026-03-10", "2026-03-09")`, int64(-1)},
		{`days_between("2024-02-28", "2024-03-01")`, int64(2)},
		{`days_between("0001-01-01", "9999-12-31")`, int64(3652058)},
		{`year_of("2026-01-01")`, int64(2026)},
		{`median_year("2025-12-31")`, int64(2025)},
		{`median_year("2026-01-01")`, int64(2026)},
		{`median_year("2023-12-31")`, "error:no standard median income table for 2023"},
		{`median_income("2025-12-31", 1)`, int64(2392013)},
		{`median_income("2026-01-02", 1)`, int64(2564238)},
		{`median_income("2026-01-02", 4)`, int64(6494738)},
		{`median_income("2026-01-02", 8)`, int64(8555952 + 2*(8555952-7556719))},
		{`median_income("2026-01-02", 0)`, "error:not a size"},
		{`median_income("2026-01-02", 51)`, "error:no figure"},
		{`median_income("2024-06-30", 4) * 150 / 100`, int64(8594869)},
		// domain/SEOUL.md §2.1: 150 % of the 2026 single-person median is 3,846,357.
		{`percent_of_median(3846357, "2026-05-01", 1) <= 150.0`, true},
		{`percent_of_median(3846358, "2026-05-01", 1) <= 150.0`, false},
		// 2025: 3,588,019.5; the official table rounds to 3,588,020.
		{`percent_of_median(3588019, "2025-05-01", 1) <= 150.0`, true},
		{`percent_of_median(3588021, "2025-05-01", 1) <= 150.0`, false},
		{`percent_of_median(-1, "2025-05-01", 1)`, "error:negative"},
	} {
		ast, iss := env.Compile(c.expr)
		if iss != nil && iss.Err() != nil {
			t.Errorf("%s: %v", c.expr, iss.Err())
			continue
		}
		prg, err := env.Program(ast)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := prg.Eval(map[string]any{varCredentials: map[string]any{}, varApplicationDate: "2026-03-09", varParams: map[string]string{}})
		if s, ok := c.want.(string); ok && strings.HasPrefix(s, "error:") {
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(s, "error:")) {
				t.Errorf("%s = %v, %v; want an error with %q", c.expr, out, err, strings.TrimPrefix(s, "error:"))
			}
			continue
		}
		if err != nil || out.Value() != c.want {
			t.Errorf("%s = %v (%T), %v; want %v", c.expr, out, out.Value(), err, c.want)
		}
	}
}

// TestAge against the calendar, over every day of a leap cycle.
func TestAge(t *testing.T) {
	birth := time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)
	for d := birth; d.Year() < 2005; d = d.AddDate(0, 0, 1) {
		want := d.Year() - 2000
		if d.Month() < 3 && !(d.Month() == 2 && d.Day() == 29) {
			want-- // before 1 March, and not the birthday itself
		}
		if got := Age(birth, d); got != want {
			t.Fatalf("Age on %s = %d, want %d", d.Format(time.DateOnly), got, want)
		}
	}
}

// TestAnalyse: what a rule reads, as the load sees it.
func TestAnalyse(t *testing.T) {
	env, err := newEnv(embeddedTables(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr     string
		reads    []string // reference.String(), "?" suffix for has() tests
		params   []string
		problems int
	}{
		{`credentials.a.b == 1`, []string{"a.b"}, nil, 0},
		{`has(credentials.a.b.c) && credentials.a.b.c > 1`, []string{"a.b.c?", "a.b.c"}, nil, 0},
		{`credentials["a"]["b"][2].c == 1`, []string{"a.b[2].c"}, nil, 0},
		{`credentials.a.list.exists(x, x.kind == params.kind && x.n.all(y, y > 1))`, []string{"a.list", "a.list[*].kind", "a.list[*].n", "a.list[*].n[*]"}, []string{"kind"}, 0},
		{`[1, 2].exists(x, x == 1) && credentials.a.b == 1`, []string{"a.b"}, nil, 0},
		{`credentials.a == {}`, nil, nil, 1},
		{`size(credentials) == 0`, nil, nil, 1},
		{`params == {}`, nil, nil, 1},
		{`credentials[application_date].b == 1`, nil, nil, 1}, // not a static chain: reads credentials whole
	} {
		ast, iss := env.Compile(c.expr)
		if iss != nil && iss.Err() != nil {
			t.Fatalf("%s: %v", c.expr, iss.Err())
		}
		a := analyse(ast.NativeRep().Expr())
		var reads []string
		for _, r := range a.refs {
			s := r.String()
			if r.TestOnly {
				s += "?"
			}
			reads = append(reads, s)
		}
		if strings.Join(reads, " ") != strings.Join(c.reads, " ") || strings.Join(a.params, " ") != strings.Join(c.params, " ") {
			t.Errorf("%s reads %q and params %q, want %q and %q", c.expr, reads, a.params, c.reads, c.params)
		}
		if len(a.problems) != c.problems {
			t.Errorf("%s: problems %q, want %d", c.expr, a.problems, c.problems)
		}
	}
}

func TestOverlap(t *testing.T) {
	p := func(s string) sdjwt.Path {
		path, err := sdjwt.ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"a", "a", true},
		{"a", "a.b", true},
		{"a.b", "a", true},
		{"a.b", "a.c", false},
		{"a[*].b", "a[2].b", true},
		{"a[*].b", "a[*].c", false},
		{"a[*]", "a.b", false},
		{"income_band", "income_band.upper_pct", true},
	} {
		if got := overlap(p(c.a), p(c.b)); got != c.want {
			t.Errorf("overlap(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// TestPartialEvaluation: the property Decide relies on. A missing
// credential is unknown, and CEL's logical operators still decide what
// the known claims settle.
func TestPartialEvaluation(t *testing.T) {
	env, err := newEnv(embeddedTables(t))
	if err != nil {
		t.Fatal(err)
	}
	ast, _ := env.Compile(`credentials.e.insured == false || credentials.c.weekly_hours <= 30`)
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptPartialEval))
	if err != nil {
		t.Fatal(err)
	}
	for insured, want := range map[bool]string{false: "true", true: "unknown"} {
		act, _ := cel.PartialVars(map[string]any{
			varCredentials: map[string]any{"e": map[string]any{"insured": insured}}, varApplicationDate: "2026-03-09", varParams: map[string]string{},
		}, cel.AttributePattern(varCredentials).QualString("c"))
		out, _, _ := prg.Eval(act)
		got := "true"
		if types.IsUnknown(out) {
			got = "unknown"
		} else if out != types.True {
			got = "false"
		}
		if got != want {
			t.Errorf("insured %v: %s, want %s", insured, got, want)
		}
	}
}
