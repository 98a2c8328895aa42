package programmes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
)

// Outcome is the result of a decision or of one criterion.
type Outcome string

// A decision is Eligible, NotEligible or Undetermined; a criterion is
// Passed, Failed or Undetermined.
const (
	Eligible     Outcome = "eligible"
	NotEligible  Outcome = "not_eligible"
	Undetermined Outcome = "undetermined"
	Passed       Outcome = "passed"
	Failed       Outcome = "failed"
)

// Evidence is what a decision is made on: the claims the verifier pipeline
// accepted (verifier.Verified.Claims), by credential query id.
type Evidence struct {
	// ApplicationDate is when the citizen applied; rules see its calendar
	// date in Korea. Required.
	ApplicationDate time.Time
	// Credentials are the disclosed claims of each presentation by the id
	// of the credential query it answers. A query without presentations
	// is missing evidence. Claims are JSON values (map[string]any, []any,
	// string, bool, json.Number or Go numbers, nil).
	Credentials map[string][]map[string]any
	// Parameters are the values of the programme's declared parameters.
	Parameters map[string]string
}

// Decision is a programme's answer on some evidence.
type Decision struct {
	Programme string `json:"programme"`
	Version   string `json:"version"`
	// ApplicationDate is the date the rules used (YYYY-MM-DD, KST).
	ApplicationDate string  `json:"application_date"`
	Outcome         Outcome `json:"outcome"`
	// Criteria are the programme's criteria, in order, each with its
	// outcome and reason.
	Criteria []CriterionResult `json:"criteria"`
	// Missing is the evidence whose absence left criteria undetermined,
	// over all criteria (see CriterionResult.Missing).
	Missing []string `json:"missing,omitempty"`
	// NotCovered are the conditions of the programme that the rules do not
	// decide: an eligible decision means eligible on these criteria.
	NotCovered []Text    `json:"not_covered,omitempty"`
	DecidedAt  time.Time `json:"decided_at"`
}

// CriterionResult is the outcome of one criterion.
type CriterionResult struct {
	ID      string  `json:"id"`
	Label   Text    `json:"label"`
	Outcome Outcome `json:"outcome"`
	Reason  Text    `json:"reason"`
	// Missing names what an undetermined criterion lacks: a credential
	// query id ("employment") for a credential not presented, or a query
	// id and claim path ("income.income_band.upper_pct") for a claim not
	// disclosed.
	Missing []string `json:"missing,omitempty"`
	// Detail is the evaluation error of a criterion undetermined for
	// another reason (a claim of an unexpected form, a date outside the
	// median tables, the cost limit), for operators; it may quote claim
	// values, so it is not for keeping.
	Detail string `json:"detail,omitempty"`
}

