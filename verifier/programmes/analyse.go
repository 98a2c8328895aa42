package programmes

import (
	"fmt"
	"slices"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/seoulid/seoulid/internal/sdjwt"
)

// reference is one claim a rule reads: credentials.<Query>.<Path…>.
type reference struct {
	Query string
	// Path is the claim path inside the credential: names, array indexes,
	// and nil for "every element" (a comprehension over an array).
	Path sdjwt.Path
	// TestOnly is a has() test: the rule asks whether the claim was
	// disclosed, not what it is.
	TestOnly bool
}

// String names the claim as Decision.Missing does: the query id and the
// claim path, "residency.birthdate".
func (r reference) String() string { return r.Query + "." + r.Path.String() }

// analysis is what a rule reads.
type analysis struct {
	refs     []reference
	params   []string
	problems []string
}

// analyse walks a checked expression for every claim it reads. Claims are
// read only through static selections — credentials.<query>.<claim>…,
// with constant indexes, or through a comprehension variable ranging over
// such a selection — so that what a rule reads is known at load: anything
// else that touches credentials or params is a problem.
func analyse(e ast.Expr) analysis {
	var a analysis
	a.walk(e, map[string]*reference{})
	return a
}

// scope maps comprehension variables to the claim they range over; a
// variable mapped to nil shadows a name without reading a claim.
type scope map[string]*reference

func (a *analysis) walk(e ast.Expr, sc scope) {
	switch e.Kind() {
	case ast.IdentKind:
		name := e.AsIdent()
		if r, ok := sc[name]; ok {
			if r != nil {
				a.refs = append(a.refs, *r)
			}
			return
		}
		switch name {
		case varCredentials:
			a.problems = append(a.problems, "credentials is used whole; select a claim: credentials.<query id>.<claim>")
		case varParams:
			a.problems = append(a.problems, "params is used whole; select a parameter: params.<name>")
		}
	case ast.SelectKind:
		if a.chain(e, sc) {
			return
		}
		a.walk(e.AsSelect().Operand(), sc)
	case ast.CallKind:
		c := e.AsCall()
		if c.FunctionName() == operators.Index && a.chain(e, sc) {
			return
		}
		if c.IsMemberFunction() {
			a.walk(c.Target(), sc)
		}
		for _, arg := range c.Args() {
			a.walk(arg, sc)
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		a.walk(c.IterRange(), sc)
		inner := make(scope, len(sc)+2)
		for k, v := range sc {
			inner[k] = v
		}
		inner[c.AccuVar()] = nil
		inner[c.IterVar()] = nil
		if c.HasIterVar2() {
			inner[c.IterVar2()] = nil
		} else if r, ok := a.resolve(c.IterRange(), sc); ok && r != nil {
			elem := reference{Query: r.Query, Path: append(slices.Clone(r.Path), nil)}
			inner[c.IterVar()] = &elem
		}
		a.walk(c.AccuInit(), sc)
		a.walk(c.LoopCondition(), inner)
		a.walk(c.LoopStep(), inner)
		a.walk(c.Result(), inner)
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			a.walk(el, sc)
		}
	case ast.MapKind:
		for _, en := range e.AsMap().Entries() {
			if en.Kind() == ast.MapEntryKind {
				a.walk(en.AsMapEntry().Key(), sc)
				a.walk(en.AsMapEntry().Value(), sc)
			}
		}
	case ast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			if f.Kind() == ast.StructFieldKind {
				a.walk(f.AsStructField().Value(), sc)
			}
		}
	}
}

// chain records e if it is a selection from credentials, params or a
// comprehension variable, and reports whether it was one.
func (a *analysis) chain(e ast.Expr, sc scope) bool {
	r, ok := a.resolve(e, sc)
	if ok && r != nil {
		a.refs = append(a.refs, *r)
	}
	return ok
}

// resolve reads a chain of selections and constant indexes down to an
// identifier. ok is false when e is not such a chain rooted in
// credentials, params or a comprehension variable over a claim; a chain
// rooted there that is not a claim (credentials.<query> alone) is ok with
// a nil reference and a problem recorded.
func (a *analysis) resolve(e ast.Expr, sc scope) (r *reference, ok bool) {
	var path sdjwt.Path // outermost last, reversed below
	testOnly := false
	cur := e
	for {
		switch cur.Kind() {
		case ast.SelectKind:
			s := cur.AsSelect()
			if cur == e && s.IsTestOnly() {
				testOnly = true
			}
			path = append(path, s.FieldName())
			cur = s.Operand()
			continue
		case ast.CallKind:
			c := cur.AsCall()
			if c.FunctionName() != operators.Index || len(c.Args()) != 2 || c.Args()[1].Kind() != ast.LiteralKind {
				return nil, false
			}
			switch k := c.Args()[1].AsLiteral().(type) {
			case types.String:
				path = append(path, string(k))
			case types.Int:
				if k < 0 || k > 1<<20 {
					return nil, false
				}
				path = append(path, int(k))
			default:
				return nil, false
			}
			cur = c.Args()[0]
			continue
		case ast.IdentKind:
		default:
			return nil, false
		}
		break
	}
	slices.Reverse(path)
	name := cur.AsIdent()
	if v, shadowed := sc[name]; shadowed {
		if v == nil {
			return nil, false
		}
		full := reference{Query: v.Query, Path: append(slices.Clone(v.Path), path...), TestOnly: testOnly}
		return &full, true
	}
	switch name {
	case varCredentials:
		q, isName := "", false
		if len(path) > 0 {
			q, isName = path[0].(string)
		}
		switch {
		case !isName:
			a.problems = append(a.problems, "credentials must be followed by a credential query id: credentials.<query id>.<claim>")
			return nil, true
		case len(path) == 1:
			a.problems = append(a.problems, fmt.Sprintf("credentials.%s is used whole; select a claim: credentials.%s.<claim>", q, q))
			return nil, true
		}
		return &reference{Query: q, Path: path[1:], TestOnly: testOnly}, true
	case varParams:
		if len(path) != 1 {
			a.problems = append(a.problems, "params must be followed by one parameter name: params.<name>")
			return nil, true
		}
		p, isName := path[0].(string)
		if !isName {
			a.problems = append(a.problems, "params must be followed by a parameter name")
			return nil, true
		}
		if !slices.Contains(a.params, p) {
			a.params = append(a.params, p)
		}
		return nil, true
	}
	return nil, false
}

// overlap reports whether two claim paths name the same claim or one
// contains the other (nil matches any array index).
func overlap(a, b sdjwt.Path) bool {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		if x == nil || y == nil {
			_, xs := x.(string)
			_, ys := y.(string)
			if xs || ys {
				return false // an object member is not an array element
			}
			continue
		}
		if x != y {
			return false
		}
	}
	return true
}

// generic replaces array indexes by nil: the form in which the catalogue
// declares claims.
func generic(p sdjwt.Path) sdjwt.Path {
	out := make(sdjwt.Path, len(p))
	for i, e := range p {
		if _, isIndex := e.(int); !isIndex {
			out[i] = e
		}
	}
	return out
}
