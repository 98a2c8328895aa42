package programmes_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// decidedAt is the clock of the test catalogue.
var decidedAt = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)

var testCatalogue = sync.OnceValues(func() (*programmes.Catalogue, error) {
	return programmes.LoadFS(nil, programmes.Config{Now: func() time.Time { return decidedAt }})
})

func catalogue(t testing.TB) *programmes.Catalogue {
	t.Helper()
	c, err := testCatalogue()
	if err != nil {
		t.Fatalf("the embedded programmes do not load: %v", err)
	}
	return c
}

func programme(t testing.TB, id string) *programmes.Programme {
	t.Helper()
	p, err := catalogue(t).Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// example returns the claims of a catalogue type's example credential
// (numbers as json.Number, as the verifier pipeline gives them).
func example(_ testing.TB, slug string) map[string]any {
	typ, err := schemas.Default().Lookup("urn:seoulid:vct:" + slug + ":1")
	if err != nil {
		panic(err)
	}
	return typ.Example()
}

// fx is one applicant: the full claims of each credential they hold (nil
// for none), the application date and the parameters.
type fx struct {
	date   string
	creds  map[string]map[string]any
	params map[string]string
}

// set sets a claim ("a.b") of credential q.
func (f *fx) set(q, path string, v any) {
	m := f.creds[q]
	names := strings.Split(path, ".")
	for _, n := range names[:len(names)-1] {
		m = m[n].(map[string]any)
	}
	m[names[len(names)-1]] = v
}

// unset removes a claim ("a.b") of credential q.
func (f *fx) unset(q, path string) {
	m := f.creds[q]
	names := strings.Split(path, ".")
	for _, n := range names[:len(names)-1] {
		m = m[n].(map[string]any)
	}
	delete(m, names[len(names)-1])
}

// drop removes credential q: the applicant does not present it.
func (f *fx) drop(q string) { delete(f.creds, q) }

// evidence is what the applicant discloses for the programme: of each
// credential, the claims its credential query asks for, and nothing else.
func (f *fx) evidence(t testing.TB, p *programmes.Programme) programmes.Evidence {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, f.date, time.FixedZone("KST", 9*3600))
	if err != nil {
		t.Fatal(err)
	}
	ev := programmes.Evidence{ApplicationDate: d.Add(10 * time.Hour), Credentials: map[string][]map[string]any{}, Parameters: f.params}
	for _, cq := range p.Query().Credentials {
		full, ok := f.creds[cq.ID]
		if !ok {
			continue
		}
		var paths []sdjwt.Path
		for _, cl := range cq.Claims {
			paths = append(paths, cl.Path)
		}
		ev.Credentials[cq.ID] = []map[string]any{project(full, paths).(map[string]any)}
	}
	return ev
}

// project keeps of v the values the paths select (nil for every element).
func project(v any, paths []sdjwt.Path) any {
	for _, p := range paths {
		if len(p) == 0 {
			return v
		}
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			var rest []sdjwt.Path
			for _, p := range paths {
				if p[0] == k {
					rest = append(rest, p[1:])
				}
			}
			if rest != nil {
				out[k] = project(x[k], rest)
			}
		}
		return out
	case []any:
		var out []any
		for i, e := range x {
			var rest []sdjwt.Path
			for _, p := range paths {
				if p[0] == nil || p[0] == i {
					rest = append(rest, p[1:])
				}
			}
			if rest != nil {
				out = append(out, project(e, rest))
			}
		}
		return out
	}
	return v
}

// want is the expected decision: the outcome, the criteria that did not
// pass (every other must pass), and the missing evidence.
type want struct {
	outcome  programmes.Outcome
	criteria map[string]programmes.Outcome
	missing  []string
}

type decisionCase struct {
	name string
	edit func(*fx)
	want want
}

// runCases decides each case on base() edited, and checks the outcome of
// the decision and of every criterion, the reasons and what is missing.
func runCases(t *testing.T, p *programmes.Programme, base func(testing.TB) *fx, cases []decisionCase) {
	t.Helper()
	crits := p.Criteria()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base(t)
			if c.edit != nil {
				c.edit(f)
			}
			d, err := p.Decide(context.Background(), f.evidence(t, p))
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.Outcome != c.want.outcome {
				t.Errorf("outcome %s, want %s", d.Outcome, c.want.outcome)
			}
			if len(d.Criteria) != len(crits) {
				t.Fatalf("%d criteria decided, the programme has %d", len(d.Criteria), len(crits))
			}
			for i, r := range d.Criteria {
				cr := crits[i]
				wantOutcome, listed := c.want.criteria[r.ID]
				if !listed {
					wantOutcome = programmes.Passed
				}
				if r.ID != cr.ID || r.Label != cr.Label {
					t.Errorf("criterion %d is %s %v, want %s %v", i, r.ID, r.Label, cr.ID, cr.Label)
				}
				if r.Outcome != wantOutcome {
					t.Errorf("%s: %s (%s; missing %v; %s), want %s", r.ID, r.Outcome, r.Reason.En, r.Missing, r.Detail, wantOutcome)
				}
				switch r.Outcome {
				case programmes.Passed:
					if r.Reason != cr.Reasons.Passed {
						t.Errorf("%s: reason %v, want the file's passed reason", r.ID, r.Reason)
					}
				case programmes.Failed:
					if r.Reason != cr.Reasons.Failed {
						t.Errorf("%s: reason %v, want the file's failed reason", r.ID, r.Reason)
					}
				}
				if r.Reason.Ko == "" || r.Reason.En == "" {
					t.Errorf("%s: a reason in one language only: %+v", r.ID, r.Reason)
				}
			}
			for _, id := range slices.Sorted(maps.Keys(c.want.criteria)) {
				if !slices.ContainsFunc(d.Criteria, func(r programmes.CriterionResult) bool { return r.ID == id }) {
					t.Errorf("the case names criterion %s, which the programme lacks", id)
				}
			}
			if !slices.Equal(d.Missing, c.want.missing) {
				t.Errorf("missing %q, want %q", d.Missing, c.want.missing)
			}
			if !d.DecidedAt.Equal(decidedAt) || d.Programme != p.ID() || d.Version != p.Version() || d.ApplicationDate != f.date {
				t.Errorf("decision header %s %s %s %v", d.Programme, d.Version, d.ApplicationDate, d.DecidedAt)
			}
		})
	}
}

func eligible() want { return want{outcome: programmes.Eligible} }

func failed(ids ...string) want {
	w := want{outcome: programmes.NotEligible, criteria: map[string]programmes.Outcome{}}
	for _, id := range ids {
		w.criteria[id] = programmes.Failed
	}
	return w
}

func undetermined(missing []string, ids ...string) want {
	w := want{outcome: programmes.Undetermined, criteria: map[string]programmes.Outcome{}, missing: missing}
	for _, id := range ids {
		w.criteria[id] = programmes.Undetermined
	}
	return w
}
