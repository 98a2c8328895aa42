package programmes

import (
	"slices"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
)

// Text is a text in Korean and English.
type Text struct {
	Ko string `json:"ko"`
	En string `json:"en"`
}

// Reasons are a criterion's explanations, one per outcome. They are fixed
// texts: a decision that is kept holds no claim value.
type Reasons struct {
	Passed Text `json:"passed"`
	Failed Text `json:"failed"`
	// Undetermined explains a true UndeterminedIf; nil when the criterion
	// has none.
	Undetermined *Text `json:"undetermined,omitempty"`
}

// Criterion is one rule of a programme, as its file states it.
type Criterion struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	// Needs are the ids of the credential queries the rule reads (checked
	// at load against the rule itself).
	Needs []string `json:"needs"`
	// Rule is a CEL expression of type bool over the disclosed claims:
	// true is passed, false failed.
	Rule string `json:"rule"`
	// UndeterminedIf, when set, is a CEL expression of type bool evaluated
	// first: true makes the criterion undetermined (the evidence is there
	// but cannot settle it, e.g. it is stale), with Reasons.Undetermined.
	UndeterminedIf string `json:"undetermined_if,omitempty"`
	// Reasons explain each outcome.
	Reasons Reasons `json:"reasons"`
	// Basis is where the rule comes from (a notice, a statute, the domain
	// file's section), with its provenance tag: [SRC], [KNOW] or [RECON].
	Basis string `json:"basis"`
}

// Parameter is a value the verifier supplies with the evidence, such as
// the facility at whose door a card is shown; rules read it as
// params.<name>.
type Parameter struct {
	Name  string `json:"name"`
	Label Text   `json:"label"`
}

// Purpose is what a verifier registers on the ledger for a programme (the
// registry's trust.verifier purpose): why it asks, under which law, how
// long it keeps what it receives, and exactly which claims of which
// credential types its query asks for.
type Purpose struct {
	ID          string `json:"id"`
	Description Text   `json:"description"`
	LegalBasis  string `json:"legal_basis"`
	// Retention is an ISO 8601 duration: PnY, PnM, PnW or PnD (P0D keeps
	// nothing).
	Retention string `json:"retention"`
	// Claims are the claim paths per credential type, derived from the
	// programme's DCQL query, in the query's order.
	Claims []PurposeClaims `json:"claims"`
}

// PurposeClaims are the claim paths of one credential type a purpose asks
// for.
type PurposeClaims struct {
	VCT   string       `json:"vct"`
	Paths []sdjwt.Path `json:"paths"`
}

// Programme is a loaded, checked programme: its query, purpose and
// compiled rules. It is immutable and safe for concurrent use.
type Programme struct {
	id, version string
	name        Text
	purpose     Purpose
	query       []byte // the DCQL query as written; Query parses a copy
	parsed      *dcql.Query
	params      []Parameter
	criteria    []*criterion
	notCovered  []Text
	notes       []string
	file        string

	types *schemas.Catalogue
	now   func() time.Time
}

// criterion is a Criterion with its compiled programs.
type criterion struct {
	Criterion
	rule, undeterminedIf cel.Program
	// reads are the claims the rule and the precondition read, for naming
	// what is missing when an evaluation fails.
	reads []reference
}

// ID is the programme's id, e.g. "seoul-youth-allowance-2026".
func (p *Programme) ID() string { return p.id }

// Version is the programme file's version, e.g. "2026.1".
func (p *Programme) Version() string { return p.version }

// Name is the programme's name.
func (p *Programme) Name() Text { return p.name }

// File is the file the programme was loaded from ("defaults/…" for an
// embedded one).
func (p *Programme) File() string { return p.file }

// Notes are the file's notes on its sources and choices.
func (p *Programme) Notes() []string { return slices.Clone(p.notes) }

// Query returns the programme's DCQL query (OpenID4VP 1.0 §6): the one
// parsed when the programme was loaded, shared by every request for it,
// which must not modify it. (Being one value also lets a request object's
// encoding of it be made once: oid4vp.SignRequestObject caches it by
// pointer.) Its methods only read it and are safe for concurrent use.
func (p *Programme) Query() *dcql.Query { return p.parsed }

// QueryJSON returns the DCQL query as written in the programme file.
func (p *Programme) QueryJSON() []byte { return slices.Clone(p.query) }

// Parameters are the values Decide needs in Evidence.Parameters.
func (p *Programme) Parameters() []Parameter { return slices.Clone(p.params) }

// Criteria returns the programme's criteria as written, in order.
func (p *Programme) Criteria() []Criterion {
	out := make([]Criterion, len(p.criteria))
	for i, c := range p.criteria {
		out[i] = c.Criterion
		out[i].Needs = slices.Clone(c.Needs)
		if c.Reasons.Undetermined != nil {
			u := *c.Reasons.Undetermined
			out[i].Reasons.Undetermined = &u
		}
	}
	return out
}

// NotCovered are the conditions of the programme its rules do not decide
// (checked by the agency by other means); a Decision repeats them.
func (p *Programme) NotCovered() []Text { return slices.Clone(p.notCovered) }

// PurposeID is Purpose().ID, without building the rest.
func (p *Programme) PurposeID() string { return p.purpose.ID }

// Retention is Purpose().Retention, without building the rest.
func (p *Programme) Retention() string { return p.purpose.Retention }

// Purpose returns what the verifier registers on the ledger for this
// programme: its purpose id, description, legal basis and retention, and
// the claims per credential type that its DCQL query asks for — no more,
// so that the wallet, which checks a request against the registered
// purpose, lets exactly this query through.
func (p *Programme) Purpose() Purpose {
	out := p.purpose
	out.Claims = nil
	for _, cq := range p.parsed.Credentials {
		for _, vct := range cq.Meta.VCTValues {
			i := slices.IndexFunc(out.Claims, func(c PurposeClaims) bool { return c.VCT == vct })
			if i < 0 {
				out.Claims = append(out.Claims, PurposeClaims{VCT: vct})
				i = len(out.Claims) - 1
			}
			for _, cl := range cq.Claims {
				if !slices.ContainsFunc(out.Claims[i].Paths, func(q sdjwt.Path) bool { return q.String() == cl.Path.String() }) {
					out.Claims[i].Paths = append(out.Claims[i].Paths, slices.Clone(cl.Path))
				}
			}
		}
	}
	return out
}
