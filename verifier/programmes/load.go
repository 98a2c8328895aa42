package programmes

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/schemas"
)

//go:embed defaults/*.json defaults/tables/median-income.json
var defaults embed.FS

// The files of a programme directory: programmes at the top, the
// median-income tables in tables/.
const (
	programmeGlob = "*.json"
	tablesFile    = "tables/median-income.json"
)

// Limits of a programme file.
const (
	maxFileBytes   = 256 << 10
	maxCriteria    = 32
	maxRuleBytes   = 4 << 10
	maxTextBytes   = 300 // the ledger's limit on a purpose description
	maxReasonBytes = 600
	maxLegalBasis  = 500 // the ledger's limit
)

// CostLimit bounds the work of evaluating one rule, in CEL's cost units
// (about one per operation; a comprehension costs per element). A rule
// whose estimated worst case exceeds it fails to load; an evaluation that
// reaches it stops, and the criterion is undetermined.
const CostLimit = 1_000_000

// estimatedSize is the size assumed, when estimating a rule's cost at load,
// for every list, map and string it reads from a credential. The
// catalogue's arrays hold at most 200 elements (schemas/types).
const estimatedSize = 256

var (
	// idPattern: a programme id.
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	// purposePattern: the ledger's rule for a purpose id
	// (registry.fragmentPattern).
	purposePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// retentionPattern: the ledger's rule for a retention period.
	retentionPattern = regexp.MustCompile(`^P[0-9]{1,4}[YMWD]$`)
	// namePattern: criterion ids and parameter names, usable in CEL and
	// JSON alike.
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// Catalogue is a loaded, checked set of programmes with the median-income
// tables their rules use. It is immutable and safe for concurrent use.
type Catalogue struct {
	programmes []*Programme
	tables     *MedianTables
}

// Config sets up a load. The zero value uses the embedded credential
// catalogue and the system clock.
type Config struct {
	// Types is the credential catalogue the programmes' queries and rules
	// are checked against; nil means schemas.Default().
	Types *schemas.Catalogue
	// Now is the clock that dates decisions; nil means time.Now.
	Now func() time.Time
}

// Load returns the programmes embedded in the binary (defaults/*.json)
// and the embedded median-income tables.
func Load() (*Catalogue, error) { return LoadFS(nil, Config{}) }

// LoadDir returns the embedded programmes overridden from dir: each
// dir/*.json is a programme that replaces the embedded one of the same id
// or adds to them, and dir/tables/median-income.json, if present,
// replaces the embedded tables.
func LoadDir(dir string) (*Catalogue, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("programmes: %w", err)
	}
	return LoadFS(os.DirFS(dir), Config{})
}

// LoadFS is LoadDir over a file system; a nil overlay loads the embedded
// programmes alone. Every file is checked before LoadFS fails, and the
// *LoadError names every problem.
func LoadFS(overlay fs.FS, cfg Config) (*Catalogue, error) {
	if cfg.Types == nil {
		cfg.Types = schemas.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := &loader{cfg: cfg}
	base, err := fs.Sub(defaults, "defaults")
	if err != nil {
		return nil, fmt.Errorf("programmes: %w", err)
	}
	tables := l.tables(base, "defaults/")
	if overlay != nil {
		if _, err := fs.Stat(overlay, tablesFile); err == nil {
			tables = l.tables(overlay, "")
		} else if !errors.Is(err, fs.ErrNotExist) {
			l.bad(tablesFile, "", "%v", err)
		}
	}
	if tables == nil {
		return nil, &LoadError{Problems: l.problems}
	}
	env, err := newEnv(tables)
	if err != nil {
		return nil, fmt.Errorf("programmes: the rule environment: %w", err)
	}
	l.env = env

	byID := map[string]*Programme{}
	var order []string
	add := func(fsys fs.FS, prefix string) {
		names, err := fs.Glob(fsys, programmeGlob)
		if err != nil {
			l.bad(prefix, "", "%v", err)
			return
		}
		sort.Strings(names)
		seen := map[string]string{}
		for _, name := range names {
			data, err := readFile(fsys, name)
			if err != nil {
				l.bad(prefix+name, "", "%v", err)
				continue
			}
			p := l.programme(prefix+name, data)
			if p == nil {
				continue
			}
			if other, dup := seen[p.id]; dup {
				l.bad(prefix+name, "id", "%q is also the id of %s", p.id, other)
				continue
			}
			seen[p.id] = prefix + name
			if _, known := byID[p.id]; !known {
				order = append(order, p.id)
			}
			byID[p.id] = p
		}
	}
	add(base, "defaults/")
	if overlay != nil {
		add(overlay, "")
	}

	cat := &Catalogue{tables: tables}
	purposes := map[string]string{}
	for _, id := range order {
		p := byID[id]
		if other, dup := purposes[p.purpose.ID]; dup {
			l.bad(p.file, "purpose.id", "%q is also the purpose of %s; a purpose registers one query", p.purpose.ID, other)
		}
		purposes[p.purpose.ID] = p.id
		cat.programmes = append(cat.programmes, p)
	}
	if len(l.problems) > 0 {
		return nil, &LoadError{Problems: l.problems}
	}
	sort.Slice(cat.programmes, func(i, j int) bool { return cat.programmes[i].id < cat.programmes[j].id })
	return cat, nil
}

// Programmes returns every programme, by id.
func (c *Catalogue) Programmes() []*Programme { return slices.Clone(c.programmes) }

// Only returns a catalogue of the programmes with the ids, in that order,
// sharing this one's tables: what one verifier of several runs. An unknown
// id is ErrUnknownProgramme; none or a repeated one is an error.
func (c *Catalogue) Only(ids ...string) (*Catalogue, error) {
	if len(ids) == 0 {
		return nil, errors.New("programmes: a catalogue needs at least one programme")
	}
	out := &Catalogue{tables: c.tables}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return nil, fmt.Errorf("programmes: %q is named twice", id)
		}
		p, err := c.Lookup(id)
		if err != nil {
			return nil, err
		}
		out.programmes = append(out.programmes, p)
	}
	return out, nil
}