// Decide evaluates the programme's criteria on the evidence. A criterion
// passes or fails by its rule; it is undetermined when a credential it
// reads was not presented (the rules are evaluated partially, with the
// missing credentials unknown, so that a criterion another claim already
// settles is still decided), when a claim it reads was not disclosed,
// when its undetermined_if holds, or when its evaluation fails. The
// decision is NotEligible if any criterion failed, else Undetermined if
// any is undetermined, else Eligible.
//
// Decide does not verify anything: the evidence must come from the
// verifier pipeline (signatures, status, holder binding, and the DCQL
// check of the response against Query). It does not check that the
// credentials are about the same person. Errors wrap ErrEvidence, or are
// the context's.
func (p *Programme) Decide(ctx context.Context, ev Evidence) (*Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ev.ApplicationDate.IsZero() {
		return nil, fmt.Errorf("%w: no application date", ErrEvidence)
	}
	appDate := ev.ApplicationDate.In(kst).Format(dateLayout)

	creds := make(map[string]any, len(ev.Credentials))
	for qid, pres := range ev.Credentials {
		cq := p.parsed.CredentialQuery(qid)
		switch {
		case cq == nil:
			return nil, fmt.Errorf("%w: presentations for %q, which is not a credential query of %s", ErrEvidence, qid, p.id)
		case len(pres) > 1:
			return nil, fmt.Errorf("%w: %d presentations for %q, which takes one", ErrEvidence, len(pres), qid)
		case len(pres) == 0 || pres[0] == nil:
			continue
		}
		v, err := celValue(pres[0], 0)
		if err != nil {
			return nil, fmt.Errorf("%w: credential %q: %w", ErrEvidence, qid, err)
		}
		creds[qid] = v
	}
	var unknown []*cel.AttributePatternType
	for _, cq := range p.parsed.Credentials {
		if _, ok := creds[cq.ID]; !ok {
			unknown = append(unknown, cel.AttributePattern(varCredentials).QualString(cq.ID))
		}
	}
	params := make(map[string]string, len(p.params))
	for _, decl := range p.params {
		v, ok := ev.Parameters[decl.Name]
		if !ok {
			return nil, fmt.Errorf("%w: parameter %q is missing", ErrEvidence, decl.Name)
		}
		params[decl.Name] = v
	}
	for name := range ev.Parameters {
		if !slices.ContainsFunc(p.params, func(d Parameter) bool { return d.Name == name }) {
			return nil, fmt.Errorf("%w: %s declares no parameter %q", ErrEvidence, p.id, name)
		}
	}
	act, err := cel.PartialVars(map[string]any{
		varCredentials:     creds,
		varApplicationDate: appDate,
		varParams:          params,
	}, unknown...)
	if err != nil {
		return nil, fmt.Errorf("programmes: %w", err)
	}

	d := &Decision{
		Programme: p.id, Version: p.version, ApplicationDate: appDate,
		NotCovered: slices.Clone(p.notCovered),
	}
	for _, c := range p.criteria {
		r, err := p.evaluate(ctx, c, act, creds)
		if err != nil {
			return nil, err
		}
		d.Criteria = append(d.Criteria, r)
		for _, m := range r.Missing {
			if !slices.Contains(d.Missing, m) {
				d.Missing = append(d.Missing, m)
			}
		}
	}
	d.Outcome = Eligible
	for _, r := range d.Criteria {
		switch {
		case r.Outcome == Failed:
			d.Outcome = NotEligible
		case r.Outcome == Undetermined && d.Outcome == Eligible:
			d.Outcome = Undetermined
		}
	}
	d.DecidedAt = p.now()
	return d, nil
}

// evaluate decides one criterion.
func (p *Programme) evaluate(ctx context.Context, c *criterion, act cel.Activation, creds map[string]any) (CriterionResult, error) {
	r := CriterionResult{ID: c.ID, Label: c.Label}
	run := func(prg cel.Program) (ref.Val, bool, error) {
		out, _, err := prg.ContextEval(ctx, act)
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if u, ok := out.(*types.Unknown); ok {
			r.Outcome = Undetermined
			r.Missing = p.unknownQueries(u)
			r.Reason = p.missingCredentials(r.Missing)
			return nil, true, nil
		}
		if err != nil || types.IsError(out) {
			if err == nil {
				err = out.(*types.Err)
			}
			r.Outcome = Undetermined
			if missing := absent(c.reads, creds); len(missing) > 0 {
				r.Missing = missing
				r.Reason = p.missingClaims(missing)
			} else {
				r.Reason = Text{
					Ko: "제출된 증빙으로 이 기준을 평가할 수 없습니다.",
					En: "The evidence presented could not be evaluated against this criterion.",
				}
				r.Detail = err.Error()
			}
			return nil, true, nil
		}
		return out, false, nil
	}
	if c.undeterminedIf != nil {
		out, done, err := run(c.undeterminedIf)
		if err != nil || done {
			return r, err
		}
		if out == types.True {
			r.Outcome = Undetermined
			r.Reason = *c.Reasons.Undetermined
			return r, nil
		}
	}
	out, done, err := run(c.rule)
	if err != nil || done {
		return r, err
	}
	if out == types.True {
		r.Outcome, r.Reason = Passed, c.Reasons.Passed
	} else {
		r.Outcome, r.Reason = Failed, c.Reasons.Failed
	}
	return r, nil
}