// Lookup returns the programme with the id.
func (c *Catalogue) Lookup(id string) (*Programme, error) {
	for _, p := range c.programmes {
		if p.id == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownProgramme, id)
}

// MedianTables returns the median-income tables the rules use.
func (c *Catalogue) MedianTables() MedianTables {
	t := *c.tables
	if t.LargerHouseholds != nil {
		lh := *t.LargerHouseholds
		t.LargerHouseholds = &lh
	}
	t.Years = slices.Clone(t.Years)
	for i := range t.Years {
		t.Years[i].Sizes = slices.Clone(t.Years[i].Sizes)
	}
	return t
}

// MedianIncome returns the monthly standard median income, in KRW, of a
// household of size persons in the table in force on the date (its KST
// calendar date).
func (c *Catalogue) MedianIncome(on time.Time, size int) (int64, error) {
	d := on.In(kst)
	return c.tables.Income(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, kst), int64(size))
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("longer than %d bytes", maxFileBytes)
	}
	return b, nil
}

// loader collects problems across files.
type loader struct {
	cfg      Config
	env      *cel.Env
	problems []Problem
}

func (l *loader) bad(file, where, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Where: where, Msg: fmt.Sprintf(format, args...)})
}

// decodeStrict reads data into v: jsonx first (duplicate member names
// refused, size and depth bounded), then encoding/json with unknown
// members refused.
func decodeStrict(data []byte, v any) error {
	parsed, err := jsonx.ParseWithLimits(data, jsonx.Limits{MaxBytes: maxFileBytes, MaxDepth: 32})
	if err != nil {
		return err
	}
	// encoding/json matches member names case-insensitively; the files'
	// names are lower case, so anything else is a member it would
	// misread ("ID" for "id") — the query is dcql.Parse's to read.
	if err := lowerCaseNames(parsed, "", 0); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func lowerCaseNames(v any, where string, depth int) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k != strings.ToLower(k) {
				return fmt.Errorf("member %q of %q: names are lower case", k, where)
			}
			if depth == 0 && k == "query" {
				continue
			}
			at := k
			if where != "" {
				at = where + "." + k
			}
			if err := lowerCaseNames(e, at, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := lowerCaseNames(e, fmt.Sprintf("%s[%d]", where, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) tables(fsys fs.FS, prefix string) *MedianTables {
	file := prefix + tablesFile
	data, err := readFile(fsys, tablesFile)
	if err != nil {
		l.bad(file, "", "%v", err)
		return nil
	}
	var t MedianTables
	if err := decodeStrict(data, &t); err != nil {
		l.bad(file, "", "%v", err)
		return nil
	}
	bad := t.check()
	for _, b := range bad {
		where, msg, _ := strings.Cut(b, ": ")
		l.bad(file, where, "%s", msg)
	}
	if len(bad) > 0 {
		return nil
	}
	return &t
}

// programmeFile is a programme as written.
type programmeFile struct {
	ID         string          `json:"id"`
	Version    string          `json:"version"`
	Name       Text            `json:"name"`
	Purpose    purposeFile     `json:"purpose"`
	Query      json.RawMessage `json:"query"`
	Parameters []Parameter     `json:"parameters,omitempty"`
	Criteria   []Criterion     `json:"criteria"`
	NotCovered []Text          `json:"not_covered,omitempty"`
	Notes      []string        `json:"notes,omitempty"`
}

type purposeFile struct {
	ID          string `json:"id"`
	Description Text   `json:"description"`
	LegalBasis  string `json:"legal_basis"`
	Retention   string `json:"retention"`
}

// fileChecker gathers the problems of one file.
type fileChecker struct {
	l    *loader
	file string
	n    int
}

func (f *fileChecker) bad(where, format string, args ...any) {
	f.n++
	f.l.bad(f.file, where, format, args...)
}

func (f *fileChecker) text(where string, t Text, max int) {
	for lang, s := range map[string]string{"ko": t.Ko, "en": t.En} {
		switch {
		case strings.TrimSpace(s) == "":
			f.bad(where+"."+lang, "is empty; every text is in Korean and English")
		case len(s) > max:
			f.bad(where+"."+lang, "is longer than %d bytes", max)
		case !utf8.ValidString(s):
			f.bad(where+"."+lang, "is not UTF-8")
		}
	}
}

// programme parses and checks one programme file; nil if it has problems
// (recorded in l).
func (l *loader) programme(file string, data []byte) *Programme {
	f := &fileChecker{l: l, file: file}
	var pf programmeFile
	if err := decodeStrict(data, &pf); err != nil {
		f.bad("", "%v", err)
		return nil
	}
	if !idPattern.MatchString(pf.ID) {
		f.bad("id", "%q is not [a-z0-9-] (up to 64, starting with a letter or digit)", pf.ID)
	}
	if strings.TrimSpace(pf.Version) == "" || len(pf.Version) > 32 {
		f.bad("version", "is empty or longer than 32 bytes")
	}
	f.text("name", pf.Name, maxTextBytes)
	if !purposePattern.MatchString(pf.Purpose.ID) {
		f.bad("purpose.id", "%q is not a ledger purpose id: [a-z0-9-], up to 32", pf.Purpose.ID)
	}
	f.text("purpose.description", pf.Purpose.Description, maxTextBytes)
	if strings.TrimSpace(pf.Purpose.LegalBasis) == "" || len(pf.Purpose.LegalBasis) > maxLegalBasis {
		f.bad("purpose.legal_basis", "a legal basis is required (at most %d bytes)", maxLegalBasis)
	}
	if !retentionPattern.MatchString(pf.Purpose.Retention) {
		f.bad("purpose.retention", "%q is not an ISO 8601 duration of one unit, like P30D, P6M or P1Y", pf.Purpose.Retention)
	}
	for i, t := range pf.NotCovered {
		f.text(fmt.Sprintf("not_covered[%d]", i), t, maxReasonBytes)
	}

	// The query: DCQL, dc+sd-jwt credentials of the catalogue, one
	// presentation each, claims the catalogue declares.
	var q *dcql.Query
	types := map[string][]*schemas.Type{}
	if len(pf.Query) == 0 {
		f.bad("query", "is missing")
	} else if parsed, err := dcql.Parse(pf.Query); err != nil {
		var qe *dcql.QueryError
		if errors.As(err, &qe) {
			for _, p := range qe.Problems {
				f.bad(joinWhere("query", p.Where), "%s", p.Msg)
			}
		} else {
			f.bad("query", "%v", err)
		}
	} else {
		q = parsed
		for i, cq := range q.Credentials {
			where := fmt.Sprintf("query.credentials[%d]", i)
			if cq.Format != dcql.FormatSDJWTVC {
				f.bad(where+".format", "%q: programmes read %s credentials", cq.Format, dcql.FormatSDJWTVC)
			}
			if cq.Multiple {
				f.bad(where+".multiple", "a programme reads one presentation per credential query")
			}
			if len(cq.Claims) == 0 {
				f.bad(where+".claims", "a programme asks for the claims its rules read; none are named")
			}
			for j, vct := range cq.Meta.VCTValues {
				t, err := l.cfg.Types.Lookup(vct)
				if err != nil {
					f.bad(fmt.Sprintf("%s.meta.vct_values[%d]", where, j), "%v", err)
					continue
				}
				types[cq.ID] = append(types[cq.ID], t)
				for k, cl := range cq.Claims {
					if t.Claim(generic(cl.Path)) == nil {
						f.bad(fmt.Sprintf("%s.claims[%d].path", where, k), "%s is not a claim of %s", cl.Path, vct)
					}
				}
			}
		}
	}

	// Parameters.
	for i, p := range pf.Parameters {
		where := fmt.Sprintf("parameters[%d]", i)
		if !namePattern.MatchString(p.Name) {
			f.bad(where+".name", "%q is not [a-z][a-z0-9_] (up to 32)", p.Name)
		}
		if slices.ContainsFunc(pf.Parameters[:i], func(o Parameter) bool { return o.Name == p.Name }) {
			f.bad(where+".name", "%q is declared twice", p.Name)
		}
		f.text(where+".label", p.Label, maxTextBytes)
	}

	// Criteria.
	if len(pf.Criteria) == 0 || len(pf.Criteria) > maxCriteria {
		f.bad("criteria", "1 to %d criteria", maxCriteria)
	}
	var crits []*criterion
	var allReads []reference
	// complete is false once a rule could not be read whole: what the
	// rules read is then not known, and the checks that need it are not
	// made (they would only repeat the problem).
	complete := true
	usedParams := map[string]bool{}
	for i, c := range pf.Criteria {
		where := fmt.Sprintf("criteria[%d]", i)
		if !namePattern.MatchString(c.ID) {
			f.bad(where+".id", "%q is not [a-z][a-z0-9_] (up to 32)", c.ID)
		}
		if slices.ContainsFunc(pf.Criteria[:i], func(o Criterion) bool { return o.ID == c.ID }) {
			f.bad(where+".id", "%q is the id of an earlier criterion", c.ID)
		}
		f.text(where+".label", c.Label, maxTextBytes)
		f.text(where+".reasons.passed", c.Reasons.Passed, maxReasonBytes)
		f.text(where+".reasons.failed", c.Reasons.Failed, maxReasonBytes)
		switch {
		case c.UndeterminedIf != "" && c.Reasons.Undetermined == nil:
			f.bad(where+".reasons.undetermined", "is missing, and undetermined_if needs it")
		case c.UndeterminedIf == "" && c.Reasons.Undetermined != nil:
			f.bad(where+".reasons.undetermined", "is given without undetermined_if")
		case c.Reasons.Undetermined != nil:
			f.text(where+".reasons.undetermined", *c.Reasons.Undetermined, maxReasonBytes)
		}
		if strings.TrimSpace(c.Basis) == "" || len(c.Basis) > maxLegalBasis {
			f.bad(where+".basis", "say where the rule comes from (at most %d bytes)", maxLegalBasis)
		}
		cr := &criterion{Criterion: c}
		var reads []reference
		readWhole := true
		for _, x := range []struct {
			field, src string
			into       *cel.Program
		}{{"rule", c.Rule, &cr.rule}, {"undetermined_if", c.UndeterminedIf, &cr.undeterminedIf}} {
			if x.src == "" {
				if x.field == "rule" {
					f.bad(where+".rule", "is empty")
				}
				continue
			}
			prg, a, ok := l.compile(f, where+"."+x.field, x.src)
			*x.into = prg
			readWhole = readWhole && ok
			reads = append(reads, a.refs...)
			for _, name := range a.params {
				usedParams[name] = true
				if !slices.ContainsFunc(pf.Parameters, func(p Parameter) bool { return p.Name == name }) {
					f.bad(where+"."+x.field, "reads params.%s, which the programme does not declare", name)
				}
			}
		}
		cr.reads = reads
		allReads = append(allReads, reads...)
		crits = append(crits, cr)
		if !readWhole {
			complete = false
			continue
		}

		// Needs are exactly the queries read.
		var read []string
		for _, r := range reads {
			if !slices.Contains(read, r.Query) {
				read = append(read, r.Query)
			}
		}
		for j, n := range c.Needs {
			switch {
			case q != nil && q.CredentialQuery(n) == nil:
				f.bad(fmt.Sprintf("%s.needs[%d]", where, j), "%q is not a credential query id of the query", n)
			case !slices.Contains(read, n):
				f.bad(fmt.Sprintf("%s.needs[%d]", where, j), "%q is listed, but the rules do not read it", n)
			}
		}
		for _, n := range read {
			if !slices.Contains(c.Needs, n) {
				f.bad(where+".needs", "the rules read credentials.%s; list %q", n, n)
			}
		}
		// Every claim read is a claim of the type, and asked for.
		if q == nil {
			continue
		}
		for _, r := range dedupe(reads) {
			cq := q.CredentialQuery(r.Query)
			if cq == nil {
				f.bad(where, "reads credentials.%s, but the query has no credential query %q", r.String(), r.Query)
				continue
			}
			for _, t := range types[r.Query] {
				if t.Claim(generic(r.Path)) == nil {
					f.bad(where, "reads %s, which is not a claim of %s", r.String(), t.VCT)
				}
			}
			if !slices.ContainsFunc(cq.Claims, func(cl dcql.ClaimsQuery) bool { return overlap(cl.Path, r.Path) }) {
				f.bad(where, "reads %s, which the query does not ask for", r.String())
			}
		}
	}
	for _, p := range pf.Parameters {
		if complete && !usedParams[p.Name] {
			f.bad("parameters", "%q is declared, but no rule reads it", p.Name)
		}
	}

	// The query asks for nothing the rules do not read.
	if q != nil && complete {
		for i, cq := range q.Credentials {
			where := fmt.Sprintf("query.credentials[%d]", i)
			if !slices.ContainsFunc(allReads, func(r reference) bool { return r.Query == cq.ID }) {
				f.bad(where, "credential query %q is read by no rule; ask only for what the rules use", cq.ID)
				continue
			}
			for j, cl := range cq.Claims {
				if !slices.ContainsFunc(allReads, func(r reference) bool { return r.Query == cq.ID && overlap(cl.Path, r.Path) }) {
					f.bad(fmt.Sprintf("%s.claims[%d]", where, j), "asks for %s, which no rule reads; ask only for what the rules use", cl.Path)
				}
			}
		}
	}

	if f.n > 0 {
		return nil
	}
	return &Programme{
		id: pf.ID, version: pf.Version, name: pf.Name,
		purpose: Purpose{
			ID: pf.Purpose.ID, Description: pf.Purpose.Description,
			LegalBasis: pf.Purpose.LegalBasis, Retention: pf.Purpose.Retention,
		},
		query: slices.Clone([]byte(pf.Query)), parsed: q,
		params: pf.Parameters, criteria: crits, notCovered: pf.NotCovered,
		notes: pf.Notes, file: file,
		types: l.cfg.Types, now: l.cfg.Now,
	}
}

// compile compiles one expression: it must parse, type-check as bool,
// read claims only in the ways analyse understands, and cost at most
// CostLimit in the worst case.
func (l *loader) compile(f *fileChecker, where, src string) (prg cel.Program, a analysis, whole bool) {
	if len(src) > maxRuleBytes {
		f.bad(where, "is longer than %d bytes", maxRuleBytes)
		return nil, analysis{}, false
	}
	checked, iss := l.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			if e.Location != nil && e.Location.Line() > 0 {
				f.bad(where, "%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message)
			} else {
				f.bad(where, "%s", e.Message)
			}
		}
		return nil, analysis{}, false
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		f.bad(where, "is of type %s; a rule is a bool (write == true for a boolean claim)", checked.OutputType())
	}
	a = analyse(checked.NativeRep().Expr())
	for _, p := range dedupeStrings(a.problems) {
		f.bad(where, "%s", p)
	}
	est, err := l.env.EstimateCost(checked, sizeEstimator{})
	switch {
	case err != nil:
		f.bad(where, "its cost cannot be estimated: %v", err)
	case est.Max > CostLimit:
		f.bad(where, "may cost up to %d, more than the limit of %d", est.Max, CostLimit)
	}
	prg, err = l.env.Program(checked,
		cel.EvalOptions(cel.OptPartialEval),
		cel.CostLimit(CostLimit),
		cel.InterruptCheckFrequency(64))
	if err != nil {
		f.bad(where, "%v", err)
		return nil, a, false
	}
	return prg, a, len(a.problems) == 0
}

// sizeEstimator bounds what a rule reads from a credential, for the cost
// estimate.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(cost.AstNode) *cost.SizeEstimate {
	return &cost.SizeEstimate{Min: 0, Max: estimatedSize}
}

func (sizeEstimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

var _ cost.Estimator = sizeEstimator{}

func joinWhere(prefix, where string) string {
	if where == "" {
		return prefix
	}
	return prefix + "." + where
}

func dedupe(refs []reference) []reference {
	var out []reference
	for _, r := range refs {
		if !slices.ContainsFunc(out, func(o reference) bool { return o.Query == r.Query && o.Path.String() == r.Path.String() }) {
			out = append(out, reference{Query: r.Query, Path: r.Path})
		}
	}
	return out
}

func dedupeStrings(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