// unknownQueries names the credential queries an unknown result depends on.
func (p *Programme) unknownQueries(u *types.Unknown) []string {
	var out []string
	for _, id := range u.IDs() {
		trails, _ := u.GetAttributeTrails(id)
		for _, t := range trails {
			q := t.QualifierPath()
			if t.Variable() != varCredentials || len(q) == 0 {
				continue
			}
			if s, ok := q[0].(string); ok && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	// In the query's order.
	slices.SortFunc(out, func(a, b string) int { return p.queryIndex(a) - p.queryIndex(b) })
	return out
}

func (p *Programme) queryIndex(id string) int {
	return slices.IndexFunc(p.parsed.Credentials, func(c dcql.CredentialQuery) bool { return c.ID == id })
}

// typeOf returns the catalogue type a credential query asks for (its
// first vct), or nil.
func (p *Programme) typeOf(qid string) *schemas.Type {
	cq := p.parsed.CredentialQuery(qid)
	if cq == nil || len(cq.Meta.VCTValues) == 0 {
		return nil
	}
	t, err := p.types.Lookup(cq.Meta.VCTValues[0])
	if err != nil {
		return nil
	}
	return t
}

// missingCredentials explains an undetermined criterion for credentials
// not presented, naming them as the catalogue does.
func (p *Programme) missingCredentials(qids []string) Text {
	var ko, en []string
	for _, q := range qids {
		if t := p.typeOf(q); t != nil {
			ko = append(ko, t.Name(schemas.Korean))
			en = append(en, t.Name(schemas.English))
		} else {
			ko, en = append(ko, q), append(en, q)
		}
	}
	return Text{
		Ko: "다음 증명서가 제출되지 않아 판단할 수 없습니다: " + strings.Join(ko, ", "),
		En: "Cannot be decided without: " + strings.Join(en, ", "),
	}
}

// missingClaims explains an undetermined criterion for claims not
// disclosed.
func (p *Programme) missingClaims(names []string) Text {
	var ko, en []string
	for _, n := range names {
		qid, rest, _ := strings.Cut(n, ".")
		label := schemas.Text{schemas.Korean: rest, schemas.English: rest}
		if t := p.typeOf(qid); t != nil {
			if path, err := sdjwt.ParsePath(rest); err == nil {
				if cl := t.Claim(generic(path)); cl != nil {
					label = cl.Label
				}
			}
		}
		ko = append(ko, label.In(schemas.Korean))
		en = append(en, label.In(schemas.English))
	}
	return Text{
		Ko: "제출된 증명서에 다음 항목이 공개되지 않아 판단할 수 없습니다: " + strings.Join(ko, ", "),
		En: "Cannot be decided: the credentials presented do not disclose " + strings.Join(en, ", "),
	}
}

// absent lists the claims a criterion reads that the presented
// credentials do not disclose. A claim the criterion tests with has() is
// one it expects may be absent: it is not listed.
func absent(reads []reference, creds map[string]any) []string {
	optional := map[string]bool{}
	for _, r := range reads {
		if r.TestOnly {
			optional[r.String()] = true
		}
	}
	var out []string
	for _, r := range reads {
		if optional[r.String()] {
			continue
		}
		c, ok := creds[r.Query]
		if !ok || selects(c, r.Path) {
			continue
		}
		if s := r.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// selects reports whether the path names a value in v; a nil element
// requires the path to continue in every element of the array.
func selects(v any, p sdjwt.Path) bool {
	if len(p) == 0 {
		return true
	}
	switch e := p[0].(type) {
	case string:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		child, ok := m[e]
		return ok && selects(child, p[1:])
	case int:
		a, ok := v.([]any)
		return ok && e < len(a) && selects(a[e], p[1:])
	case nil:
		a, ok := v.([]any)
		if !ok {
			return false
		}
		for _, el := range a {
			if !selects(el, p[1:]) {
				return false
			}
		}
		return true
	}
	return false
}

// maxValueDepth bounds the nesting of claims handed to the rules.
const maxValueDepth = 32

// celValue copies claims into the values CEL takes: maps, lists, strings,
// booleans, null, int64 for integral numbers and float64 for the others.
func celValue(v any, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("claims nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := celValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := celValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a number a rule can read", string(x))
		}
		return f, nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("a number that is not finite")
		}
		return x, nil
	}
	return nil, fmt.Errorf("a claim of Go type %T is not a JSON value", v)
}
